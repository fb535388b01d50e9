"""Shared pieces of the benchmarks: Django set-up, timing, Markdown tables."""

from __future__ import annotations

import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django

django.setup()


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


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


def table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    import redis

    return (
        f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}, "
        f"Django {django.get_version()}, redis-py {redis.__version__}"
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def median(values: list[float]) -> float:
    return statistics.median(values)
