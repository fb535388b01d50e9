"""The sandbox served by gunicorn (4 workers x 8 threads) on a Redis of its own.

For tests and checks that need several processes sharing one cache, as in production.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tests import servers

ROOT = Path(__file__).resolve().parents[1]

# Users without usable passwords and sessions made directly: password hashing is
# deliberately slow, and logging in is not what these tests measure.
MAKE_USERS = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from tests.factories import ArticleFactory, AuthorFactory, UserFactory

article = ArticleFactory(slug="soak-article", author=AuthorFactory())
print("author", article.author.pk)
for n in range({users}):
    user = UserFactory(username=f"soak{{n}}", password=None)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    print(user.username, session.session_key)
"""


@dataclass
class Site:
    base: str  # http://127.0.0.1:<port>
    port: int
    redis_port: int
    author: str  # the pk of the demo article's author
    sessions: dict[str, str]  # username -> session key, logged in


@contextmanager
def served(users: int = 0) -> Iterator[Site]:
    """Serve the sandbox on a fresh database with ``users`` logged-in users made for it."""
    with servers.running(servers.redis_server()) as redis_server:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sandbox.settings",
            "SANDBOX_DB": str(Path(tempfile.mkdtemp(prefix="layouts-sandbox-")) / "db.sqlite3"),
            "REDIS_URL": f"redis://127.0.0.1:{redis_server.port}/0",
            "PYTHONPATH": str(ROOT),
            "SANDBOX_TOOLBAR": "0",  # the toolbar would time every request
        }
        manage = [sys.executable, str(ROOT / "sandbox" / "manage.py")]
        subprocess.run([*manage, "migrate", "-v0"], env=env, check=True, timeout=120)
        made = subprocess.run(
            [*manage, "shell", "-c", MAKE_USERS.format(users=users)],
            env=env,
            check=True,
            timeout=120,
            capture_output=True,
            text=True,
        )
        # Django's shell may print a line of its own first; ours have two words.
        printed = dict(
            words for line in made.stdout.splitlines() if len(words := line.split()) == 2
        )
        author = printed.pop("author")
        with servers.gunicorn("sandbox.wsgi", env, cwd=ROOT) as base:
            yield Site(base, urlsplit(base).port, redis_server.port, author, printed)
