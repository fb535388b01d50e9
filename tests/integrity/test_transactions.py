"""Invalidation inside a transaction lasts: a panel rendered from the old row while the
transaction is open, by another process on another connection, does not outlive the
commit. Served by gunicorn on one SQLite file, which another connection reads while a
transaction holds it."""

import threading
import time
import urllib.request

import pytest

from tests.requirements import need_module
from tests.soak_site.serve import served


def get(url: str) -> str:
    return urllib.request.urlopen(url, timeout=10).read().decode()


def post(url: str) -> None:
    urllib.request.urlopen(urllib.request.Request(url, data=b"", method="POST"), timeout=10).read()


@pytest.mark.parametrize("atomic_requests", [False, True], ids=["atomic-block", "ATOMIC_REQUESTS"])
def test_a_panel_rendered_during_the_transaction_does_not_outlive_its_commit(atomic_requests):
    need_module("gunicorn")
    with served(users=0, atomic_requests=atomic_requests) as site:
        assert "[headline:first]" in get(site.base + "/headline/")  # cached for an hour
        saving = threading.Thread(target=post, args=(site.base + "/headline/set/?to=new&hold=1",))
        saving.start()
        time.sleep(0.4)  # saved, invalidated, not committed: other connections see the old row
        during = get(site.base + "/headline/")
        saving.join()
        after = get(site.base + "/headline/")
    assert "[headline:first]" in during  # rendered from the committed row, and stored
    assert "[headline:new]" in after and "[headline:first]" not in after
