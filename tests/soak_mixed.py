"""The mixed integrity soak: stored pages, holes, access checks and messages under load.

The soak site (:mod:`tests.soak_site`) is served by gunicorn (4 workers x 8 threads)
on one Redis. Logged-in users (some staff) and anonymous visitors, each with cookies
of their own, hit its pages in a random order (seeded) at the same time, and post
messages to themselves. Every page shows whom it was rendered for as ``[kind:name]``
markers (see :mod:`tests.soak_site.views`). Problems, by kind:

``leak``
    a response shows another visitor's marker (``you-are``, ``content-for``,
    ``owner-of``, ``hole-for``, ``msg-for``);
``access``
    a page the view refuses this visitor was served (200) anyway;
``5xx``
    a server error;
``lost-message``
    a visitor posted a message and the page they were redirected to did not show it;
``missing-marker``, ``wrong-page``, ``unexpected-status``
    a page without its visitor's marker, another page's body, any other status.

The shared page reads nothing of its visitor: it must come from the page cache for
most requests (its body prints a build id per render) while its hole stays per visitor.
``python -m tests.soak_mixed 20000`` runs it longer.
"""

from __future__ import annotations

import random
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

import redis

from tests import servers
from tests.soak_site import ANONYMOUS
from tests.soak_site.serve import Site, User, served

LEAK, ACCESS, SERVER_ERROR, LOST = "leak", "access", "5xx", "lost-message"
MISSING, WRONG_PAGE, STATUS = "missing-marker", "wrong-page", "unexpected-status"

MARKER = re.compile(r"\[([a-z-]+):([^\]]*)\]")
PERSONAL = frozenset({"you-are", "content-for", "owner-of", "hole-for", "msg-for"})
# Pages the site stores, and those it refuses to store for what they read (and warns).
STORED = frozenset(
    {"SharedPage", "MembersLayoutFirst", "MembersCheckFirst", "StaffLayoutFirst", "StaffCheckFirst"}
)
NOT_STORED = frozenset({"LayoutUserPage", "ContextUserPage", "OwnerPage", "MessagesPage"})
REFUSED = re.compile(r"page of (\w+) read ")

# What visitors do, drawn at random; the shared page twice as often.
ROUTES = (
    "layout-user",
    "context-user",
    "own-page",
    "other-page",
    "members/layout-first",
    "members/check-first",
    "staff/layout-first",
    "staff/check-first",
    "messages",
    "flash",
    "shared",
    "shared",
)


@dataclass
class Tally:
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)  # problems by kind
    problems: list[str] = field(default_factory=list)
    shared: int = 0  # responses of the shared page
    builds: set[str] = field(default_factory=set)  # its build ids seen
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, status: int, problems: list[tuple[str, str]]) -> None:
        with self.lock:
            self.requests += 1
            self.statuses[status] += 1
            for kind, text in problems:
                self.kinds[kind] += 1
                self.problems.append(f"{kind}: {text}")

    def shared_page(self, build: str) -> None:
        with self.lock:
            self.shared += 1
            self.builds.add(build)

    @property
    def shared_from_cache(self) -> int:
        """Responses of the shared page that were not its first showing of a build."""
        return self.shared - len(self.builds)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect())


@dataclass
class Expected:
    path: str
    status: int
    page: str = ""  # the [page:...] of a 200
    shows: tuple[str, ...] = ()  # the visitor's markers a 200 must show


class Visitor:
    """One browser: a user logged in by their session cookie, or anonymous."""

    def __init__(self, base: str, tag: str, user: User | None, everyone: list[User]):
        self.base, self.tag, self.user = base, tag, user
        self.name = user.username if user else ANONYMOUS
        self.cookies: dict[str, str] = {"sessionid": user.session} if user else {}
        self.others = [other.pk for other in everyone if other != user]
        self.posted = 0

    def request(self, path: str, data: dict | None = None) -> tuple[int, str, str]:
        """Return the status, body and Location of one request, keeping its cookies."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        request = urllib.request.Request(self.base + path, data=body, headers={"Cookie": cookie})
        try:
            with OPENER.open(request, timeout=30) as response:
                status, text, headers = response.status, response.read().decode(), response.headers
        except urllib.error.HTTPError as error:
            status, text, headers = error.code, error.read().decode(), error.headers
        for header in headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel.value and morsel["max-age"] != "0":
                    self.cookies[name] = morsel.value
                else:
                    self.cookies.pop(name, None)  # deleted, as a browser would
        return status, text, headers.get("Location", "")

    def expected(self, route: str, rng: random.Random) -> Expected:
        user = self.user
        if route == "own-page" and user is not None:
            return Expected(f"/me/{user.pk}/", 200, "owner", ("owner-of", "hole-for"))
        if route in ("own-page", "other-page"):
            return Expected(f"/me/{rng.choice(self.others)}/", 404)
        if route.startswith("members/"):
            return Expected(f"/{route}/", 200 if user else 302, "members", ("hole-for",))
        if route.startswith("staff/"):
            status = 302 if user is None else 200 if user.staff else 403
            return Expected(f"/{route}/", status, "staff", ("hole-for",))
        shows = {"layout-user": ("you-are",), "context-user": ("content-for",)}.get(route, ())
        return Expected(f"/{route}/", 200, route, (*shows, "hole-for"))

    def visit(self, route: str, rng: random.Random, tally: Tally) -> int:
        """Make one visit; return how many requests it took."""
        if route == "flash":
            return self.flash(tally)
        expected = self.expected(route, rng)
        status, text, _ = self.request(expected.path)
        tally.record(status, self.check(expected, status, text, tally))
        return 1

    def flash(self, tally: Tally) -> int:
        """Post a message to oneself, then follow the redirect: the message must be there."""
        self.posted += 1
        nonce = f"{self.tag}-{self.posted}"
        status, text, location = self.request("/flash/", {"nonce": nonce})
        problems = self.check(Expected("/flash/", 302), status, text, None)
        if status == 302 and location != "/messages/":
            problems.append((STATUS, f"{self.name}: /flash/ redirected to {location!r}"))
        tally.record(status, problems)
        if status != 302:
            return 1
        expected = Expected("/messages/", 200, "messages", ("hole-for",))
        status, text, _ = self.request(location)
        problems = self.check(expected, status, text, tally)
        if f"[msg-for:{self.name}#{nonce}]" not in text:
            problems.append((LOST, f"{self.name} was not shown message #{nonce} ({status})"))
        tally.record(status, problems)
        return 2

    def check(
        self, expected: Expected, status: int, text: str, tally: Tally | None
    ) -> list[tuple[str, str]]:
        """Return the problems of one response."""
        where = f"{self.name} on {expected.path}"
        problems = []
        if status >= 500:
            problems.append((SERVER_ERROR, f"{where}: {status}"))
        elif status == 200 and expected.status != 200:
            problems.append((ACCESS, f"{where}: 200, where the view answers {expected.status}"))
        elif status != expected.status:
            problems.append((STATUS, f"{where}: {status}, expected {expected.status}"))
        found = MARKER.findall(text)
        for kind, value in found:
            if kind in PERSONAL and not self.mine(kind, value):
                problems.append((LEAK, f"{where} was shown [{kind}:{value}]"))
        if status == 200 == expected.status:
            kinds = {kind for kind, _ in found}
            pages = [value for kind, value in found if kind == "page"]
            if pages != [expected.page]:
                problems.append((WRONG_PAGE, f"{where} got page {pages}"))
            for kind in expected.shows:
                if kind not in kinds:
                    problems.append((MISSING, f"{where} has no [{kind}:...]"))
            builds = [value for kind, value in found if kind == "build"]
            if expected.page == "shared" and builds and tally is not None:
                tally.shared_page(builds[0])
        return problems

    def mine(self, kind: str, value: str) -> bool:
        name, _, nonce = value.partition("#")
        if kind == "msg-for":
            # Anonymous visitors share a name; their messages differ by who posted them.
            return name == self.name and nonce.startswith(self.tag + "-")
        return name == self.name


def run(site: Site, anonymous: int = 4, requests_per_visitor: int = 200, seed: int = 0) -> Tally:
    """Let every user of ``site`` and ``anonymous`` visitors browse at once."""
    users: list[User | None] = [*site.users, *[None] * anonymous]
    visitors = [Visitor(site.base, f"v{n}", user, site.users) for n, user in enumerate(users)]
    tally = Tally()
    barrier = threading.Barrier(len(visitors) + 1)

    def browse(n: int, visitor: Visitor) -> None:
        rng = random.Random(seed * 10_000 + n)
        barrier.wait()
        made = 0
        while made < requests_per_visitor:
            made += visitor.visit(rng.choice(ROUTES), rng, tally)

    threads = [threading.Thread(target=browse, args=(n, v)) for n, v in enumerate(visitors)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    tally.seconds = time.perf_counter() - started
    return tally


def stored_pages(site: Site) -> set[str]:
    """Return the views that have a page in the site's Redis (``layouts:page:<view>:...``)."""
    client = redis.Redis(host=servers.HOST, port=site.redis_port)
    try:
        keys = [key.decode() for key in client.scan_iter(match="*layouts:page:*")]
    finally:
        client.close()
    return {key.partition("layouts:page:")[2].split(":")[0].rsplit(".", 1)[-1] for key in keys}


def refused_pages(site: Site) -> set[str]:
    """Return the views whose pages the server's log says were not stored."""
    return set(REFUSED.findall(site.log_text()))


def main() -> None:
    requests = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    with served(users=16) as site:
        tally = run(site, anonymous=4, requests_per_visitor=requests // 20, seed=seed)
        refused, stored = refused_pages(site), stored_pages(site)
    print(f"{tally.requests} requests in {tally.seconds:.1f}s, statuses {dict(tally.statuses)}")
    print(
        f"shared page: {tally.shared} responses, {len(tally.builds)} builds, "
        f"{tally.shared_from_cache} from the page cache"
    )
    print(f"pages stored: {sorted(stored)}; not stored (warned): {sorted(refused)}")
    print(f"{len(tally.problems)} problems {dict(tally.kinds)}")
    for problem in tally.problems[:20]:
        print("  ", problem)
    sys.exit(1 if tally.problems else 0)


if __name__ == "__main__":
    main()
