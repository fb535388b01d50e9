"""Round trips counted by the Redis server itself (INFO commandstats), not by patching."""

import pytest
import redis
from django.core.cache import caches

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

# Commands a new connection or the stats reader itself sends; not the library's calls.
HOUSEKEEPING = {"hello", "client|setinfo", "client", "info", "select", "ping", "command"}


class CommandStats:
    def __init__(self, port):
        self.client = redis.Redis(host="127.0.0.1", port=port)

    def snapshot(self):
        return {
            name.removeprefix("cmdstat_"): stats["calls"]
            for name, stats in self.client.info("commandstats").items()
        }

    def delta(self, before):
        after = self.snapshot()
        changed = {name: after[name] - before.get(name, 0) for name in after}
        return {name: n for name, n in changed.items() if n and name not in HOUSEKEEPING}


@pytest.fixture
def stats(settings, redis_server):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_server.port}/0",
        }
    }
    caches["default"].clear()
    reader = CommandStats(redis_server.port)
    yield reader
    reader.client.close()


def test_warm_page_with_eight_cached_panels_is_one_mget(stats):
    strategies = [cache.sitewide(60), cache.per_path(60), cache.per_user(60), cache.sitewide(300)]
    panels = {
        f"p{i}": Panel(literal=f"<p>panel {i}</p>", cache=strategies[i % 4]) for i in range(8)
    }
    View = type("View", (PageView,), {"layout": EveryPanelLayout, **panels})
    render(View)
    before = stats.snapshot()
    body = text(render(View))
    assert stats.delta(before) == {"mget": 1}
    assert all(f"<p>panel {i}</p>" in body for i in range(8))


def test_cold_page_is_one_mget_a_recheck_and_one_write_per_timeout(stats):
    View = type(
        "View",
        (PageView,),
        {
            "layout": EveryPanelLayout,
            "a": Panel(literal="a", cache=cache.sitewide(60)),
            "b": Panel(literal="b", cache=cache.sitewide(60)),
        },
    )
    render(View)  # generations are created here
    cache.invalidate("a"), cache.invalidate("b")
    before = stats.snapshot()
    render(View)
    # A lock per missing panel (SET NX) and one MGET of the panels locked, in case they
    # were published since the first; Django's RedisCache.set_many is one transaction
    # (MULTI, MSET, an EXPIRE per key, EXEC); the locks go in one DEL.
    assert stats.delta(before) == {
        "mget": 2,
        "set": 2,
        "multi": 1,
        "mset": 1,
        "expire": 2,
        "exec": 1,
        "del": 1,
    }
