"""Faults cost what they touch: a failed write, one bad value, one node of several,
a hung server behind a client that hides its errors."""

import contextlib
import logging
import os
import pickle
import signal
import time

import pytest
import redis
from django.core.cache import caches

from layouts_cbv import Panel, cache
from layouts_cbv.cache import guard
from tests import servers
from tests.cache import counting
from tests.cache.test_outage import OPTIONS
from tests.requirements import need_module
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

renders: list[str] = []


def panel(name):
    def source(request):
        renders.append(name)
        return f"<p>{name} {renders.count(name)}</p>"

    return source


def page(*names, timeout=60):
    panels = {name: Panel(panel(name), cache=cache.sitewide(timeout)) for name in names}
    return type("Page", (PageView,), {"layout": EveryPanelLayout, **panels})


@pytest.fixture(autouse=True)
def _fresh():
    renders.clear()
    guard.reset()
    yield
    guard.reset()


@pytest.fixture
def own_redis():
    with servers.running(servers.redis_server()) as server:
        yield server


def test_a_failed_write_does_not_stop_reads(settings, own_redis):
    """Redis full under noeviction refuses writes; what is cached is still served."""
    settings.CACHES = {
        "default": {
            "BACKEND": "tests.cache.counting.CountingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{own_redis.port}/0",
        }
    }
    View, Other = page("a"), page("b")
    render(View)  # "a" is cached
    raw = redis.Redis(port=own_redis.port)
    used = raw.info("memory")["used_memory"]
    raw.config_set("maxmemory-policy", "noeviction")
    raw.config_set("maxmemory", used + 1024)
    with contextlib.suppress(redis.exceptions.ResponseError):  # already full
        raw.set("ballast", b"x" * 4096)
    try:
        render(Other)  # its write is refused: OOM
        counting.calls.clear()
        for _ in range(3):
            assert "<p>a 1</p>" in text(render(View))
        assert counting.calls["get_many"] == 3  # still read, every time: no back-off
        assert not guard.is_down("default")
    finally:
        raw.config_set("maxmemory", 0)


class ExplodesOnLoad:
    def __reduce__(self):
        return (explode, ())


def explode():
    raise RuntimeError("this value cannot be loaded here")


def test_one_value_that_cannot_be_unpickled_costs_one_miss_not_the_alias(settings, own_redis):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{own_redis.port}/0",
        }
    }
    View = page("a", "b")
    render(View)
    raw = redis.Redis(port=own_redis.port)
    raw.set(":1:layouts:panel:b", pickle.dumps(ExplodesOnLoad()))  # someone else's value
    body = text(render(View))
    assert "<p>a 1</p>" in body and "<p>b 2</p>" in body  # "a" from the cache, "b" again
    assert not guard.is_down("default")
    assert "<p>b 2</p>" in text(render(View))  # rewritten, read back


def memcached_pool(settings, nodes, **options):
    settings.CACHES = {
        "default": {
            "BACKEND": "tests.cache.counting.CountingPyMemcacheCache",
            "LOCATION": [f"127.0.0.1:{node.port}" for node in nodes],
            "OPTIONS": {"connect_timeout": 0.3, "timeout": 0.3, **options},
        }
    }


@pytest.fixture
def three_memcached():
    nodes = [servers.memcached_server() for _ in range(3)]
    for node in nodes:
        node.start()
    yield nodes
    for node in nodes:
        node.stop()


def node_of(key):
    client = caches["default"]._cache
    return client.hasher.get_node(caches["default"].make_and_validate_key(key))


@pytest.mark.parametrize("how", ["killed", "hung"])
def test_one_memcached_node_down_costs_only_its_panels(settings, three_memcached, how):
    memcached_pool(settings, three_memcached, retry_attempts=0, dead_timeout=30)
    names = [f"p{i}" for i in range(12)]
    View = page(*names)
    render(View)
    # The servers' ports are free ports, so which holds what changes from run to run:
    # take down the one that holds the most panels (a third of them, roughly).
    held = {
        node.port: {n for n in names if node_of(f"layouts:panel:{n}").endswith(f":{node.port}")}
        for node in three_memcached
    }
    victim = max(three_memcached, key=lambda node: len(held[node.port]))
    on_victim = held[victim.port]
    assert on_victim and on_victim != set(names)
    if how == "killed":
        victim.stop()
    else:
        os.kill(victim.process.pid, signal.SIGSTOP)
    try:
        render(View)  # the client finds the node dead and sets it aside
        renders.clear()
        for _ in range(3):
            assert render(View).status_code == 200
        # Only the panels that lived on the dead node render; they are rehomed and cached.
        assert set(renders) <= on_victim and renders.count(sorted(on_victim)[0]) <= 1
        assert not guard.is_down("default")
    finally:
        if how == "hung":
            os.kill(victim.process.pid, signal.SIGCONT)


def test_a_hung_server_behind_ignore_exceptions_costs_one_timeout_per_backoff(
    settings, hung_port, caplog
):
    need_module("django_redis")
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{hung_port}/0",
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.3,
                "SOCKET_TIMEOUT": 0.3,
            },
        }
    }
    settings.LAYOUTS_CBV = {"BACKOFF": 30}
    View = page("a", "b")
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        started = time.monotonic()
        for _ in range(10):
            assert render(View).status_code == 200
        elapsed = time.monotonic() - started
    # The first call waits out the socket timeout and the alias is set aside; the
    # errors django-redis swallowed no longer cost a timeout per call.
    assert elapsed < 1.5, f"10 pages took {elapsed:.1f} s"
    warnings = [r for r in caplog.records if "Cache 'default'" in r.getMessage()]
    assert len(warnings) == 1 and "errors hidden" in warnings[0].getMessage()


def test_django_redis_without_ignore_exceptions_backs_off_a_dead_server(settings):
    need_module("django_redis")
    port = servers.free_port()  # nothing listens: refused at once
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": OPTIONS,
        }
    }
    View = page("a")
    assert render(View).status_code == 200
    assert guard.is_down("default")
