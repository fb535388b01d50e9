"""``make bench``: run every benchmark and write docs/benchmarks.md.

In-process measurements (warm pages, scaling, deployments) run :data:`common.RUNS`
times, each in a fresh process, the backends taking turns; every figure is a ratio
within one run, and the reports give the median run and the spread of the runs.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import redis

from tests import servers
from tests.benchmarks import common, memory, pages, served, stampede, streaming
from tests.benchmarks.reports import deployments_report, pages_report, scaling_report

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def one(section: str, args: list[str]) -> object:
    """Run one measurement in this process (the parent runs each in a fresh one)."""
    if section == "pages":
        return pages.run(args[0], args[1])
    if section == "scaling":
        from tests.benchmarks import scaling

        return scaling.run(args[0], args[1])
    if section == "deployments":
        from tests.benchmarks import deployments

        return deployments.run(int(args[0]), [int(port) for port in args[1:]])
    raise SystemExit(f"unknown section {section!r}")


def by_backend(section: str, redis_url: str) -> dict[str, list]:
    """Run ``section`` on every backend, :data:`common.RUNS` times, backends in turn."""
    runs: dict[str, list] = {backend: [] for backend in pages.BACKENDS}
    for _ in range(common.RUNS):
        for backend in pages.BACKENDS:
            runs[backend].append(common.in_fresh_process(section, backend, redis_url))
    return runs


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(one(sys.argv[2], sys.argv[3:])))
        return
    from tests.cluster_servers import running_cluster

    started, load_before = time.monotonic(), common.load_average()
    sections = []
    with servers.running(servers.redis_server()) as redis_server:
        redis_url = f"redis://{servers.HOST}:{redis_server.port}/0"
        version = redis.Redis(port=redis_server.port).info("server")["redis_version"]

        def section(title: str, make) -> None:
            print(f"{title}...", file=sys.stderr, flush=True)
            sections.append((title, make()))

        section("Warm pages of 8 panels", lambda: pages_report(by_backend("pages", redis_url)))
        section("Per extra panel", lambda: scaling_report(by_backend("scaling", redis_url)))
        section("Under gunicorn and wrk", lambda: served.run(redis_url))
        section("Memory", lambda: memory.run(redis_server.port))

        def deployments() -> str:
            if shutil.which("redis-cli") is None:
                return "Skipped: redis-cli, which forms the cluster, is not installed."
            with running_cluster() as cluster:
                ports = [str(port) for port in [redis_server.port, *cluster.ports]]
                return deployments_report(common.in_fresh_processes("deployments", *ports))

        section("Deployments: one Redis or a Redis Cluster", deployments)
        section("Stampedes", lambda: stampede.run(redis_server.port))
        section("Streamed pages: first and last byte", streaming.run)
    minutes = (time.monotonic() - started) / 60
    text = "# Benchmarks\n\nMeasured by `make bench` on " + common.machine()
    text += f", Redis server {version}; load average (1, 5, 15 min) {load_before} before "
    text += f"and {common.load_average()} after the {minutes:.0f} minutes it took.\n\n"
    text += (
        "The machine is shared and noisy: every figure is a ratio to another way measured "
        "in the same process and the same rounds, never an absolute time to compare "
        "across tables or machines. What a warm page costs, and why, is in the manual's "
        "performance model (`docs/performance.rst`).\n"
    )
    for title, body in sections:
        text += f"\n## {title}\n\n{body}\n"
    OUTPUT.write_text(text)
    print(text)


main()
