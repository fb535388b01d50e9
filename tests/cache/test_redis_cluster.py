"""RedisClusterCache on a real three-master Redis Cluster: the backend, round trips
counted by each master, invalidation and single flight.

Round trips are counted at the servers, through one long-lived client per master that
reads ``INFO stats commandstats``: ``commandstats`` says which commands a master ran,
``total_reads_processed`` how many times it read from a socket. A pipelined batch a
master receives in one write is one read there; every snapshot's own ``INFO`` is one
more, and is taken off.
"""

import threading
import time

import pytest
import redis
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django.urls import path
from django.views.generic import TemplateView
from redis.cluster import key_slot

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.cache import copies, guard
from layouts_cbv.cache.keys import EPOCH_KEY
from layouts_cbv.cache.redis_cluster import RedisClusterCache, startup_nodes
from tests.cache.test_flight import get, page, renders
from tests.cache.test_stampede import together
from tests.servers import HOST
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

BACKEND = "layouts_cbv.cache.redis_cluster.RedisClusterCache"


class MasterStats:
    """What each master of the cluster ran, read through one long-lived client per master."""

    OWN = {"info"}  # the snapshots' own command

    def __init__(self, ports):
        self.clients = {port: redis.Redis(host=HOST, port=port) for port in ports}

    def snapshot(self):
        found = {}
        for port, client in self.clients.items():
            info = client.info("stats", "commandstats")
            commands = {
                name.removeprefix("cmdstat_"): stats["calls"]
                for name, stats in info.items()
                if name.startswith("cmdstat_")
            }
            found[port] = (info["total_reads_processed"], commands)
        return found

    def delta(self, before):
        """Return, per master, ``(socket reads, {command: calls})`` since ``before``,
        without the snapshots' own."""
        after = self.snapshot()
        changes = {}
        for port, (reads, commands) in after.items():
            reads_before, commands_before = before[port]
            ran = {
                name: calls - commands_before.get(name, 0)
                for name, calls in commands.items()
                if calls != commands_before.get(name, 0) and name not in self.OWN
            }
            changes[port] = (reads - reads_before - 1, ran)
        return changes

    def keys(self):
        """Return the keys each master holds."""
        return {port: set(client.keys("*")) for port, client in self.clients.items()}

    def close(self):
        for client in self.clients.values():
            client.close()


@pytest.fixture(scope="module")
def masters(redis_cluster):
    stats = MasterStats(redis_cluster.ports)
    yield stats
    stats.close()


@pytest.fixture
def on_cluster(settings, redis_cluster):
    """The default alias on the cluster, emptied; return the cache."""
    settings.CACHES = {"default": {"BACKEND": BACKEND, "LOCATION": redis_cluster.location}}
    guard.reset()
    caches["default"].clear()
    yield caches["default"]
    guard.reset()


def master_of(redis_cluster, stored_key):
    """Return the port of the master that holds the Redis key ``stored_key``."""
    slot = key_slot(stored_key.encode())
    return next(port for port, slots in slot_ranges(redis_cluster).items() if slot in slots)


def slot_ranges(redis_cluster):
    client = redis.Redis(host=HOST, port=redis_cluster.ports[0])
    try:
        ranges = {}
        for start, end, master, *_ in client.execute_command("CLUSTER SLOTS"):
            ranges.setdefault(int(master[1]), []).append(range(start, end + 1))
        return {port: _Slots(found) for port, found in ranges.items()}
    finally:
        client.close()


class _Slots:
    def __init__(self, ranges):
        self.ranges = ranges

    def __contains__(self, slot):
        return any(slot in found for found in self.ranges)


# The backend


def test_keys_spread_over_every_master_under_the_keys_django_makes(on_cluster, masters):
    data = {f"layouts:panel:p{i}": f"<p>{i}</p>" for i in range(30)}
    on_cluster.set_many(data, timeout=60)
    held = masters.keys()
    assert all(held.values()), f"a master holds none of 30 keys: {held}"
    stored = set().union(*held.values())
    # Django's key, as RedisCache makes it: no hash tag, no other prefix.
    assert stored == {f":1:{key}".encode() for key in data}
    assert on_cluster.get_many([*data, "layouts:panel:absent"]) == data


def test_get_many_set_many_and_delete_many_cost_one_batch_per_master(
    on_cluster, masters, redis_cluster
):
    keys = [f"layouts:panel:p{i}" for i in range(12)] + [f"layouts:gen:p{i}" for i in range(12)]
    stored = [on_cluster.make_key(key) for key in keys]
    slots = {port: set() for port in redis_cluster.ports}
    for key in stored:
        slots[master_of(redis_cluster, key)].add(key_slot(key.encode()))
    assert all(slots.values()), "the keys do not reach every master"

    before = masters.snapshot()
    on_cluster.set_many(dict.fromkeys(keys, "value"), timeout=60)
    for port, (reads, ran) in masters.delta(before).items():
        mine = [key for key in stored if master_of(redis_cluster, key) == port]
        assert (reads, ran) == (1, {"set": len(mine)}), port

    before = masters.snapshot()
    assert on_cluster.get_many(keys) == dict.fromkeys(keys, "value")
    for port, (reads, ran) in masters.delta(before).items():
        # One MGET per hash slot (a cluster refuses one across slots), all in one write.
        assert (reads, ran) == (1, {"mget": len(slots[port])}), port

    raw = redis.Redis(host=HOST, port=master_of(redis_cluster, stored[0]))
    assert 55 < raw.ttl(stored[0]) <= 60  # SET ... EX 60
    raw.close()

    before = masters.snapshot()
    on_cluster.delete_many(keys)
    for port, (reads, ran) in masters.delta(before).items():
        assert (reads, ran) == (1, {"del": len(slots[port])}), port
    assert on_cluster.get_many(keys) == {}


def test_set_many_without_timeout_keeps_the_keys_and_with_zero_deletes_them(
    on_cluster, redis_cluster
):
    on_cluster.set_many({"a": 1, "b": "two"}, timeout=None)
    stored = on_cluster.make_key("a")
    raw = redis.Redis(host=HOST, port=master_of(redis_cluster, stored))
    assert raw.ttl(stored) == -1  # no expiry
    raw.close()
    assert on_cluster.get_many(["a", "b"]) == {"a": 1, "b": "two"}
    on_cluster.set_many({"a": 1, "b": "two"}, timeout=0)
    assert on_cluster.get_many(["a", "b"]) == {}


def test_add_answers_exactly_true_or_false(on_cluster):
    assert on_cluster.add("layouts:lock:nav", "mine", 10) is True
    assert on_cluster.add("layouts:lock:nav", "theirs", 10) is False
    assert on_cluster.get("layouts:lock:nav") == "mine"  # not replaced
    assert on_cluster.add("layouts:lock:forever", "x", None) is True
    assert on_cluster.add("layouts:lock:forever", "y", None) is False
    assert on_cluster.add("layouts:lock:gone", "x", 0) is True  # added and dropped at once
    assert on_cluster.get("layouts:lock:gone") is None


def test_clear_empties_every_master(on_cluster, masters):
    on_cluster.set_many({f"k{i}": i for i in range(30)}, timeout=60)
    assert all(masters.keys().values())
    assert on_cluster.clear() is True
    assert not any(masters.keys().values())


def test_one_key_operations(on_cluster):
    assert on_cluster.get("k", "default") == "default"
    on_cluster.set("k", {"html": "<p>x</p>"}, 60)
    assert on_cluster.get("k") == {"html": "<p>x</p>"}
    assert on_cluster.has_key("k") and not on_cluster.has_key("other")
    assert on_cluster.touch("k", 120) is True and on_cluster.touch("other", 120) is False
    on_cluster.set("n", 41)
    assert on_cluster.incr("n") == 42 and on_cluster.get("n") == 42
    with pytest.raises(ValueError):
        on_cluster.incr("missing")
    assert on_cluster.delete("k") is True and on_cluster.delete("k") is False
    on_cluster.set("k", "x", 0)  # a timeout of 0 stores nothing
    assert on_cluster.get("k") is None


def test_key_prefix_and_version_are_honoured(settings, redis_cluster, masters):
    settings.CACHES = {
        "default": {
            "BACKEND": BACKEND,
            "LOCATION": redis_cluster.location,
            "KEY_PREFIX": "site",
            "VERSION": 3,
        }
    }
    caches["default"].clear()
    caches["default"].set("layouts:panel:nav", "<nav/>", 60)
    caches["default"].set_many({"layouts:panel:foot": "<footer/>"}, 60, version=4)
    assert set().union(*masters.keys().values()) == {
        b"site:3:layouts:panel:nav",
        b"site:4:layouts:panel:foot",
    }
    assert caches["default"].get_many(["layouts:panel:foot"], version=4) == {
        "layouts:panel:foot": "<footer/>"
    }
    caches["default"].clear()


def test_location_forms_and_options(redis_cluster):
    first, second = redis_cluster.location[:2]
    for location in (first, f"{first},{second}", f"{first};{second}", [first, second]):
        backend = RedisClusterCache(location, {"OPTIONS": {"socket_timeout": 0.75}})
        backend.set("layouts:panel:x", "x", 5)
        assert backend.get("layouts:panel:x") == "x"
        client = backend._cache.get_client()
        assert client.read_from_replicas is False  # reads go to masters only
        assert client.load_balancing_strategy is None
        node = client.get_primaries()[0]
        kwargs = node.redis_connection.connection_pool.connection_kwargs
        assert kwargs["socket_timeout"] == 0.75


@pytest.mark.parametrize(
    "location",
    ["redis://127.0.0.1:1/2", "memcached://127.0.0.1:1", "redis://", ""],
)
def test_bad_locations_are_refused(location):
    with pytest.raises(ImproperlyConfigured):
        startup_nodes([location])


def test_credentials_and_tls_come_from_the_urls():
    nodes, options = startup_nodes(["rediss://me:s%40cret@a:7000", "rediss://me:s%40cret@b"])
    assert nodes == [("a", 7000), ("b", 6379)]
    assert options == {"username": "me", "password": "s@cret", "ssl": True}
    with pytest.raises(ImproperlyConfigured, match="same scheme and credentials"):
        startup_nodes(["redis://a:1", "redis://me:x@b:2"])


# Round trips of a page


calls = []


def counted(label):
    def panel(request):
        calls.append(label)
        return f"<p>{label} #{calls.count(label)}</p>"

    return panel


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.clear()
    renders.clear()


def test_warm_page_with_eight_cached_panels_reads_once_per_master(on_cluster, masters):
    strategies = [cache.sitewide(60), cache.per_path(60), cache.per_user(60), cache.sitewide(300)]
    panels = {f"p{i}": Panel(counted(f"p{i}"), cache=strategies[i % 4]) for i in range(8)}
    View = type("View", (PageView,), {"layout": EveryPanelLayout, **panels})
    render(View), render(View)  # cold, then the generations read once
    calls.clear()
    before = masters.snapshot()
    body = text(render(View))
    delta = masters.delta(before)
    # Eight entries and the epoch's copies (one per third of the slots, see
    # layouts_cbv.cache.copies), on every master: on each, one batch of MGETs (one per
    # hash slot), and nothing else.
    for port, (reads, ran) in delta.items():
        assert reads == 1, (port, delta)
        assert set(ran) == {"mget"}, (port, delta)
    assert sum(ran["mget"] for _, ran in delta.values()) <= 8 + copies.CLUSTER_COPIES
    assert calls == []  # everything came from the cache
    assert all(f"<p>p{i} #1</p>" in body for i in range(8))


def test_cold_page_costs_at_most_one_batch_per_master_per_cache_call(settings, redis_cluster):
    from tests.cache import counting

    settings.CACHES = {
        "default": {
            "BACKEND": "tests.cache.counting.CountingRedisClusterCache",
            "LOCATION": redis_cluster.location,
        }
    }
    guard.reset()
    caches["default"].clear()
    stats = MasterStats(redis_cluster.ports)
    panels = {f"p{i}": Panel(counted(f"p{i}"), cache=cache.sitewide(60)) for i in range(8)}
    View = type("View", (PageView,), {"layout": EveryPanelLayout, **panels})
    render(View, path="/warm-up/")  # connections to every master are open from here on
    cache.invalidate_all("p0")
    counting.calls.clear()
    before = stats.snapshot()
    render(View)
    delta = stats.delta(before)
    stats.close()
    # The lookup, a lock, a second look at the panel locked, its entry, its lock gone.
    assert dict(counting.calls) == {"get_many": 2, "add": 1, "set_many": 1, "delete_many": 1}
    # Each many-key call costs at most one batch per master, each add one master.
    for port, (reads, _) in delta.items():
        assert reads <= 5, (port, delta)
    assert sum(reads for reads, _ in delta.values()) <= 3 * 4 + 1, delta


# Invalidation and the epoch


class CachedPage(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/content.html"
    extra_context = {"title": "Cached"}
    page_cache = cache.per_path(600)
    nav = Panel(counted("nav"), cache=cache.sitewide(600))
    sidebar = Panel(counted("sidebar"), cache=cache.per_path(600))


urlpatterns = [path("page/", CachedPage.as_view()), path("other/", CachedPage.as_view())]


@pytest.mark.urls(__name__)
@pytest.mark.django_db
def test_invalidate_all_and_the_epoch_rebuild_cached_pages(on_cluster):
    client = Client()
    client.get("/page/"), client.get("/other/")
    assert sorted(calls) == ["nav", "sidebar", "sidebar"]
    epoch = on_cluster.get(EPOCH_KEY)
    calls.clear()
    client.get("/page/"), client.get("/other/")
    assert calls == []  # both pages served whole

    cache.invalidate_all("sidebar")
    assert on_cluster.get(EPOCH_KEY) not in (None, epoch)  # a new epoch
    body = client.get("/page/").content.decode()
    client.get("/other/")
    assert sorted(calls) == ["sidebar", "sidebar"]  # every variant, nav still cached
    assert "<p>nav #1</p>" in body and "<p>sidebar #1</p>" in body

    calls.clear()
    cache.invalidate("nav")
    client.get("/page/")
    assert calls == ["nav"]
    calls.clear()
    on_cluster.delete("layouts:panel:sidebar:/other/")  # the plain Django recipe
    cache.invalidate("unrelated")  # ... and a new epoch makes pages look again
    client.get("/other/")
    assert calls == ["sidebar"]


# Single flight


def test_a_waiter_that_reads_across_a_publish_does_not_render_again(
    on_cluster, redis_cluster, monkeypatch
):
    from layouts_cbv.cache.redis_cluster import RedisClusterCacheClient

    entry, lock = (on_cluster.make_key(f"layouts:{kind}:a") for kind in ("panel", "lock"))
    entry_master = master_of(redis_cluster, entry)
    assert entry_master != master_of(redis_cluster, lock)
    View = page(["a"], seconds=0.3)
    published = threading.Event()
    waiter = threading.current_thread()
    real = RedisClusterCacheClient.get_many
    torn = []

    def get_many(self, keys):
        # The waiter's first poll (the read that includes the lock) reads the entry's
        # master, then, once the holder has published and released, the others: as a
        # pipeline to several masters may when the holder is quick.
        keys = list(keys)
        if threading.current_thread() is not waiter or lock not in keys or torn:
            return real(self, keys)
        torn.append(True)
        first = [key for key in keys if master_of(redis_cluster, key) == entry_master]
        found = real(self, first)
        assert published.wait(5)
        found.update(real(self, [key for key in keys if key not in first]))
        return found

    monkeypatch.setattr(RedisClusterCacheClient, "get_many", get_many)

    def holder():
        get(View)
        published.set()

    thread = threading.Thread(target=holder)
    thread.start()
    time.sleep(0.1)  # the holder has the lock and renders
    body = get(View)
    thread.join()
    assert torn, "the waiter never polled"
    assert "<p>a</p>" in body
    assert renders == {"a": 1}


def test_32_threads_on_a_cold_page_render_each_of_two_panels_once(on_cluster, redis_cluster):
    # The two locks live on different masters: a render spread over the cluster.
    stored = [on_cluster.make_key(f"layouts:lock:{name}") for name in ("a", "b")]
    assert len({master_of(redis_cluster, key) for key in stored}) == 2
    forward, backward = page(["a", "b"]), page(["b", "a"])
    for _ in range(5):  # a lock split between requests shows up in some cold starts only
        on_cluster.clear()
        renders.clear()
        bodies, durations = together(32, lambda: get(forward if time.time_ns() % 2 else backward))
        assert renders == {"a": 1, "b": 1}
        assert all("<p>a</p>" in body and "<p>b</p>" in body for body in bodies)
        assert max(durations) < 1.5, "a holder waited for another before publishing"
