"""layouts_cbv reads Django's RedisCache with one kept redis-py client, not one per call."""

import redis
from django.core.cache import caches

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text


def redis_settings(settings, port, backend="django.core.cache.backends.redis.RedisCache"):
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": f"redis://127.0.0.1:{port}/0"}}
    caches["default"].clear()


def clients_made_by(fn, monkeypatch):
    made = []
    original = redis.Redis.__init__

    def counted(self, *args, **kwargs):
        made.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counted)
    result = fn()
    monkeypatch.setattr(redis.Redis, "__init__", original)
    return made, result


View = type(
    "View",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        **{f"p{n}": Panel(literal=f"<p>panel {n}</p>", cache=cache.sitewide(60)) for n in range(3)},
    },
)


def test_a_warm_page_makes_no_redis_client(settings, redis_server, monkeypatch):
    redis_settings(settings, redis_server.port)
    render(View), render(View)
    made, response = clients_made_by(lambda: render(View), monkeypatch)
    assert made == []  # Django's RedisCache would make one for its get_many
    assert all(f"<p>panel {n}</p>" in text(response) for n in range(3))


def test_a_subclass_with_its_own_get_many_is_called_as_usual(settings, redis_server):
    redis_settings(settings, redis_server.port, "tests.cache.counting.CountingRedisCache")
    from tests.cache import counting

    render(View)
    counting.calls.clear()
    render(View)
    assert counting.calls["get_many"] == 1
