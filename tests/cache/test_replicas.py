"""Django's RedisCache with a replica that lags: layouts_cbv reads where it wrote.

The lag is real: the replica is paused for writes (``CLIENT PAUSE ... WRITE``), so it
keeps answering reads with what it had while the primary moves on.
"""

import threading
import time
from collections import Counter

import pytest
import redis
from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.cache import guard, refresh
from tests.cache.test_stampede import together
from tests.testapp.layouts import EveryPanelLayout

renders: Counter = Counter()
content = {"news": "old news"}
_lock = threading.Lock()


def news(request):
    with _lock:
        renders["news"] += 1
    time.sleep(0.1)
    return f"<p>{content['news']}</p>"


def mine(request):
    renders["mine"] += 1
    return f"<p>mine {request.user.username}</p>"


class News(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/content.html"
    news = Panel(news, cache=cache.sitewide(600))
    mine = Panel(mine, cache=cache.per_user(600))


class Stale(News):
    news = Panel(news, cache=cache.sitewide(1, stale_ttl=600))


urlpatterns = [path("news/", News.as_view()), path("stale/", Stale.as_view())]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def primary_and_replica(redis_primary_and_replica):
    return redis_primary_and_replica


@pytest.fixture(autouse=True)
def replicated(primary_and_replica, settings):
    primary, replica = primary_and_replica
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": [
                f"redis://127.0.0.1:{primary.port}/0",
                f"redis://127.0.0.1:{replica.port}/0",
            ],
        }
    }
    caches["default"].clear()
    guard.reset()
    renders.clear()
    content["news"] = "old news"
    time.sleep(0.1)  # the replica has the empty cache too
    yield
    refresh.wait_for_refreshes()


def lagging(primary_and_replica, seconds=3):
    """Pause the replica's writes: it serves what it had while the primary moves on."""
    _, replica = primary_and_replica
    redis.Redis(port=replica.port).execute_command("CLIENT", "PAUSE", int(seconds * 1000), "WRITE")


def unpause(primary_and_replica):
    _, replica = primary_and_replica
    redis.Redis(port=replica.port).execute_command("CLIENT", "UNPAUSE")


def body(response):
    return response.content.decode()


def test_invalidation_is_seen_at_once_while_the_replica_lags(primary_and_replica, client):
    assert "old news" in body(client.get("/news/"))
    lagging(primary_and_replica)
    try:
        content["news"] = "new news"
        cache.invalidate_all("news")
        for _ in range(8):
            assert "new news" in body(client.get("/news/"))
    finally:
        unpause(primary_and_replica)
    assert renders["news"] == 2  # rendered again once, then read back from the primary


def test_single_flight_holds_while_the_replica_lags(primary_and_replica):
    lagging(primary_and_replica)
    try:
        bodies, _ = together(32, lambda: body(Client().get("/news/")))
    finally:
        unpause(primary_and_replica)
    assert renders["news"] == 1 and all("old news" in b for b in bodies)


def test_a_stale_entry_is_refreshed_once_while_the_replica_lags(primary_and_replica, client):
    client.get("/stale/")
    time.sleep(1.1)  # the entry is stale now
    lagging(primary_and_replica)
    try:
        content["news"] = "new news"
        client.get("/stale/")
        refresh.wait_for_refreshes()
        for _ in range(5):
            client.get("/stale/")
            refresh.wait_for_refreshes()
    finally:
        unpause(primary_and_replica)
    assert renders["news"] == 2  # one render, one refresh: the refreshed entry is seen


def test_a_new_password_ends_the_old_sessions_panels_while_the_replica_lags(
    primary_and_replica,
):
    alice = User.objects.create_user("alice", password="one")
    old = Client()
    old.force_login(alice)
    assert "mine alice" in body(old.get("/news/"))
    assert "mine alice" in body(old.get("/news/"))  # the user's record is in the cache now
    lagging(primary_and_replica)
    try:
        alice.set_password("two")
        alice.save()
        assert "mine alice" not in body(old.get("/news/"))
    finally:
        unpause(primary_and_replica)
