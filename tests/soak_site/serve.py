"""The soak site served by gunicorn (4 workers x 8 threads) on a Redis and SQLite of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests import servers

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class User:
    username: str
    pk: int
    staff: bool
    session: str  # the key of a logged-in session


@dataclass
class Site:
    base: str  # http://127.0.0.1:<port>
    redis_port: int
    users: list[User]
    log: Path  # the server's stderr: layouts_cbv's warnings land here

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def served(users: int = 16, staff_every: int = 4, atomic_requests: bool = False) -> Iterator[Site]:
    """Serve the soak site on a fresh database with ``users`` logged-in users, every
    ``staff_every``-th of them staff (each request in a transaction with
    ``atomic_requests``)."""
    with (
        tempfile.TemporaryDirectory(prefix="layouts-soak-") as tmp,
        servers.running(servers.redis_server()) as redis_server,
    ):
        workdir = Path(tmp)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.soak_site.settings",
            "SOAK_DB": str(workdir / "db.sqlite3"),
            "REDIS_URL": f"redis://{servers.HOST}:{redis_server.port}/0",
            "PYTHONPATH": str(ROOT),
            "SOAK_ATOMIC_REQUESTS": "1" if atomic_requests else "",
        }
        run = {"env": env, "cwd": ROOT, "check": True, "timeout": 120}
        subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], **run)
        made = subprocess.run(
            [sys.executable, "-m", "tests.soak_site.seed", str(users), str(staff_every)],
            capture_output=True,
            text=True,
            **run,
        )
        # One JSON object a line; Django may print lines of its own.
        lines = [line for line in made.stdout.splitlines() if line.startswith("{")]
        made_users = [User(**json.loads(line)) for line in lines]
        log = workdir / "gunicorn.log"
        wsgi = "tests.soak_site.wsgi"
        with servers.gunicorn(wsgi, env, cwd=ROOT, ready_path="/up/", log=log) as base:
            yield Site(base, redis_server.port, made_users, log)
