"""Panel caching through whole pages, on every backend: hits, misses, queues, round trips."""

import logging
from collections import Counter

import pytest
from django.core.cache import caches

from layouts_cbv import Panel, cache
from layouts_cbv.cache import copies, guard
from layouts_cbv.queues import add_script
from tests.cache import counting
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

calls = []


def counted(label):
    def panel(request):
        calls.append(label)
        add_script(request, f"/{label}.js")
        return f"<p>{label} #{calls.count(label)}</p>"

    return panel


def view(**panels):
    return type("View", (PageView,), {"layout": EveryPanelLayout, **panels})


@pytest.fixture(autouse=True)
def _reset_calls():
    calls.clear()


def test_hit_does_not_call_the_source_and_replays_queue_items(backend):
    View = view(sidebar=Panel(counted("side"), cache=cache.sitewide(60)))
    first, second = text(render(View)), text(render(View))
    assert calls == ["side"]
    assert "<p>side #1</p>" in second
    assert '<script src="/side.js"></script>' in second  # replayed from the cache
    assert first == second


def test_replayed_items_are_deduplicated_with_the_pages_own(backend):
    def shared(request):
        add_script(request, "/static/content.js")  # the content template adds it too
        return "shared"

    View = view(sidebar=Panel(shared, cache=cache.sitewide(60)))
    render(View)
    assert text(render(View)).count('src="/static/content.js"') == 1


def test_entry_is_stored_under_exactly_the_documented_key(backend):
    View = view(sidebar=Panel(counted("side"), cache=cache.per_path(60)))
    render(View, path="/about/")
    assert caches["default"].get("layouts:panel:sidebar:/about/") is not None
    caches["default"].delete("layouts:panel:sidebar:/about/")  # the plain Django recipe
    render(View, path="/about/")
    assert calls == ["side", "side"]


def test_warm_page_with_eight_cached_panels_costs_one_cache_call(backend):
    panels = {f"p{i}": Panel(counted(f"p{i}"), cache=cache.sitewide(60)) for i in range(8)}
    View = view(**panels)
    render(View)
    counting.calls.clear()
    body = text(render(View))
    assert dict(counting.calls) == {"get_many": 1}
    assert all(f"<p>p{i} #1</p>" in body for i in range(8))


def test_cold_page_reads_once_and_writes_once_per_timeout(backend):
    View = view(
        a=Panel(counted("a"), cache=cache.sitewide(60)),
        b=Panel(counted("b"), cache=cache.per_path(60)),
        c=Panel(counted("c"), cache=cache.sitewide(300)),
    )
    render(View)
    # On first use each panel's new generation is added, kept forever (added: an
    # invalidate_all() meanwhile wins), with a new epoch so every process reads them.
    # On a sharded cache a generation is added to each of its copies.
    generations = 3 * len(copies.names("default", "layouts:gen:a", None))
    assert counting.calls["add"] == 3 + generations
    for name in "abc":
        cache.invalidate_all(name)
    counting.calls.clear()
    render(View)
    # Cold again, with renders this process knows to be fast: one read; a render lock
    # per missing panel (the cache has no add_many), and one more read of the panels
    # locked (another request may have published them since); entries in one set_many
    # per timeout (60, 300); the locks released together.
    assert counting.calls == Counter({"get_many": 2, "add": 3, "set_many": 2, "delete_many": 1})
    counting.calls.clear()
    render(View, path="/other/")
    assert dict(counting.calls) == {"get_many": 2, "add": 1, "set_many": 1, "delete_many": 1}


def test_failing_panel_is_never_cached(backend):
    attempts = []

    def flaky(request):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("first time fails")
        return "<p>recovered</p>"

    View = view(sidebar=Panel(flaky, cache=cache.sitewide(60)))
    assert 'data-panel="sidebar"' in text(render(View))
    assert "<p>recovered</p>" in text(render(View))
    assert "<p>recovered</p>" in text(render(View))
    assert len(attempts) == 2


def test_cache_disabled_renders_everything_fresh(backend, settings):
    settings.LAYOUTS_CBV = {"CACHE_ENABLED": False}
    View = view(sidebar=Panel(counted("side"), cache=cache.sitewide(60)))
    render(View), render(View)
    assert calls == ["side", "side"]
    assert counting.total() == 0


def test_timeout_zero_is_never_stored(backend):
    View = view(sidebar=Panel(counted("side"), cache=cache.sitewide(0)))
    render(View), render(View)
    assert calls == ["side", "side"]


def test_per_user_entries_are_separate(backend, django_user_model):
    from django.test import RequestFactory

    View = view(sidebar=Panel(lambda r: f"<p>user {r.user.username}</p>", cache=cache.per_user(60)))
    alice = django_user_model.objects.create(username="alice")
    bob = django_user_model.objects.create(username="bob")
    for user, other in [(alice, bob), (bob, alice), (alice, bob)]:
        request = RequestFactory().get("/")
        request.user = user
        response = View.as_view()(request)
        response.render()
        assert f"user {user.username}" in text(response)
        assert f"user {other.username}" not in text(response)
    assert caches["default"].get(f"layouts:panel:sidebar:{alice.pk}") is not None


def test_invalidate_one_entry(backend):
    View = view(sidebar=Panel(counted("side"), cache=cache.per_path(60)))
    render(View, path="/a/"), render(View, path="/b/")
    cache.invalidate("sidebar", "/a/")
    render(View, path="/a/"), render(View, path="/b/")
    assert calls == ["side", "side", "side"]


def test_invalidate_sitewide_entry(backend):
    View = view(sidebar=Panel(counted("side"), cache=cache.sitewide(60)))
    render(View)
    cache.invalidate("sidebar")
    render(View)
    assert calls == ["side", "side"]


def test_invalidate_all_drops_every_variant_without_scans(backend):
    View = view(sidebar=Panel(counted("side"), cache=cache.per_path(60)))
    for path in ("/a/", "/b/", "/c/"):
        render(View, path=path)
    counting.calls.clear()
    cache.invalidate_all("sidebar")
    # The generation and the alias's epoch (for cached pages), whatever the variants;
    # on a sharded cache each to every server's copy, in one call.
    assert dict(counting.calls) == ({"set_many": 2} if guard.is_sharded("default") else {"set": 2})
    for path in ("/a/", "/b/", "/c/"):
        render(View, path=path)
    assert len(calls) == 6


def test_evicted_generation_never_resurrects_old_entries(backend):
    from layouts_cbv.cache import generations

    View = view(sidebar=Panel(counted("side"), cache=cache.per_path(60)))
    render(View, path="/a/")  # written in the first generation
    cache.invalidate_all("sidebar")
    render(View, path="/b/")  # written in the second
    # As an LRU eviction would (every copy of it, on a sharded cache).
    caches["default"].delete_many(copies.names("default", "layouts:gen:sidebar", None))
    render(View, path="/a/")  # this process knows the second generation: /a/ is old
    generations.forget()  # another process, which knows none: nothing can be trusted
    render(View, path="/b/")
    assert calls == ["side", "side", "side", "side"]


@pytest.mark.django_db
def test_invalidate_on_model_save_and_delete(backend):
    from django.contrib.auth.models import Group

    View = view(
        groups=Panel(
            lambda r: f"<p>{Group.objects.count()} groups</p>",
            cache=cache.sitewide(60, invalidate_on=[Group]),
        )
    )
    assert "<p>0 groups</p>" in text(render(View))
    group = Group.objects.create(name="editors")
    assert "<p>1 groups</p>" in text(render(View))
    group.delete()
    assert "<p>0 groups</p>" in text(render(View))


def test_backend_option_picks_the_alias(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "d"},
        "panels": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "p"},
    }
    View = view(sidebar=Panel(counted("side"), cache=cache.sitewide(60, backend="panels")))
    render(View)
    assert caches["panels"].get("layouts:panel:sidebar") is not None
    assert caches["default"].get("layouts:panel:sidebar") is None


def test_cache_backend_setting_picks_the_default_alias(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "d"},
        "fast": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "f"},
    }
    settings.LAYOUTS_CBV = {"CACHE_BACKEND": "fast"}
    View = view(fastpanel=Panel(counted("side"), cache=cache.sitewide(60)))
    render(View)
    assert caches["fast"].get("layouts:panel:fastpanel") is not None


def test_jitter_spreads_expiry_below_the_timeout(backend):
    from layouts_cbv.cache.entry import unpack

    View = view(sidebar=Panel(counted("side"), cache=cache.sitewide(1000, jitter=0.5)))
    lifetimes = set()
    for _ in range(5):
        cache.invalidate("sidebar")
        render(View)
        entry = unpack(caches["default"].get("layouts:panel:sidebar"))
        lifetimes.add(round(entry.fresh_until - entry.created))
    assert all(500 <= life <= 1000 for life in lifetimes) and len(lifetimes) > 1


@pytest.mark.parametrize("status", [302, 404, 500])
def test_error_status_and_redirects_are_never_cached(backend, status):
    from django.http import HttpResponse

    def answer(request):
        calls.append("answer")
        response = HttpResponse("body", status=status)
        if status == 302:
            response["Location"] = "/elsewhere/"
        return response

    View = view(answer=Panel(answer, cache=cache.sitewide(60)))
    render(View), render(View)
    assert calls == ["answer", "answer"]
    assert caches["default"].get("layouts:panel:answer") is None


def test_inline_items_of_a_cached_panel_come_back_on_a_hit(backend):
    from layouts_cbv.queues import add_style

    def inline(request):
        calls.append("inline")
        add_script(request, inline="window.ready = true;")
        add_style(request, inline=".box { color: red }")
        return "<p>inline</p>"

    View = view(
        inline=Panel(inline, cache=cache.sitewide(60)),
        layout=None,
        layout_template="testapp/bare_layout.html",
    )
    render(View)
    body = text(render(View))
    assert calls == ["inline"]
    assert "<script>window.ready = true;</script>" in body
    assert "<style>.box { color: red }</style>" in body


@pytest.mark.parametrize(
    "invalidation",
    [lambda: cache.invalidate("a"), lambda: cache.invalidate_all("a")],
    ids=["invalidate", "invalidate_all"],
)
@pytest.mark.django_db
def test_an_invalidation_inside_a_transaction_is_done_again_when_it_commits(
    invalidation, django_capture_on_commit_callbacks
):
    from django.db import transaction

    View = view(a=Panel(counted("a"), cache=cache.sitewide(60)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        invalidation()
        render(View)  # as another connection would, from the rows still committed
    assert len(callbacks) == 1
    render(View)
    assert calls == ["a", "a"]  # what was rendered inside did not outlive the commit


# -- What a set of panels is planned with: worked out once, redone when it changes ----

TWO_ALIASES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "d"},
    "fast": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "f"},
}


def test_a_new_cache_backend_setting_moves_a_view_already_served(settings):
    settings.CACHES = TWO_ALIASES
    View = view(sidebar=Panel(counted("side"), cache=cache.sitewide(60)))
    render(View)
    assert caches["default"].get("layouts:panel:sidebar") is not None
    settings.LAYOUTS_CBV = {"CACHE_BACKEND": "fast"}
    render(View), render(View)
    assert caches["fast"].get("layouts:panel:sidebar") is not None
    assert calls == ["side", "side"]  # a miss in the new alias, then a hit there


def test_panels_of_the_same_name_on_two_views_keep_their_own_strategies():
    Shared = view(sidebar=Panel(counted("shared"), cache=cache.sitewide(60)))
    ByPath = view(sidebar=Panel(counted("by-path"), cache=cache.per_path(60)))
    render(Shared)
    assert "<p>by-path #1</p>" in text(render(ByPath, path="/b/"))
    assert calls == ["shared", "by-path"]
    assert caches["default"].get("layouts:panel:sidebar:/b/") is not None


class ByCountry(cache.SitewideCache):
    """Sitewide, but keyed on a header by a get_vary of its own."""

    varies_on = frozenset({"header:X-Country"})

    def get_vary(self, request):
        return request.headers.get("X-Country", "")


def test_a_sitewide_subclass_with_its_own_get_vary_is_keyed_per_request():
    from django.test import RequestFactory

    View = view(sidebar=Panel(lambda r: f"<p>{r.headers['X-Country']}</p>", cache=ByCountry(60)))
    for country in ("FR", "DE", "FR"):
        response = View.as_view()(RequestFactory().get("/", headers={"X-Country": country}))
        response.render()
        assert f"<p>{country}</p>" in text(response)
    assert caches["default"].get("layouts:panel:sidebar:DE") is not None


def test_a_panel_whose_key_cannot_be_made_renders_uncached(caplog):
    def no_key(request):
        raise LookupError("no key for this request")

    View = view(sidebar=Panel(counted("side"), cache=cache.custom(no_key, 60, varies_on=())))
    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        for number in (1, 2):
            assert f"<p>side #{number}</p>" in text(render(View))
    assert "could not be made" in caplog.text


def test_replayed_items_keep_the_panels_order_among_rendered_ones():
    def uncached(request):
        add_script(request, "/first.js")
        return "<p>first</p>"

    View = view(
        first=Panel(uncached),
        second=Panel(counted("second"), cache=cache.sitewide(60)),
    )
    render(View)
    body = text(render(View))  # the second panel served from its entry, the first rendered
    assert calls == ["second"]
    assert body.index('src="/first.js"') < body.index('src="/second.js"')
    assert body.index('id="first"') < body.index('id="second"')


def test_render_costs_kept_per_process_are_bounded(backend, monkeypatch):
    # Panels named per request (get_panels) would otherwise grow the memo for ever.
    from layouts_cbv import rendering
    from layouts_cbv.cache import plans

    monkeypatch.setattr(plans, "KEPT", 2)
    render(view(**{name: Panel(counted(name), cache=cache.sitewide(60)) for name in "abcde"}))
    assert 0 < len(rendering._costs) <= 2
