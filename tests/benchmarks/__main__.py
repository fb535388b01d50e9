"""``make bench``: run every benchmark and write docs/benchmarks.md.

The warm-page benchmark runs in one process per backend, every way side by side in it.
"""

import json
import subprocess
import sys
from pathlib import Path

import redis

from tests import servers
from tests.benchmarks import common, pages, stampede

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def one_backend(backend: str, redis_port: int) -> list[list[str]]:
    command = [sys.executable, "-m", "tests.benchmarks", "--one", backend, str(redis_port)]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(finished.stdout.strip().splitlines()[-1])


def main() -> None:
    if sys.argv[1:2] == ["--one"]:
        print(json.dumps(pages.run(sys.argv[2], int(sys.argv[3]))))
        return
    with servers.running(servers.redis_server()) as redis_server:
        version = redis.Redis(port=redis_server.port).info("server")["redis_version"]
        rows = [
            row for backend in pages.BACKENDS for row in one_backend(backend, redis_server.port)
        ]
        sections = [
            ("Warm pages", pages.render(rows)),
            ("Stampedes", stampede.run(redis_server.port)),
        ]
    text = "# Benchmarks\n\nMeasured by `make bench` on " + common.machine()
    text += f", Redis server {version}.\n"
    text += "Compare rows of one table with each other: the machine is shared and noisy.\n"
    for title, body in sections:
        text += f"\n## {title}\n\n{body}\n"
    OUTPUT.write_text(text)
    print(text)


main()
