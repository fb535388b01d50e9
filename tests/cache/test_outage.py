"""The cache server may die: pages still render, the dead alias is left alone, then recovers."""

import logging
import threading
import time

import pytest
import redis
from django.core.cache import caches

from layouts_cbv import Panel, cache
from layouts_cbv.cache import guard
from tests import servers
from tests.cache import counting
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

REDIS = "tests.cache.counting.CountingRedisCache"
OPTIONS = {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}
renders = []


def side(request):
    renders.append(1)
    return f"<p>side {len(renders)}</p>"


View = type(
    "View",
    (PageView,),
    {"layout": EveryPanelLayout, "sidebar": Panel(side, cache=cache.sitewide(60))},
)


@pytest.fixture(autouse=True)
def _fresh():
    renders.clear()
    guard.reset()
    counting.calls.clear()
    yield
    guard.reset()


def use_redis(settings, port, backoff=5):
    settings.CACHES = {
        "default": {"BACKEND": REDIS, "LOCATION": f"redis://127.0.0.1:{port}/0", "OPTIONS": OPTIONS}
    }
    settings.LAYOUTS_CBV = {"BACKOFF": backoff}


@pytest.fixture
def own_redis():
    """A Redis server of this test's own, which it may stop and start."""
    with servers.running(servers.redis_server()) as server:
        yield server


def test_redis_stopped_and_started_again(settings, own_redis, caplog):
    use_redis(settings, own_redis.port, backoff=1)
    render(View)
    assert "side 1" in text(render(View))  # cached

    own_redis.stop()
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        response = render(View)
    assert response.status_code == 200 and "side 2" in text(response)
    assert any("Cache 'default' failed during get_many" in r.getMessage() for r in caplog.records)

    counting.calls.clear()
    assert "side 3" in text(render(View))
    assert counting.total() == 0  # backing off: not even a connection attempt

    own_redis.start()
    time.sleep(1.1)  # the back-off period passes
    render(View)  # reconnects, misses (the server restarted empty), stores
    assert "side 4" in text(render(View))  # and hits again
    assert len(renders) == 4


def test_hung_server_costs_one_timeout_per_backoff_period(settings, hung_port):
    use_redis(settings, hung_port, backoff=30)
    started = time.monotonic()
    assert render(View).status_code == 200
    first = time.monotonic() - started
    counting.calls.clear()
    started = time.monotonic()
    for _ in range(20):
        assert "<p>side" in text(render(View))
    assert counting.total() == 0, "the library kept calling a hung server"
    assert first >= 0.3  # the first call really did wait for the socket timeout
    assert time.monotonic() - started < first * 5


def test_after_the_backoff_one_request_probes_while_the_others_skip(settings, hung_port):
    use_redis(settings, hung_port, backoff=1)
    render(View)  # fails: the alias backs off
    time.sleep(1.05)
    counting.calls.clear()
    barrier = threading.Barrier(8)
    statuses = []

    def visit():
        barrier.wait()
        statuses.append(render(View).status_code)

    threads = [threading.Thread(target=visit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 8
    assert counting.calls["get_many"] == 1, "every request probed the hung server"


def test_backoff_applies_per_alias(settings, hung_port):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "broken": {
            "BACKEND": REDIS,
            "LOCATION": f"redis://127.0.0.1:{hung_port}/0",
            "OPTIONS": OPTIONS,
        },
    }
    Mixed = type(
        "Mixed", (View,), {"other": Panel(side, cache=cache.sitewide(60, backend="broken"))}
    )
    render(Mixed)
    assert guard.is_down("broken") and not guard.is_down("default")
    assert caches["default"].get("layouts:panel:sidebar") is not None


def test_corrupt_entry_in_redis_is_a_miss_and_heals(settings, redis_server, caplog):
    use_redis(settings, redis_server.port)
    caches["default"].clear()
    raw = redis.Redis(host="127.0.0.1", port=redis_server.port)
    raw.set(":1:layouts:panel:sidebar", b"\x80\x05garbage")  # not a pickle Django can load
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        assert "side 1" in text(render(View))
    assert any("unreadable" in r.getMessage() for r in caplog.records)
    assert not guard.is_down("default")  # a bad value is not a dead server
    assert "side 1" in text(render(View))  # the entry was rewritten and now hits
    raw.close()


@pytest.mark.parametrize("foreign", [42, "html", {"html": "x"}, b"not a pickle", (1, 2)])
def test_foreign_or_wrongly_shaped_entry_is_a_miss(backend, foreign, caplog):
    caches["default"].set("layouts:panel:sidebar", foreign)
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        assert "side 1" in text(render(View))
    assert "side 1" in text(render(View))


def test_unpicklable_queue_item_is_not_cached_and_does_not_back_off(backend, caplog):
    from layouts_cbv.queues import add_to_queue

    def unpicklable(request):
        renders.append(1)
        add_to_queue(request, "scripts", lambda: None)
        return "<p>x</p>"

    Bad = type("Bad", (View,), {"sidebar": Panel(unpicklable, cache=cache.sitewide(60))})
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        render(Bad), render(Bad)
    assert len(renders) == 2
    assert not guard.is_down("default")
    assert any("cannot be pickled" in r.getMessage() for r in caplog.records)
