"""The warm page under gunicorn (2 sync workers) on Redis, loaded by wrk on loopback.

Each round runs wrk against every way in turn, so a slow spell of the shared machine
slows them alike; the table gives the median round. The visitor is anonymous (wrk
sends no cookie): the per-user panel is its ``anonymous`` entry.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.benchmarks.common import goal, median, ratio, table
from tests.servers import HOST, _wait_for_http, free_port

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 10
SECONDS = 2
WORKERS = 2
CONNECTIONS = 4
# (way, URL, goal: at least this ratio of cache_page's requests/s)
WAYS = [
    ("`cache_page`", "/cache-page/", None),
    ("layouts_cbv, every panel cached", "/assembled/", 0.95),
    ("layouts_cbv page cache, one per-user hole", "/page-cache/", 1.0),
]


def find_wrk() -> str | None:
    """Return wrk's path, installing Debian's package first when missing and allowed."""
    found = shutil.which("wrk")
    if found or os.geteuid() != 0 or not shutil.which("apt-get"):
        return found
    print("Installing wrk", file=sys.stderr)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    quiet = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    subprocess.run(["apt-get", "update", "-qq"], **quiet)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], **quiet)
    return shutil.which("wrk")


@contextmanager
def gunicorn(redis_url: str) -> Iterator[str]:
    """Serve the benchmark pages with gunicorn's sync workers; yield the base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.benchmarks.settings",
        "REDIS_URL": redis_url,
        "PYTHONPATH": str(ROOT),
    }
    argv = [sys.executable, "-m", "gunicorn", "tests.benchmarks.wsgi"]
    argv += ["-b", f"{HOST}:{port}", "-w", str(WORKERS), "-k", "sync", "--log-level", "warning"]
    process = subprocess.Popen(argv, env=env, cwd=ROOT)
    try:
        base = f"http://{HOST}:{port}"
        _wait_for_http(base + WAYS[0][1], process)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def wrk(binary: str, url: str, seconds: int) -> tuple[float, float]:
    """Return requests/s and p99 latency in ms of ``url`` under wrk."""
    argv = [binary, "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk saw errors on {url}:\n{out}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
    return rate, float(value) * UNITS[unit]


def run(redis_url: str) -> str:
    binary = find_wrk()
    if binary is None:
        return "Skipped: wrk is not installed (Debian: `apt-get install wrk`)."
    rates: dict[str, list[float]] = {way: [] for way, _, _ in WAYS}
    p99: dict[str, list[float]] = {way: [] for way, _, _ in WAYS}
    with gunicorn(redis_url) as base:
        for _, path, _ in WAYS:
            for _ in range(10):
                urllib.request.urlopen(base + path).read()
            wrk(binary, base + path, 1)  # both workers warm: connections, generations
        for _ in range(ROUNDS):
            for way, path, _ in WAYS:
                rate, latency = wrk(binary, base + path, SECONDS)
                rates[way].append(rate)
                p99[way].append(latency)
    anchor = rates[WAYS[0][0]]
    anchor_p99 = p99[WAYS[0][0]]
    rows = []
    for way, _, target in WAYS:
        relative = [mine / theirs for mine, theirs in zip(rates[way], anchor, strict=True)]
        latency = [mine / theirs for mine, theirs in zip(p99[way], anchor_p99, strict=True)]
        rows.append(
            [
                way,
                ratio(relative),
                ratio(latency),
                f"{median(p99[way]):.1f}",
                goal(median(relative), target, at_most=False) if target else "anchor",
            ]
        )
    headers = ["way", "requests/s, ratio", "p99 latency, ratio", "p99 ms", "goal (requests/s)"]
    intro = (
        f"gunicorn with {WORKERS} sync workers on one Redis, wrk with {CONNECTIONS} connections "
        f"on loopback, {ROUNDS} rounds of {SECONDS} s per way, the ways in turn within each "
        "round; ratios are to `cache_page` in the same round (median, and the spread of "
        f"the rounds). `cache_page` served {median(anchor):.0f} requests/s in the median "
        "round. The machine runs the server, Redis and wrk on its cores at once."
    )
    return intro + "\n\n" + table(headers, rows)
