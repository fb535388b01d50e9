"""The deployment matrix under processes: the matrix site (:mod:`tests.matrix_site`)
served by gunicorn, 4 worker processes of 8 threads, on every deployment of the suite.

* A cold storm over pages of 1, 2 and 8 cached panels (the pages of 2 and 8 in two
  views that list them in opposite orders) renders each panel once per expiry, counted
  in a file the workers append to; an invalidation made in this process starts one more
  expiry, seen by every worker.
* On the deployments of several servers, one server killed, or hung (SIGSTOP), then
  back: pages stay 200, only the panels that live on it render, each worker runs into
  it about once per back-off period rather than once per request (every such call
  counted in another file), and caching resumes.

The servers of the deployments are this module's own (the fixtures below override the
session's), since its tests kill and hang them.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core.cache import caches

from layouts_cbv import cache
from tests import cluster_servers, servers
from tests.cache.test_redis_cluster import master_of
from tests.matrix_site.views import PANELS
from tests.requirements import need_module

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
THREADS = 8  # of each worker
BACKOFF = 1  # the site's LAYOUTS_CBV["BACKOFF"], like memcached's dead_timeout here
ROUTES = ["/1/", "/2/", "/2/reversed/", "/8/", "/8/reversed/"]
ALL_PANELS = [name for names in PANELS.values() for name in names]


# This module's own servers


@pytest.fixture(scope="module")
def memcached_pool():
    nodes = [servers.memcached_server() for _ in range(3)]
    with contextlib.ExitStack() as stack:
        for node in nodes:
            stack.enter_context(servers.running(node))
        yield nodes


@pytest.fixture(scope="module")
def redis_primary_and_replica():
    primary = servers.redis_server()
    with servers.running(primary), servers.running(servers.redis_replica(primary)) as replica:
        servers.wait_for_replication(replica)
        yield primary, replica


@pytest.fixture(scope="module")
def redis_cluster():
    with cluster_servers.running_cluster() as cluster:
        yield cluster


# The site, one gunicorn per deployment


@dataclass
class Site:
    base: str
    renders: Path  # one line per panel render, written by every worker
    faults: Path  # one line per cache call that ran into a server out of reach
    log: Path

    def counted(self) -> Counter:
        return Counter(self.renders.read_text().split())

    def faulted(self, *, per_thread: bool = False) -> Counter:
        """Return how many cache calls ran into a server out of reach, by worker (its
        pid), or by thread of a worker (see :mod:`tests.matrix_site.faults`)."""
        lines = self.faults.read_text().splitlines()
        return Counter(tuple(line.split()[: 2 if per_thread else 1]) for line in lines)

    def forget(self) -> None:
        self.renders.write_text("")
        self.faults.write_text("")


@pytest.fixture(scope="module")
def running_sites():
    """The site that runs, by deployment: one at a time (4 workers each, on 2 cores)."""
    need_module("gunicorn", "pip install gunicorn (in the test extras)")
    sites: dict[str, tuple[Site, contextlib.ExitStack]] = {}
    yield sites
    for _, stack in sites.values():
        stack.close()


@pytest.fixture
def site(deployment, settings, running_sites, tmp_path_factory):
    """The matrix site served on ``deployment``, its render count at zero."""
    if deployment not in running_sites:
        for _, stack in running_sites.values():
            stack.close()
        running_sites.clear()
        stack = contextlib.ExitStack()
        workdir = tmp_path_factory.mktemp(f"matrix-{deployment}")
        renders, faults, log = workdir / "renders", workdir / "faults", workdir / "gunicorn.log"
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.matrix_site.settings",
            "MATRIX_CACHE": json.dumps(settings.CACHES["default"]),
            "MATRIX_RENDERS": str(renders),
            "MATRIX_FAULTS": str(faults),
            "MATRIX_BACKOFF": str(BACKOFF),
            "PYTHONPATH": str(ROOT),
        }
        base = stack.enter_context(
            servers.gunicorn(
                "tests.matrix_site.wsgi",
                env,
                cwd=ROOT,
                ready_path="/up/",
                log=log,
                workers=WORKERS,
                threads=THREADS,
            )
        )
        running_sites[deployment] = (Site(base, renders, faults, log), stack)
    served = running_sites[deployment][0]
    served.forget()
    return served


def fetch(site: Site, route: str) -> tuple[int, str, float]:
    connection = http.client.HTTPConnection(urlsplit(site.base).netloc, timeout=30)
    started = time.monotonic()
    try:
        connection.request("GET", route)
        response = connection.getresponse()
        return response.status, response.read().decode(), time.monotonic() - started
    finally:
        connection.close()


def storm(site: Site, routes: list[str], n: int) -> list[tuple[str, int, str, float]]:
    """Send ``n`` requests at once, spread over ``routes``; return (route, status, body,
    seconds) for each."""
    barrier = threading.Barrier(n)
    results = []

    def one(route: str) -> None:
        barrier.wait()
        results.append((route, *fetch(site, route)))

    threads = [threading.Thread(target=one, args=(routes[i % len(routes)],)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def assert_whole(results, site):
    for route, status, body, _ in results:
        size = int(route.strip("/").split("/")[0])
        assert status == 200, (route, status, site.log.read_text()[-2000:])
        assert all(f"<p>[{name}]</p>" in body for name in PANELS[size]), (route, body)


# One render per panel per expiry


def test_a_cold_storm_renders_each_panel_once_per_expiry(site, deployment):
    assert_whole(storm(site, ROUTES, 32), site)
    counted = site.counted()
    assert set(counted) == set(ALL_PANELS)
    if deployment == "locmem":
        # A cache per process: single flight holds between the threads of one worker.
        assert max(counted.values()) <= WORKERS, counted
        return
    assert counted == Counter(ALL_PANELS), counted

    # A new expiry for every panel, started in this process: every worker sees it.
    for name in ALL_PANELS:
        cache.invalidate_all(name)
    assert_whole(storm(site, ROUTES, 32), site)
    assert site.counted() == Counter(ALL_PANELS * 2)


# One server away


@dataclass
class Victim:
    label: str
    server: servers.Server
    panels: set[str]  # of the page of 8, those whose entries it holds
    ready: object  # called once it is back, until it serves again


def victims(deployment: str, request) -> list[Victim]:
    made = {name: caches["default"].make_key(f"layouts:panel:{name}") for name in PANELS[8]}
    if deployment == "redis_replica":
        primary, replica = request.getfixturevalue("redis_primary_and_replica")
        return [
            # layouts_cbv reads and writes the primary only: a replica costs nothing.
            Victim("replica", replica, set(), lambda: servers.wait_for_replication(replica)),
            Victim("primary", primary, set(PANELS[8]), lambda: None),
        ]
    if deployment == "redis_cluster":
        cluster = request.getfixturevalue("redis_cluster")
        holds = {
            port: {n for n in made if master_of(cluster, made[n]) == port} for port in cluster.ports
        }
        nodes = {server.port: server for server in cluster.servers}
        ready = cluster.wait_until_ready
    else:
        nodes = {
            f"127.0.0.1:{node.port}": node for node in request.getfixturevalue("memcached_pool")
        }
        hasher = caches["default"]._cache.hasher
        holds = {name: {n for n in made if hasher.get_node(made[n]) == name} for name in nodes}
        ready = lambda: None  # noqa: E731
    busiest = max(holds, key=lambda node: len(holds[node]))
    return [Victim(str(busiest), nodes[busiest], holds[busiest], ready)]


# The cluster first: the site the matrix test left running serves it.
@pytest.mark.slow
@pytest.mark.parametrize(
    "deployment", ["redis_cluster", "memcached_pool", "redis_replica"], indirect=True
)
def test_one_server_away_costs_only_its_panels_and_caching_resumes(site, deployment, request):
    # What sets a server aside for a back-off period after a call failed: the worker
    # process (layouts_cbv's guard, and its Redis Cluster client for each master), but
    # on memcached the client of each thread (pymemcache's dead_timeout, 1 s like
    # BACKOFF), since Django keeps a cache object per thread.
    per_thread = deployment == "memcached_pool"
    for how in ("killed", "hung"):
        for victim in victims(deployment, request):
            away(site, victim, how, per_thread=per_thread)


def away(site: Site, victim: Victim, how: str, *, per_thread: bool) -> None:
    assert_whole(storm(site, ["/8/"], 1), site)  # everything cached
    site.forget()
    with servers.away(victim.server, how):
        started = time.monotonic()
        results = [r for _ in range(2) for r in storm(site, ["/8/", "/8/reversed/"], 8)]
        lasted = time.monotonic() - started
    victim.ready()
    where = f"{victim.label} {how}"
    assert_whole(results, site)
    rendered = set(site.counted())
    assert rendered <= victim.panels, (where, rendered, victim.panels)

    # What the server being away cost, counted rather than timed: the calls that ran
    # into it (each a socket timeout when it is hung). A worker runs into it with the
    # calls it has in flight when it first meets the outage, at most one per thread,
    # then with one call per back-off period at most, the probe; on memcached, each
    # thread's client with one call, then one per period. Without the back-off it would
    # be every call that needs the server: dozens per worker.
    faults = site.faulted(per_thread=per_thread)
    # Counted at all, and nothing for a replica (layouts_cbv reads the primary).
    assert bool(faults) == bool(victim.panels), (where, faults, victim.panels)
    allowed = (1 if per_thread else THREADS) + math.ceil(lasted / BACKOFF)
    assert max(faults.values(), default=0) <= allowed, (where, allowed, f"{lasted:.2f} s", faults)
    # And no request waits for many socket timeouts (0.5 s each): about 2.3 s at worst
    # on a loaded machine, over 10 s on a hung server without the back-off.
    assert max(seconds for *_, seconds in results) < 5, where

    time.sleep(BACKOFF + 0.2)  # every worker tries the server again
    for _ in range(4):
        site.forget()
        assert_whole(storm(site, ["/8/", "/8/reversed/"], 8), site)
        if not site.counted():
            break
    assert not site.counted(), (where, "caching did not resume", site.counted())
