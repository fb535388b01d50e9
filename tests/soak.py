"""The soak: the sandbox under gunicorn on Redis, many users at once, zero leaks, zero 5xx.

Every response's account panel must name the visitor who asked (or nobody), and
every form token taken from a page, cached account panel included, must be
accepted by Django's CSRF check. ``make soak`` runs it with more requests.
"""

from __future__ import annotations

import re
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from tests.sandbox_site import Site, served

SIGNED_IN = re.compile(r"Signed in as (\S+)")
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PAGES = ["/", "/articles/soak-article/", "/authors/{author}/"]


@dataclass
class Tally:
    requests: int = 0
    problems: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, problem: str = "") -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            if problem:
                self.problems.append(problem)


class Visitor:
    """One browser with its own cookies: logged in through ``session_key``, or anonymous."""

    def __init__(self, base: str, username: str | None = None, session_key: str | None = None):
        self.base, self.username = base, username
        self.cookies = SimpleCookie()
        if session_key:
            self.cookies["sessionid"] = session_key

    def request(self, path: str, data: dict | None = None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in self.cookies.items())
        request = urllib.request.Request(self.base + path, data=body, headers={"Cookie": cookie})
        try:
            with OPENER.open(request, timeout=30) as response:
                status, text, headers = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            status, text, headers = error.code, error.read().decode(), error.headers
        for header in headers.get_all("Set-Cookie") or []:
            self.cookies.load(header)
        return status, text

    def check_page(self, path: str, tally: Tally) -> str | None:
        status, page = self.request(path)
        shown = SIGNED_IN.findall(page)
        expected = [self.username] if self.username else []
        problem = ""
        if status >= 500:
            problem = f"{status} on {path}"
        elif shown != expected:
            problem = f"{self.username or 'anonymous'} saw {shown} on {path}"
        tally.record(status, problem)
        tokens = TOKEN.findall(page)
        return tokens[0] if tokens else None

    def check_token(self, token: str, tally: Tally) -> None:
        # CSRF is checked before the view: an empty comment is refused with 200 and
        # writes nothing, a refused token is 403.
        status, _ = self.request("/articles/soak-article/comment/", {"csrfmiddlewaretoken": token})
        who = self.username or "anonymous"
        tally.record(status, "" if status == 200 else f"token refused for {who}: {status}")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect())


def run(site: Site, anonymous: int, requests_per_visitor: int) -> Tally:
    base, author = site.base, site.author
    visitors = [Visitor(base, name, key) for name, key in site.sessions.items()]
    visitors += [Visitor(base) for _ in range(anonymous)]
    tally = Tally()
    barrier = threading.Barrier(len(visitors))

    def browse(visitor: Visitor, offset: int) -> None:
        barrier.wait()
        for i in range(requests_per_visitor):
            path = PAGES[(i + offset) % len(PAGES)].format(author=author)
            token = visitor.check_page(path, tally)
            if token and i % 5 == 0:
                visitor.check_token(token, tally)

    threads = [threading.Thread(target=browse, args=(v, n)) for n, v in enumerate(visitors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with served(users=20) as site:
        started = time.perf_counter()
        tally = run(site, anonymous=4, requests_per_visitor=requests // 24)
        elapsed = time.perf_counter() - started
    print(f"{tally.requests} requests in {elapsed:.1f}s, statuses {dict(tally.statuses)}")
    print(f"{len(tally.problems)} problems")
    for problem in tally.problems[:20]:
        print("  ", problem)
    sys.exit(1 if tally.problems else 0)


if __name__ == "__main__":
    main()
