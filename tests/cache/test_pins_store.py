"""Pins: how long entries live, and the locks that guard their renders.

``timeout=None`` is checked on a real Redis server (``TTL`` of the stored key is
-1: no expiry); locks through the documented key ``layouts:lock:<name>``. Lifetimes
are checked against a frozen ``time.time`` (the entries' and LocMemCache's clock);
what is random (jitter, early refresh) is checked on enough draws that a false
failure has no real chance.
"""

import time

import pytest
import redis
from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.test import Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache, report
from layouts_cbv.cache.refresh import wait_for_refreshes
from layouts_cbv.cache.store import HIT, MISS, PageCache
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
# The same panel, baked into a stored page.
StalePage = view("StalePage", page_cache=cache.per_path(600), stale=Stale.stale)

urlpatterns = [
    path("forever/", Forever.as_view()),
    path("forever-page/", ForeverPage.as_view()),
    path("stale/", Stale.as_view()),
    path("stale-page/", StalePage.as_view()),
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


def test_a_failed_background_refresh_gives_its_lock_back_and_keeps_the_stale_entry(client, clock):
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


def test_a_stale_entry_served_while_it_refreshes_is_reported_stale(client, clock):
    start = clock["t"]
    page(client)
    clock["t"] = start + 3
    response = client.get("/stale/")
    wait_for_refreshes()
    assert "<p>render 1</p>" in response.content.decode()
    states = {row["name"]: row["state"] for row in report.records(response.wsgi_request)}
    assert states == {"stale": "stale"}


def test_a_refresh_finished_between_lookup_and_lock_is_not_done_again(client, clock, monkeypatch):
    from layouts_cbv.cache.store import PageCache

    start = clock["t"]
    page(client)
    clock["t"] = start + 3  # stale: every request wants a refresh
    real_claim = PageCache.claim
    raced = []

    def claim(self, names):
        if not raced:
            # Another request looks up, refreshes and lets go while this one has read
            # the stale entry but not yet taken the lock.
            raced.append(True)
            page(client)
            wait_for_refreshes()
        return real_claim(self, names)

    monkeypatch.setattr(PageCache, "claim", claim)
    assert "<p>render 1</p>" in page(client)
    wait_for_refreshes()
    assert renders["n"] == 2  # the other request's refresh, and no second one
    assert caches["default"].get("layouts:lock:stale") is None


def race_before_the_lock(monkeypatch, other):
    """Run ``other`` once, as another request or process would, after this request has
    looked up its panels and before it takes their locks."""
    from layouts_cbv.cache.store import PageCache

    real_claim = PageCache.claim
    raced = []

    def claim(self, names):
        if not raced:
            raced.append(True)
            other()
        return real_claim(self, names)

    monkeypatch.setattr(PageCache, "claim", claim)


def test_an_entry_invalidated_after_it_was_served_stale_is_still_served_as_found(
    client, clock, monkeypatch
):
    start = clock["t"]
    page(client)
    clock["t"] = start + 3  # stale: served while one refresh runs
    race_before_the_lock(monkeypatch, lambda: cache.invalidate("stale"))
    response = client.get("/stale/")  # was a 500: the page read the entry again, gone
    wait_for_refreshes()
    assert response.status_code == 200 and "<p>render 1</p>" in response.content.decode()
    assert "<p>render 2</p>" in page(client)  # the refresh it started


def test_a_page_baking_a_stale_panel_another_request_refreshed_is_not_stored(
    client, clock, monkeypatch
):
    start = clock["t"]
    client.get("/stale-page/?warm")  # the panel's entry: render 1
    clock["t"] = start + 3  # stale: served while one refresh runs

    def another_request_refreshes_it():
        page(client)
        wait_for_refreshes()

    race_before_the_lock(monkeypatch, another_request_refreshes_it)
    assert "<p>render 1</p>" in client.get("/stale-page/").content.decode()  # as served
    wait_for_refreshes()
    # The page holds render 1: it was not stored as if it held the new entry.
    assert "<p>render 2</p>" in client.get("/stale-page/").content.decode()
    assert renders["n"] == 2


# -- Lifetimes: early refresh, jitter, sub-second and zero timeouts --------------------

costly = {"n": 0}


def slow(request):
    costly["n"] += 1
    time.sleep(0.05)  # the render's cost drives early refresh; perf_counter is not frozen
    return f"<p>costly {costly['n']}</p>"


Early = view("Early", early=Panel(slow, cache=cache.sitewide(100, early_refresh=True)))
NotEarly = view("NotEarly", early=Panel(slow, cache=cache.sitewide(100)))
Jittered = view("Jittered", jittered=Panel(counted, cache=cache.per_path(100, jitter=0.5)))
Zero = view("Zero", zero=Panel(counted, cache=cache.sitewide(0)))


class ShortNavPage(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/content.html"
    page_cache = cache.per_path(600)
    nav = Panel(literal="<nav>nav</nav>", cache=cache.sitewide(10))

    def get_context_data(self, **kwargs):
        renders["n"] += 1
        return {"title": "Short nav"}


urlpatterns += [
    path("early/", Early.as_view()),
    path("not-early/", NotEarly.as_view()),
    path("jittered/<int:n>/", Jittered.as_view()),
    path("zero/", Zero.as_view()),
    path("short-nav/<slug:name>/", ShortNavPage.as_view()),
]


@pytest.mark.parametrize(("url", "refreshed"), [("/early/", True), ("/not-early/", False)])
def test_early_refresh_happens_only_when_asked_for(client, clock, url, refreshed):
    costly["n"] = 0
    start = clock["t"]
    client.get(url)
    clock["t"] = start + 50  # far from expiry: an early refresh has no real chance
    for _ in range(5):
        client.get(url)
    wait_for_refreshes()
    assert costly["n"] == 1
    # 0.01 s before expiry, for a render that costs 0.05 s: each request refreshes early
    # with a chance of exp(-0.01 / 0.05) = 0.82, so twenty requests all but surely do.
    clock["t"] = start + 99.99
    for _ in range(20):
        assert "<p>costly " in client.get(url).content.decode()  # served, never waited for
    wait_for_refreshes()
    assert costly["n"] == (2 if refreshed else 1)


def test_jitter_spreads_expiry_over_the_last_fraction_of_the_timeout(client, clock):
    # jitter=0.5 of 100 s: each entry lasts between 50 and 100 s, drawn per entry.
    start = clock["t"]
    pages = [f"/jittered/{n}/" for n in range(20)]
    for page in pages:
        client.get(page)
    assert renders["n"] == 20
    clock["t"] = start + 49
    for page in pages:
        client.get(page)
    assert renders["n"] == 20  # none lasts less than half the timeout
    clock["t"] = start + 90
    for page in pages:
        client.get(page)
    # Each entry is gone by now with a chance of 0.8: that none is has a chance of 1e-14.
    assert renders["n"] > 20


def test_a_page_with_less_than_a_second_left_is_still_stored(client, clock):
    start = clock["t"]
    client.get("/short-nav/a/")  # the nav is cached until start + 10
    clock["t"] = start + 9.7
    client.get("/short-nav/b/")  # a new page, fresh only as long as its nav: 0.3 s
    clock["t"] = start + 9.8
    client.get("/short-nav/b/")
    assert renders["n"] == 2  # the second visit of b was a hit
    clock["t"] = start + 10.1
    client.get("/short-nav/b/")
    assert renders["n"] == 3


def test_timeout_zero_stores_nothing(client):
    for _ in range(3):
        client.get("/zero/")
    assert renders["n"] == 3
    assert caches["default"].get("layouts:panel:zero") is None


# -- Generations: one user's store never drops another's entry ------------------------

PerUser = view("PerUser", mine=Panel(counted, cache=cache.per_user(60)))
urlpatterns.append(path("per-user/", PerUser.as_view()))


def test_storing_one_users_entry_keeps_the_others():
    clients = []
    for name in ("alice", "bob"):
        client = Client()
        client.force_login(User.objects.create_user(name))
        clients.append(client)
    for client in clients + clients:
        client.get("/per-user/")
    assert renders["n"] == 2


# -- Locks -------------------------------------------------------------------------------

seen = []
redis_client = {}


def lock_state(request):
    seen.append(caches["default"].get("layouts:lock:locked", version=3))
    if "client" in redis_client:
        seen.append(redis_client["client"].ttl(caches["default"].make_key("layouts:lock:locked")))
    return "<p>locked</p>"


Locked = view("Locked", locked=Panel(lock_state, cache=cache.sitewide(60)))
urlpatterns.append(path("locked/", Locked.as_view()))


def test_locks_live_and_are_released_under_key_version(client, settings):
    settings.LAYOUTS_CBV = {"KEY_VERSION": 3}
    seen.clear()
    client.get("/locked/")
    assert len(seen) == 1 and seen[0] is not None  # held, under the version, while it renders
    assert caches["default"].get("layouts:lock:locked", version=3) is None


def test_a_lock_expires_after_lock_timeout_if_its_holder_dies(on_redis, settings):
    settings.LAYOUTS_CBV = {"LOCK_TIMEOUT": 7}
    seen.clear()
    redis_client["client"] = on_redis
    try:
        Client().get("/locked/")
    finally:
        redis_client.clear()
    assert 0 < seen[-1] <= 7


added = []


class NoAnswerLocMemCache(LocMemCache):
    """Answers None to add(), as some networked caches do when they cannot tell."""

    def add(self, key, *args, **kwargs):
        added.append(key)
        super().add(key, *args, **kwargs)
        return None


def test_a_lock_the_cache_does_not_answer_for_counts_as_held(settings, client):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.NoAnswerLocMemCache"}}
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 3}
    started = time.monotonic()
    assert "<p>render 1</p>" in client.get("/stale/").content.decode()
    assert time.monotonic() - started < 1.5  # rendered at once, not after LOCK_WAIT
    assert renders["n"] == 1 and any("layouts:lock:" in key for key in added)


# -- Stored pages notice a baked panel that changed ----------------------------------

navs = {"version": 1}


def versioned_nav(request):
    return f"<nav>nav v{navs['version']}</nav>"


class NavPage(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/content.html"
    extra_context = {"title": "Nav page"}
    page_cache = cache.per_path(600)
    nav = Panel(versioned_nav, cache=cache.sitewide(600))


class OtherNavPage(NavPage):
    pass


urlpatterns += [path("nav-a/", NavPage.as_view()), path("nav-b/", OtherNavPage.as_view())]


def test_a_stored_page_shows_a_baked_panel_that_another_page_rendered_again(client):
    navs["version"] = 1
    client.get("/nav-b/")
    assert "nav v1" in client.get("/nav-a/").content.decode()  # nav baked in from its entry
    navs["version"] = 2
    cache.invalidate("nav")
    assert "nav v2" in client.get("/nav-b/").content.decode()  # renders and stores v2
    assert "nav v2" in client.get("/nav-a/").content.decode()


# -- Panels chosen per request are declared, so invalidate() finds their alias -------

dynamic = {"n": 0}


def dyn(request):
    dynamic["n"] += 1
    return f"<p>dynamic {dynamic['n']}</p>"


class Dynamic(PageView):
    layout = EveryPanelLayout

    def get_panels(self):
        return {
            **super().get_panels(),
            "dyn": Panel(dyn, cache=cache.sitewide(60, backend="other")),
        }


urlpatterns.append(path("dynamic/", Dynamic.as_view()))


def test_invalidate_finds_a_panel_declared_only_in_get_panels(client, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "other": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "other"},
    }
    dynamic["n"] = 0
    client.get("/dynamic/"), client.get("/dynamic/")
    assert dynamic["n"] == 1
    cache.invalidate("dyn")
    assert "<p>dynamic 2</p>" in client.get("/dynamic/").content.decode()


# -- A request waiting for another's render never takes an entry past its time -------

Waiting = view("Waiting", waiting=Panel(counted, cache=cache.sitewide(1)))
urlpatterns.append(path("waiting/", Waiting.as_view()))


def test_a_waiter_never_serves_an_entry_past_its_stale_time(on_redis, clock, settings):
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 0.3}
    client = Client()
    start = clock["t"]
    client.get("/waiting/")
    # Redis keeps the entry for one second of its own time; for the library it is old.
    clock["t"] = start + 5
    assert caches["default"].add("layouts:lock:waiting", 1)  # another worker renders it
    assert "<p>render 2</p>" in client.get("/waiting/").content.decode()


def test_state_tells_what_a_panels_slot_holds_once_it_looked_again(client, rf):
    # The lookup's entry is the panel's until its slot takes another: a second look
    # (after a lock, a wait) that found the entry gone must not serve the first one.
    client.get("/forever/")
    lookup = PageCache()
    lookup.add_panels({"forever": Forever.forever}, rf.get("/forever/"))
    lookup.lookup()
    assert lookup.state("forever", time.time())[0] == HIT
    slot = lookup.slots["forever"]
    slot.found(None, slot.generation)
    assert lookup.state("forever", time.time()) == (MISS, None)
