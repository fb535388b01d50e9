"""One master of a Redis Cluster killed or hung: only the panels that live on it render.

A cluster of its own for this module, started with ``cluster-require-full-coverage no``
(see :mod:`tests.cluster_servers`): the other masters go on serving their slots.
"""

import logging
import time

import pytest
from django.core.cache import caches

from layouts_cbv.cache import guard
from tests import cluster_servers, servers
from tests.cache.test_faults import page, renders
from tests.cache.test_redis_cluster import master_of
from tests.utils import render, text

BACKEND = "layouts_cbv.cache.redis_cluster.RedisClusterCache"
TIMEOUT = 0.3
NAMES = [f"p{i}" for i in range(12)]
View = page(*NAMES)


@pytest.fixture(scope="module")
def own_cluster():
    """A cluster of this module's own, which its tests may kill and hang."""
    with cluster_servers.running_cluster() as cluster:
        yield cluster


@pytest.fixture
def on_cluster(settings, own_cluster):
    settings.CACHES = {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": own_cluster.location,
            "OPTIONS": {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT},
        }
    }
    settings.LAYOUTS_CBV = {"BACKOFF": 30}
    guard.reset()
    caches["default"].clear()
    renders.clear()
    yield own_cluster
    guard.reset()


def victim_and_its_panels(cluster):
    """Return the master that holds the most entries, and the panels it holds."""
    by_master = {port: set() for port in cluster.ports}
    for name in NAMES:
        by_master[master_of(cluster, caches["default"].make_key(f"layouts:panel:{name}"))].add(name)
    port = max(by_master, key=lambda p: len(by_master[p]))
    server = next(s for s in cluster.servers if s.port == port)
    return server, by_master[port]


def test_the_client_makes_no_retries_by_default(on_cluster):
    client = caches["default"]._cache.get_client()
    assert client.retry.get_retries() == 0


@pytest.mark.parametrize("how", ["killed", "hung"])
def test_one_master_down_costs_only_its_panels_and_one_timeout(on_cluster, how, caplog):
    render(View)
    victim, on_victim = victim_and_its_panels(on_cluster)
    assert on_victim and on_victim != set(NAMES)
    with servers.away(victim, how):
        renders.clear()
        with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
            started = time.monotonic()
            bodies = [text(render(View)) for _ in range(10)]
            elapsed = time.monotonic() - started
        # The panels of the live masters come from the cache on every page; those of
        # the master that is down render on every page, and nothing else does.
        assert sorted(set(renders)) == sorted(on_victim)
        for name in set(NAMES) - on_victim:
            assert all(f"<p>{name} " in body for body in bodies)
        assert renders.count(sorted(on_victim)[0]) == 10
        assert not guard.is_down("default")
        # A hung master costs one socket timeout, then it is left alone.
        assert elapsed < TIMEOUT + 1.0, f"10 pages took {elapsed:.2f} s"
        warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
        assert len(warnings) == 1, [r.getMessage() for r in warnings]
    on_cluster.wait_until_ready()


def test_a_master_that_answers_again_is_used_again(on_cluster, settings):
    settings.LAYOUTS_CBV = {"BACKOFF": 0.5}
    render(View)
    victim, on_victim = victim_and_its_panels(on_cluster)
    victim.stop()
    try:
        render(View)
    finally:
        victim.start()  # empty: what it held is gone
    on_cluster.wait_until_ready()
    time.sleep(0.6)  # the back-off is over
    renders.clear()
    for _ in range(3):
        assert render(View).status_code == 200
    # Rendered once more, stored on the master that came back, then read from it.
    assert sorted(renders) == sorted(on_victim)


@pytest.mark.parametrize("how", ["killed", "hung"])
def test_a_process_that_starts_while_a_master_is_down_serves_the_others(on_cluster, how):
    from layouts_cbv.cache import redis_cluster

    render(View)
    victim, on_victim = victim_and_its_panels(on_cluster)
    with servers.away(victim, how):
        renders.clear()
        for _ in range(5):  # the client asks a random master for the command table
            redis_cluster._clients.clear()  # as in a worker process started now
            caches["default"]._cache._cluster = None
            render(View)
        assert sorted(set(renders)) == sorted(on_victim)
    on_cluster.wait_until_ready()


def test_a_cluster_out_of_reach_is_tried_once_per_backoff(settings, hung_port, caplog):
    from layouts_cbv.cache import redis_cluster

    settings.CACHES = {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": [f"redis://127.0.0.1:{hung_port}"],
            "OPTIONS": {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT},
        }
    }
    settings.LAYOUTS_CBV = {"BACKOFF": 30}
    redis_cluster._clients.clear()
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        started = time.monotonic()
        for _ in range(5):
            assert render(View).status_code == 200
        elapsed = time.monotonic() - started
    assert elapsed < TIMEOUT + 1.0, f"5 pages took {elapsed:.2f} s"
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 1
