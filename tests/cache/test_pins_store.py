"""Pins: how long entries live, and locks that background refreshes give back.

``timeout=None`` is checked on a real Redis server (``TTL`` of the stored key is
-1: no expiry); locks through the documented key ``layouts:lock:<name>``.
"""

import time

import pytest
import redis
from django.core.cache import caches
from django.test import Client
from django.urls import path

from layouts_cbv import Panel, cache
from layouts_cbv.cache.refresh import wait_for_refreshes
from tests import servers
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

renders = {"n": 0, "fail": False}


def counted(request):
    renders["n"] += 1
    if renders["fail"]:
        raise RuntimeError("the refresh failed")
    return f"<p>render {renders['n']}</p>"


def view(name, **panels):
    return type(name, (PageView,), {"layout": EveryPanelLayout, **panels})


Forever = view(
    "Forever",
    forever=Panel(literal="<p>forever</p>", cache=cache.sitewide(None)),
    finite=Panel(literal="<p>finite</p>", cache=cache.sitewide(60)),
)
ForeverPage = view("ForeverPage", page_cache=cache.per_path(None))
Stale = view("Stale", stale=Panel(counted, cache=cache.sitewide(2, stale_ttl=600)))

urlpatterns = [
    path("forever/", Forever.as_view()),
    path("forever-page/", ForeverPage.as_view()),
    path("stale/", Stale.as_view()),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    renders.update(n=0, fail=False)
    yield
    wait_for_refreshes()


@pytest.fixture
def on_redis(settings, redis_server):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://{servers.HOST}:{redis_server.port}/0",
        }
    }
    client = redis.Redis(host=servers.HOST, port=redis_server.port)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def stored_name(key):
    """The Redis key Django stores the cache key ``key`` under (no prefix, version 1)."""
    return caches["default"].make_key(key)


def test_timeout_none_stores_the_panel_without_expiry(on_redis):
    assert "<p>forever</p>" in Client().get("/forever/").content.decode()
    assert caches["default"].get("layouts:panel:forever") is not None  # the documented key
    assert on_redis.ttl(stored_name("layouts:panel:forever")) == -1  # -1: no expiry
    assert 0 < on_redis.ttl(stored_name("layouts:panel:finite")) <= 60  # the control


def test_page_cache_timeout_none_stores_the_page_without_expiry(on_redis):
    client = Client()
    client.get("/forever-page/"), client.get("/forever-page/")
    pages = [key for key in on_redis.scan_iter("*layouts:page:*ForeverPage*")]
    assert len(pages) == 1
    assert on_redis.ttl(pages[0]) == -1


@pytest.fixture
def clock(monkeypatch):
    """time.time (the entries' and LocMemCache's clock), moved by hand."""
    now = {"t": time.time()}
    monkeypatch.setattr(time, "time", lambda: now["t"])
    return now


def page(client):
    return client.get("/stale/").content.decode()


def test_a_background_refresh_gives_its_lock_back(client, clock):
    start = clock["t"]
    assert "<p>render 1</p>" in page(client)
    clock["t"] = start + 3  # stale: served while one refresh runs
    assert "<p>render 1</p>" in page(client)
    wait_for_refreshes()
    assert renders["n"] == 2
    assert caches["default"].get("layouts:lock:stale") is None
    assert "<p>render 2</p>" in page(client)
    # Stale again well within LOCK_TIMEOUT of the first refresh: it refreshes again.
    clock["t"] = start + 6
    page(client)
    wait_for_refreshes()
    assert renders["n"] == 3
    assert caches["default"].get("layouts:lock:stale") is None
    assert "<p>render 3</p>" in page(client)


def test_a_failed_background_refresh_gives_its_lock_back_and_keeps_the_stale_entry(
    client, clock
):
    start = clock["t"]
    page(client)
    renders["fail"] = True
    clock["t"] = start + 3
    assert "<p>render 1</p>" in page(client)
    wait_for_refreshes()
    assert renders["n"] == 2
    assert caches["default"].get("layouts:lock:stale") is None
    renders["fail"] = False
    assert "<p>render 1</p>" in page(client)  # the stale entry is still served, and
    wait_for_refreshes()  # refreshed again at once, not after LOCK_TIMEOUT
    assert renders["n"] == 3
    assert "<p>render 3</p>" in page(client)
