"""``make bench``: run every benchmark in one process run and write docs/benchmarks.md."""

from pathlib import Path

from tests import servers
from tests.benchmarks import common, pages, stampede

OUTPUT = Path(__file__).resolve().parents[2] / "docs" / "benchmarks.md"


def main() -> None:
    with servers.running(servers.redis_server()) as redis_server:
        sections = [
            ("Warm pages", pages.run(redis_server.port)),
            ("Stampedes", stampede.run(redis_server.port)),
        ]
    text = "# Benchmarks\n\nMeasured by `make bench` on " + common.machine() + ".\n"
    text += "Figures compare rows of one run; the machine is shared and noisy.\n"
    for title, body in sections:
        text += f"\n## {title}\n\n{body}\n"
    OUTPUT.write_text(text)
    print(text)


main()
