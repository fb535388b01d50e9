"""Deployments: the warm 8-panel page on one Redis and on a Redis Cluster of 3 masters.

The cluster is served by :class:`layouts_cbv.cache.redis_cluster.RedisClusterCache`, which
reads a page's keys with one pipelined ``MGET`` per hash slot: one round trip to each
master that holds any of them. Round trips are counted by the servers themselves
(``INFO commandstats`` on every node).
"""

from __future__ import annotations

import redis
import redis.connection
from django.core.cache import caches
from django.test.utils import override_settings
from django.urls import path
from django.views.decorators.cache import cache_page

from layouts_cbv import Panel, cache
from tests.benchmarks.common import Driver, interleaved
from tests.benchmarks.pages import ITEMS, SETTINGS, Page

ROUNDS = 7
REPEAT = 100
ALIASES = {"one Redis": "default", "Redis Cluster, 3 masters": "cluster"}
# Commands a new connection or a cluster client sends for itself, not the page's.
HOUSEKEEPING = {"hello", "client|setinfo", "client", "info", "select", "ping", "command", "cluster"}


def panels(alias: str) -> dict:
    found = {
        f"p{n}": Panel(
            template="bench/panel.html",
            context={"n": n, "items": ITEMS},
            cache=cache.sitewide(600, backend=alias),
        )
        for n in range(7)
    }
    found["account"] = Panel(
        template="bench/account.html", cache=cache.per_user(600, backend=alias)
    )
    return found


def views(alias: str) -> dict[str, object]:
    uncached = type(f"Uncached_{alias}", (Page,), {})
    cached = type(f"Cached_{alias}", (Page,), panels(alias))
    page_cached = type(
        f"PageCached_{alias}",
        (Page,),
        {**panels(alias), "page_cache": cache.per_path(600, backend=alias)},
    )
    return {
        "`cache_page`": cache_page(600, cache=alias)(uncached.as_view()),
        "layouts_cbv, every panel cached": cached.as_view(),
        "layouts_cbv page cache, one per-user hole": page_cached.as_view(),
    }


WAYS = list(views("default"))
urlpatterns = [
    path(f"{alias}/{n}/", view)
    for alias in ALIASES.values()
    for n, view in enumerate(views(alias).values())
]


def url(alias: str, way: str) -> str:
    return f"/{alias}/{WAYS.index(way)}/"


class CommandStats:
    def __init__(self, ports: list[int]):
        self.clients = [redis.Redis(port=port) for port in ports]

    def snapshot(self) -> list[dict[str, int]]:
        return [
            {
                name.removeprefix("cmdstat_"): s["calls"]
                for name, s in c.info("commandstats").items()
            }
            for c in self.clients
        ]

    def delta(self, before: list[dict[str, int]]) -> list[int]:
        """Return the page's commands on each node."""
        return [
            sum(n - old.get(name, 0) for name, n in new.items() if name not in HOUSEKEEPING)
            for old, new in zip(before, self.snapshot(), strict=True)
        ]


class RoundTrips:
    """Count what redis-py sends and waits an answer for: one per command, one per
    pipeline sent to one server."""

    def __init__(self) -> None:
        self.count = 0
        connection = redis.connection.AbstractConnection
        original = connection.send_packed_command

        def counted(conn, *args, **kwargs):  # type: ignore[no-untyped-def]
            self.count += 1
            return original(conn, *args, **kwargs)

        connection.send_packed_command = counted  # type: ignore[method-assign]


def run(redis_port: int, cluster_ports: list[int]) -> dict:
    """Return µs per page and, per deployment and way, commands and nodes touched."""
    caches_config = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_port}/0",
        },
        "cluster": {
            "BACKEND": "layouts_cbv.cache.redis_cluster.RedisClusterCache",
            "LOCATION": [f"redis://127.0.0.1:{port}" for port in cluster_ports],
        },
    }
    stats = {"default": CommandStats([redis_port]), "cluster": CommandStats(cluster_ports)}
    settings = {**SETTINGS, "ROOT_URLCONF": __name__}
    found: dict = {"µs": {}, "commands": {}, "nodes": {}, "round trips": {}}
    trips = RoundTrips()
    with override_settings(CACHES=caches_config, **settings):
        for alias in ALIASES.values():
            caches[alias].clear()
        driver = Driver()
        calls = {}
        for name, alias in ALIASES.items():
            for way in WAYS:
                page = url(alias, way)
                driver.get(page), driver.get(page), driver.get(page)
                before, sent = stats[alias].snapshot(), trips.count
                driver.get(page)
                found["round trips"][f"{name}|{way}"] = trips.count - sent
                per_node = stats[alias].delta(before)
                label = f"{name}|{way}"
                found["commands"][label] = sum(per_node)
                found["nodes"][label] = sum(1 for n in per_node if n)
                calls[label] = lambda page=page: driver.get(page)
        found["µs"] = interleaved(calls, ROUNDS, REPEAT)
    return found
