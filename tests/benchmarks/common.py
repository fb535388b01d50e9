"""Shared pieces of the benchmarks: Django set-up, a WSGI driver, timing, Markdown tables."""

from __future__ import annotations

import io
import json
import os
import platform
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.test import RequestFactory  # noqa: E402

RUNS = 3
"""Each in-process measurement runs this many times, each in a fresh process; the
reports give the median run (and the spread of the runs)."""


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


class Crowd:
    """``n`` threads kept for the whole run, as a threaded server keeps its workers.

    Django keeps one cache client per thread; new threads every round would measure
    connection set-up instead of the cache.
    """

    def __init__(self, n: int):
        self.n = n
        self.pool = ThreadPoolExecutor(max_workers=n)

    def run(self, fn: Callable[[], object]) -> list[float]:
        """Call ``fn`` once per thread, all released together; return each call's seconds."""
        barrier = threading.Barrier(self.n)

        def one() -> float:
            barrier.wait()
            started = time.perf_counter()
            fn()
            return time.perf_counter() - started

        return [future.result() for future in [self.pool.submit(one) for _ in range(self.n)]]


class Driver:
    """Send GET requests straight to Django's WSGI handler, as a WSGI server does.

    Lighter than the test client (no test signals, no response decoration), so what is
    timed is the request as a server sees it: middleware, view, body, ``close()``.
    """

    def __init__(self, cookie: str = ""):
        self.handler = WSGIHandler()
        self.base = RequestFactory()._base_environ()
        if cookie:
            self.base["HTTP_COOKIE"] = cookie
        self.base.pop("wsgi.input", None)

    def get(self, path: str) -> bytes:
        environ = {**self.base, "PATH_INFO": path, "wsgi.input": io.BytesIO()}
        response = self.handler(environ, _start_response)
        try:
            body = b"".join(response)
        finally:
            response.close()
        if response.status_code != 200:
            raise RuntimeError(f"GET {path} answered {response.status_code}")
        return body


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def interleaved(
    calls: Mapping[str, Callable[[], object]],
    rounds: int,
    repeat: int | Mapping[str, int],
) -> dict[str, list[float]]:
    """Return the µs of one call of each of ``calls`` in each round.

    Each round times ``repeat`` calls (a number, or one per call) of every way in turn,
    so a slow spell of a shared machine slows all of them alike instead of one way's
    whole block; compare ways round by round (:func:`per_round`).
    """
    found: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(rounds):
        for name, call in calls.items():
            times = repeat if isinstance(repeat, int) else repeat[name]
            started = time.perf_counter()
            for _ in range(times):
                call()
            found[name].append((time.perf_counter() - started) / times * 1e6)
    return found


def per_round(combine: Callable[..., float], *series: list[float]) -> float:
    """Return the median over the rounds of ``combine`` applied to each round's values:
    a figure taken within one round, where neighbours in time share the machine's mood."""
    return median(combine(*values) for values in zip(*series, strict=True))


def in_fresh_processes(section: str, *args: str) -> list[Any]:
    """Run ``section`` of the benchmarks :data:`RUNS` times, each in a new process, and
    return what each run printed last (JSON)."""
    return [in_fresh_process(section, *args) for _ in range(RUNS)]


def in_fresh_process(section: str, *args: str) -> Any:
    command = [sys.executable, "-m", "tests.benchmarks", "--one", section, *args]
    finished = subprocess.run(command, capture_output=True, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{finished.stderr}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def ratio(values: list[float]) -> str:
    """Return the median of ``values`` with the spread of the runs, as ``1.02 (0.98-1.07)``."""
    middle = f"{median(values):.2f}"
    if len(values) < 2:
        return middle
    return f"{middle} ({min(values):.2f}-{max(values):.2f})"


def goal(value: float, limit: float, at_most: bool = True) -> str:
    met = value <= limit if at_most else value >= limit
    sign = "≤" if at_most else "≥"
    return f"{sign} {limit:.2f}: {'met' if met else '**missed**'}"


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())


def machine() -> str:
    import redis

    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"Django {django.get_version()}, redis-py {redis.__version__}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"
