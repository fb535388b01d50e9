"""Time to first and last byte of a page with one slow panel: streamed, sent whole, all cached.

The page (tests/benchmarks/stream_site) has a cached nav and list and one panel that
takes ``SLOW`` seconds. Served by uvicorn (ASGI) and by gunicorn (WSGI, 2 sync workers),
each way is asked in turn, round after round, so a slow spell of the machine hits all
alike. Figures are medians, as ratios: first byte to the fully cached page's, last byte
to the slow panel's time.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from tests import servers
from tests.benchmarks.stream_site import SLOW

ROOT = Path(__file__).resolve().parents[2]
WAYS = ("cached", "streamed", "whole")
ROUNDS = 40


@contextlib.contextmanager
def served(kind: str) -> Iterator[int]:
    """Serve the site with uvicorn ("asgi") or gunicorn ("wsgi"); yield its port."""
    port = servers.free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.stream_site.settings",
        "PYTHONPATH": str(ROOT),
    }
    site = "tests.benchmarks.stream_site"
    if kind == "asgi":
        argv = ["-m", "uvicorn", f"{site}.asgi:application", "--port", str(port)]
        argv += ["--host", servers.HOST, "--log-level", "warning"]
    else:
        argv = ["-m", "gunicorn", f"{site}.wsgi", "-b", f"{servers.HOST}:{port}", "-w", "2"]
        argv += ["--log-level", "warning"]
    process = subprocess.Popen([sys.executable, *argv], env=env, cwd=ROOT)
    try:
        servers._wait_for_http(f"http://{servers.HOST}:{port}/up/", process)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def timed(port: int, path: str) -> tuple[float, float, float]:
    """Return the seconds to the response's first byte (its status line and headers),
    to the first bytes of its body (the shell, on a streamed page) and to its last."""
    connection = http.client.HTTPConnection(servers.HOST, port, timeout=30)
    started = time.perf_counter()
    connection.request("GET", path)
    response = connection.getresponse()
    first_at = time.perf_counter() - started
    first = response.read1(1 << 16)
    body_at = time.perf_counter() - started
    rest = response.read()
    last_at = time.perf_counter() - started
    connection.close()
    body = first + rest
    assert b"recommended for you" in body and body.rstrip().endswith(b"</html>"), body[-200:]
    return first_at, body_at, last_at


def measure(port: int) -> dict[str, tuple[float, ...]]:
    for _ in range(4):  # both workers warm, the cached page stored
        for way in WAYS:
            timed(port, f"/{way}/")
    samples: dict[str, list[tuple[float, float, float]]] = {way: [] for way in WAYS}
    for _ in range(ROUNDS):
        for way in WAYS:
            samples[way].append(timed(port, f"/{way}/"))
    return {
        way: tuple(statistics.median(times) for times in zip(*found, strict=True))
        for way, found in samples.items()
    }


def run() -> str:
    lines = [
        f"One page, a cached nav and list and one panel of {SLOW * 1000:.0f} ms; medians of "
        f"{ROUNDS} rounds, the ways in turn within each. *First byte* is the response's "
        "first byte (its status line and headers); *shell* is the first bytes of its body "
        "(on a streamed page, everything but the slow panel). Both as ratios to the fully "
        "cached page's; the last byte as a ratio to the slow panel's time. Goals: the "
        "streamed page's first byte within 1.10x of the cached page's, its last byte no "
        "later than the page sent whole.",
        "",
        "| server | way | first byte | first byte / cached | shell / cached | "
        "last byte / slow panel | goal |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind, label in (("asgi", "uvicorn (ASGI)"), ("wsgi", "gunicorn (WSGI, 2 workers)")):
        with served(kind) as port:
            found = measure(port)
        cached_first, cached_body, _ = found["cached"]
        for way in WAYS:
            first, body, last = found[way]
            goal = ""
            if way == "streamed":
                met_first = first <= 1.10 * cached_first
                met_last = last <= found["whole"][2] * 1.02
                goal = (
                    f"first byte {'met' if met_first else 'MISSED'}, "
                    f"last byte {'met' if met_last else 'MISSED'}"
                )
            lines.append(
                f"| {label} | {way} | {first * 1000:.1f} ms | {first / cached_first:.2f} | "
                f"{body / cached_body:.2f} | {last / SLOW:.2f} | {goal} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
