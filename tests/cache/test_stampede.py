"""Single flight and stale-while-revalidate: one render per expiry, across threads."""

import threading
import time

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.test import RequestFactory

from layouts_cbv import Panel, cache, signals
from layouts_cbv.cache import refresh
from layouts_cbv.cache.keys import lock_key
from layouts_cbv.queues import add_script
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import text

renders = []
_renders_lock = threading.Lock()


def slow(seconds):
    def panel(request):
        with _renders_lock:
            renders.append(request.path)
            n = len(renders)
        time.sleep(seconds)
        return f"<p>render {n}</p>"

    return panel


def view(strategy, seconds=0.3, **extra):
    return type(
        "View",
        (PageView,),
        {"layout": EveryPanelLayout, "hot": Panel(slow(seconds), cache=strategy), **extra},
    )


def get(View, path="/", user=None):
    request = RequestFactory().get(path)
    request.user = user or AnonymousUser()
    response = View.as_view()(request)
    response.render()
    return text(response)


def together(n, fn):
    """Run ``fn`` in ``n`` threads released at once; return results and durations."""
    barrier = threading.Barrier(n)
    results, durations, errors = [None] * n, [0.0] * n, []

    def run(i):
        barrier.wait()
        started = time.perf_counter()
        try:
            results[i] = fn()
        except Exception as exc:  # any failure is a test failure, reported below
            errors.append(exc)
        durations[i] = time.perf_counter() - started

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return results, durations


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()
    yield
    refresh.wait_for_refreshes()


@pytest.fixture
def clock(monkeypatch):
    """Move time forward without sleeping: layouts_cbv and LocMemCache both read time.time()."""
    real = time.time
    state = {"offset": 0.0}
    monkeypatch.setattr(time, "time", lambda: real() + state["offset"])

    def advance(seconds):
        state["offset"] += seconds

    return advance


@pytest.fixture(params=["locmem", "redis"])
def shared_cache(request, settings):
    if request.param == "redis":
        server = request.getfixturevalue("redis_server")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{server.port}/0",
            }
        }
    caches["default"].clear()
    return request.param


def test_32_concurrent_requests_on_a_cold_cache_render_once(shared_cache):
    View = view(cache.sitewide(60))
    bodies, _ = together(32, lambda: get(View))
    assert len(renders) == 1
    assert all("<p>render 1</p>" in body for body in bodies)


def test_after_lock_wait_without_progress_one_waiter_takes_over(shared_cache, settings):
    settings.LAYOUTS_CBV = {"LOCK_WAIT": 0.2}
    View = view(cache.sitewide(60), seconds=1.0)
    bodies, durations = together(4, lambda: get(View))
    # The holder renders for a second; after 0.2 s without news one waiter renders it
    # too, and the other two wait for whichever finishes first.
    assert len(renders) == 2
    assert all("<p>render" in body for body in bodies)
    assert sorted(durations)[-1] < 1.6  # nobody rendered after a wait and a takeover


def test_a_lock_left_by_a_crashed_worker_expires(shared_cache, settings):
    settings.LAYOUTS_CBV = {"LOCK_TIMEOUT": 1, "LOCK_WAIT": 5}
    caches["default"].add(lock_key("layouts:panel:hot"), 1, 1)  # a worker died holding it
    time.sleep(1.1)
    started = time.perf_counter()
    assert "<p>render 1</p>" in get(view(cache.sitewide(60)))
    assert time.perf_counter() - started < 2, "waited for a lock that had expired"
    assert caches["default"].get(lock_key("layouts:panel:hot")) is None  # released


def test_stale_entry_is_served_while_one_background_refresh_runs(shared_cache, clock):
    View = view(cache.sitewide(10, stale_ttl=600), seconds=0.5)
    assert "<p>render 1</p>" in get(View)
    clock(11)  # past the timeout, within stale_ttl
    bodies, durations = together(16, lambda: get(View))
    assert all("<p>render 1</p>" in body for body in bodies)  # everyone got the stale entry
    assert max(durations) < 0.4, "a request waited for the refresh"
    refresh.wait_for_refreshes()
    assert len(renders) == 2  # exactly one refresh
    assert "<p>render 2</p>" in get(View)


def test_past_stale_ttl_is_a_miss(shared_cache, clock):
    View = view(cache.sitewide(10, stale_ttl=5), seconds=0)
    get(View)
    clock(16)
    assert "<p>render 2</p>" in get(View)


def test_refresh_func_makes_the_new_html(shared_cache, clock):
    seen = []

    def refresh_func(request):
        seen.append((request.method, request.layout_role, request.path))
        return "<p>from refresh_func</p>"

    View = view(cache.sitewide(10, stale_ttl=600, refresh_func=refresh_func), seconds=0)
    get(View, "/page/")
    clock(11)
    get(View, "/page/")
    refresh.wait_for_refreshes()
    assert seen == [("GET", "panel", "/page/")]
    assert "<p>from refresh_func</p>" in get(View, "/page/")
    assert len(renders) == 1


def versioned(request):
    with _renders_lock:
        renders.append(request.path)
        n = len(renders)
    add_script(request, f"/render-{n}.js")
    return f"<p>render {n}</p>"


def versioned_view():
    strategy = cache.sitewide(10, stale_ttl=600)
    return type(
        "View", (PageView,), {"layout": EveryPanelLayout, "hot": Panel(versioned, cache=strategy)}
    )


def stale_hit_meanwhile(View, clock, meanwhile):
    """Serve ``View``'s stale entry, running ``meanwhile`` between its lookup and its
    claim of the refresh (as another request or process could); return the body."""
    assert "<p>render 1</p>" in get(View)
    clock(11)  # past the timeout, within stale_ttl
    fired = []

    def on_hit(sender, state, **kwargs):
        if not fired:  # this request's own hit, not one that meanwhile() makes
            fired.append(state)
            meanwhile()

    signals.panel_cache_hit.connect(on_hit)
    try:
        body = get(View)
    finally:
        signals.panel_cache_hit.disconnect(on_hit)
    assert fired == ["stale"]
    return body


def test_a_stale_entry_refreshed_meanwhile_is_served_with_its_own_queue_items(shared_cache, clock):
    View = versioned_view()

    def another_request_refreshes():
        get(View)
        refresh.wait_for_refreshes()

    body = stale_hit_meanwhile(View, clock, another_request_refreshes)
    # The HTML the lookup found, with the scripts of that same entry.
    assert "<p>render 1</p>" in body and "/render-1.js" in body
    assert "/render-2.js" not in body


def test_a_stale_entry_invalidated_meanwhile_is_still_served(shared_cache, clock):
    View = versioned_view()
    body = stale_hit_meanwhile(View, clock, lambda: cache.invalidate("hot"))
    assert "<p>render 1</p>" in body and "/render-1.js" in body
    refresh.wait_for_refreshes()
    assert "<p>render 2</p>" in get(View)


def test_per_user_entries_refresh_with_their_own_user(shared_cache, clock, django_user_model):
    def whoami(request):
        renders.append(request.user.username)
        return f"<p>user {request.user.username} #{renders.count(request.user.username)}</p>"

    View = type(
        "View",
        (PageView,),
        {"layout": EveryPanelLayout, "me": Panel(whoami, cache=cache.per_user(10, stale_ttl=600))},
    )
    alice = django_user_model(pk=1, username="alice")
    bob = django_user_model(pk=2, username="bob")
    get(View, user=alice), get(View, user=bob)
    clock(11)
    assert "<p>user alice #1</p>" in get(View, user=alice)
    refresh.wait_for_refreshes()
    assert "<p>user alice #2</p>" in get(View, user=alice)
    assert "<p>user bob #1</p>" in get(View, user=bob)  # stale, but never alice's
    refresh.wait_for_refreshes()
    assert renders == ["alice", "bob", "alice", "bob"]


def test_failed_refresh_keeps_the_stale_entry_and_frees_the_lock(shared_cache, clock, caplog):
    calls = []

    def flaky(request):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("refresh failed")
        return f"<p>call {len(calls)}</p>"

    View = type(
        "View",
        (PageView,),
        {"layout": EveryPanelLayout, "hot": Panel(flaky, cache=cache.sitewide(10, stale_ttl=600))},
    )
    get(View)
    clock(11)
    assert "<p>call 1</p>" in get(View)
    refresh.wait_for_refreshes()
    assert "Background refresh of panel 'hot' failed" in caplog.text
    assert "<p>call 1</p>" in get(View)  # still stale, and the next refresh may run
    refresh.wait_for_refreshes()
    assert "<p>call 3</p>" in get(View)


@pytest.mark.parametrize(("draw", "refreshed"), [(0.999, True), (0.0, False)])
def test_early_refresh_is_probabilistic_near_expiry(
    shared_cache, clock, monkeypatch, draw, refreshed
):
    from layouts_cbv.cache import store

    View = view(cache.sitewide(10, early_refresh=True), seconds=0.3)
    get(View)
    clock(9.5)  # half a second before expiry, with a render that costs 0.3 s
    monkeypatch.setattr(store.random, "random", lambda: draw)
    assert "<p>render 1</p>" in get(View)  # served as it is, without waiting
    refresh.wait_for_refreshes()
    assert len(renders) == (2 if refreshed else 1)


def test_without_early_refresh_nothing_happens_before_expiry(shared_cache, clock, monkeypatch):
    from layouts_cbv.cache import store

    View = view(cache.sitewide(10), seconds=0.3)
    get(View)
    clock(9.5)
    monkeypatch.setattr(store.random, "random", lambda: 0.999)
    get(View)
    refresh.wait_for_refreshes()
    assert len(renders) == 1
