"""Single flight where several cold panels meet: one render per panel per expiry."""

import threading
import time
from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import RequestFactory

from layouts_cbv import Panel, cache
from layouts_cbv.cache.keys import lock_key
from tests.cache.test_stampede import together
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import text

renders: Counter = Counter()
_lock = threading.Lock()


def slow(name, seconds):
    def panel(request):
        with _lock:
            renders[name] += 1
        time.sleep(seconds)
        return f"<p>{name}</p>"

    return panel


def page(names, seconds=0.1, **strategy):
    panels = {
        name: Panel(slow(name, seconds), cache=cache.sitewide(60, **strategy)) for name in names
    }
    return type("Page", (PageView,), {"layout": EveryPanelLayout, **panels})


def get(View):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = View.as_view()(request)
    response.render()
    return text(response)


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()


@pytest.fixture
def socket_timeout():
    # Dozens of threads on a busy machine: a call may be slow without the server being
    # away, and single flight, not fault handling, is what these tests are about.
    return 2.0


@pytest.fixture
def shared_cache(deployment):
    return deployment


def test_two_views_listing_two_cold_panels_in_opposite_orders_render_each_once(
    shared_cache, settings
):
    # Holders that waited for each other would wait out the whole budget: 3 s, well
    # clear of what 32 threads on a busy machine take to render two 0.1 s panels.
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 3}
    forward, backward = page(["a", "b"]), page(["b", "a"])
    for _ in range(5):  # a lock split between requests shows up in some cold starts only
        caches["default"].clear()
        renders.clear()
        bodies, durations = together(32, lambda: get(forward if time.time_ns() % 2 else backward))
        assert renders == {"a": 1, "b": 1}
        assert all("<p>a</p>" in body and "<p>b</p>" in body for body in bodies)
        assert max(durations) < 2.0, "a holder waited for another before publishing"


def test_a_holder_of_eight_slow_panels_is_waited_for_while_it_makes_progress(
    shared_cache, settings
):
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 0.5}
    View = page([f"p{i}" for i in range(8)], seconds=0.2)  # 1.6 s in all, beyond LOCK_WAIT
    bodies, _ = together(16, lambda: get(View))
    assert renders == {f"p{i}": 1 for i in range(8)}
    assert all(body.count("<p>p") == 8 for body in bodies)


def test_a_panel_its_holder_will_not_store_is_rendered_by_waiters_at_once(shared_cache):
    def reads_user(request):
        with _lock:
            renders["mine"] += 1
        time.sleep(0.2)
        return f"<p>{request.user.is_authenticated}</p>"

    View = type(
        "Page",
        (PageView,),
        {"layout": EveryPanelLayout, "mine": Panel(reads_user, cache=cache.sitewide(60))},
    )
    _, durations = together(8, lambda: get(View))
    # Each visitor renders its own copy, side by side, not one after the other.
    assert renders["mine"] == 8 and max(durations) < 1.0


def test_only_a_definite_added_holds_a_lock(shared_cache, monkeypatch):
    real_add = type(caches["default"]).add

    def add(self, *args, **kwargs):
        # As django-valkey does: None, not False, for a key that exists.
        return real_add(self, *args, **kwargs) or None

    monkeypatch.setattr(type(caches["default"]), "add", add)
    View = page(["a"], seconds=0.3)
    first = threading.Thread(target=get, args=(View,))
    first.start()
    time.sleep(0.1)  # the first request holds the lock and renders
    assert "<p>a</p>" in get(View)
    first.join()
    assert renders["a"] == 1  # the second waited for the first, not rendered its own


def test_a_dead_holder_is_taken_over_by_one_waiter(shared_cache, settings):
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 0.3, "LOCK_TIMEOUT": 5}
    caches["default"].add(lock_key("layouts:panel:a"), "dead", 5)  # a worker died holding it
    View = page(["a"], seconds=0.2)
    bodies, durations = together(8, lambda: get(View))
    assert renders["a"] == 1  # one waiter took it over; the others waited for that one
    assert all("<p>a</p>" in body for body in bodies)
    assert max(durations) < 1.5


def test_a_cache_that_forgets_what_it_is_told_is_not_waited_on(monkeypatch, settings):
    # Errors swallowed by the client (django-redis IGNORE_EXCEPTIONS on a dead server):
    # every add() answers "not added", every read answers nothing.
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 5}
    monkeypatch.setattr(type(caches["default"]), "add", lambda self, *a, **k: False)
    monkeypatch.setattr(type(caches["default"]), "get_many", lambda self, *a, **k: {})
    started = time.perf_counter()
    assert "<p>a</p>" in get(page(["a"], seconds=0))
    # It rendered the panel itself after two sightings of neither lock nor entry.
    assert time.perf_counter() - started < 0.5


def test_lock_wait_zero_takes_over_once_and_does_not_spin(shared_cache, settings, monkeypatch):
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 0}
    adds = Counter()
    real_add = type(caches["default"]).add

    def add(self, key, *args, **kwargs):
        adds[key.split(":")[1] if ":" in key else key] += 1
        return real_add(self, key, *args, **kwargs)

    monkeypatch.setattr(type(caches["default"]), "add", add)
    View = page(["a"], seconds=0.3)
    bodies, _ = together(6, lambda: get(View))
    assert all("<p>a</p>" in body for body in bodies)
    assert renders["a"] <= 2  # the holder, and at most one waiter that took it over
    assert sum(adds.values()) < 200, dict(adds)  # waiters pause between looks


def test_a_panel_done_is_published_before_its_holder_renders_a_slow_one(shared_cache, settings):
    # One request holds a fast panel and a slow one (both cold, their costs unknown);
    # another needs only the fast one. Held back to go out with the slow one, the fast
    # panel would stay locked past LOCK_WAIT, and the other request would render it too.
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 0.3}
    fast = Panel(slow("fast", 0.0), cache=cache.sitewide(60))
    both = type(
        "Both",
        (PageView,),
        {
            "layout": EveryPanelLayout,
            "fast": fast,
            "slow": Panel(slow("slow", 1.0), cache=cache.sitewide(60)),
        },
    )
    only_fast = type("OnlyFast", (PageView,), {"layout": EveryPanelLayout, "fast": fast})
    holder = threading.Thread(target=get, args=(both,))
    holder.start()
    time.sleep(0.15)  # it holds both locks, has rendered "fast", is rendering "slow"
    assert "<p>fast</p>" in get(only_fast)
    holder.join()
    assert renders["fast"] == 1  # served what the holder published, not rendered again
