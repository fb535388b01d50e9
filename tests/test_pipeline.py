"""The pipeline: one way through for every entry, resolving once, telling one account."""

import re
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core import checks
from django.test import Client, RequestFactory
from django.urls import include, path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache, report, signals
from tests.cache import counting
from tests.testapp.layouts import EveryPanelLayout

resolved: Counter = Counter()


class Counted(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/content.html"
    extra_context = {"title": "Counted"}
    nav = Panel(literal="<nav>nav</nav>", cache=cache.sitewide(60))
    mine = Panel(lambda r: f"<p>mine {r.user.username}</p>", cache=cache.per_user(60))
    plain = Panel(literal="<p>plain</p>")
    later = Panel(literal="<p>later</p>", defer=True)

    def get_layout(self):
        resolved["layout"] += 1
        return super().get_layout()

    def get_panels(self):
        resolved["panels"] += 1
        return super().get_panels()


class CountedPage(Counted):
    page_cache = cache.per_path(60)


class Trimmed(CountedPage):
    def get_panels(self):
        return {**super().get_panels(), "plain": None}  # None leaves the name out


urlpatterns = [
    path("counted/", Counted.as_view()),
    path("counted-page/", CountedPage.as_view()),
    path("trimmed/", Trimmed.as_view()),
    path("layouts/", include("layouts_cbv.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    resolved.clear()


@pytest.fixture
def alice():
    client = Client()
    client.force_login(User.objects.create_user("alice"))
    return client


@pytest.mark.parametrize("url", ["/counted/", "/counted-page/"])
def test_layout_and_panels_are_resolved_once_per_request(alice, url):
    for _ in range(3):  # a cold page, then hits
        resolved.clear()
        assert alice.get(url).status_code == 200
        assert resolved == {"layout": 1, "panels": 1}


def test_a_page_reads_once_per_alias_cold_or_warm_and_rechecks_the_locks_it_takes(settings, alice):
    settings.CACHES = {"default": {"BACKEND": "tests.cache.counting.CountingLocMemCache"}}
    for expected in (2, 1):  # cold: its cold panels locked, then looked at once more
        counting.calls.clear()
        alice.get("/counted-page/")
        assert counting.calls["get_many"] == expected


def states(response):
    header = response.get("Server-Timing", "")
    return dict(re.findall(r'panel-(\w+);desc="(\w+)"', header))


def test_report_and_server_timing_tell_one_account_whichever_entry(settings, alice):
    settings.LAYOUTS_CBV = {"SERVER_TIMING": True}
    first = alice.get("/counted-page/")
    second = alice.get("/counted-page/")
    for response in (first, second):
        rows = report.records(response.wsgi_request)
        assert [row["name"] for row in rows] == ["nav", "mine", "plain", "later"]
        assert list(states(response)) == ["nav", "mine", "plain", "later"]
    assert [row["state"] for row in report.records(first.wsgi_request)] == [
        "miss",
        "miss",
        "uncached",
        "deferred",
    ]
    assert [row["state"] for row in report.records(second.wsgi_request)] == [
        "baked",
        "hit",
        "uncached",
        "deferred",
    ]
    assert [row["hole"] for row in report.records(second.wsgi_request)] == [
        False,
        True,
        True,
        False,
    ]
    url = re.search(r'data-layouts-deferred="([^"]+)"', second.content.decode()).group(1)
    deferred = alice.get(url.replace("&amp;", "&"))
    assert [row["name"] for row in report.records(deferred.wsgi_request)] == ["later"]
    assert states(deferred) == {"later": "uncached"}


def test_the_report_tells_each_cached_panels_key(alice):
    pk = User.objects.get(username="alice").pk
    for _ in range(2):  # the miss, then a page hit
        response = alice.get("/counted-page/")
        keys = {row["name"]: row["key"] for row in report.records(response.wsgi_request)}
        assert keys == {
            "nav": "layouts:panel:nav",
            "mine": f"layouts:panel:mine:{pk}",
            "plain": "",
            "later": "",
        }


def test_a_panel_get_panels_sets_to_none_is_left_out(alice):
    for _ in range(2):  # the miss, then a page hit
        body = alice.get("/trimmed/").content.decode()
        assert "<nav>nav</nav>" in body and "<p>plain</p>" not in body
        assert 'id="plain"' not in body


def test_signals_tell_baked_panels_as_hits_of_the_page(alice):
    heard = []

    def hit(sender, name, state, **kwargs):
        heard.append((name, state))

    signals.panel_cache_hit.connect(hit)
    try:
        alice.get("/counted-page/")
        heard.clear()
        alice.get("/counted-page/")
    finally:
        signals.panel_cache_hit.disconnect(hit)
    assert sorted(heard) == [("mine", "hit"), ("nav", "baked")]


def test_the_request_has_its_own_values_back_once_the_page_is_built():
    request = RequestFactory().get("/counted-page/")
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.sessions.backends.cache import SessionStore

    request.user, request.session = AnonymousUser(), SessionStore()
    own = dict(vars(request))
    response = CountedPage.as_view()(request)
    response.render()
    for name in ("user", "session", "META"):
        assert vars(request)[name] is own[name]
    assert "_layouts_originals" not in vars(request)


def test_layout_mixin_after_the_generic_view_fails_where_it_is_declared():
    with pytest.raises(TypeError, match=r"put it first: class .*Late\(LayoutMixin"):

        class Late(TemplateView, LayoutMixin):
            layout = EveryPanelLayout


def ours(tags=None):
    return [m for m in checks.run_checks(tags=tags) if m.id.startswith("layouts_cbv.")]


class PerCountry(cache.PanelCacheBackend):
    def get_vary(self, request):
        return request.headers.get("X-Country", "")


class Undeclared(Counted):
    promo = Panel(literal="<p>promo</p>", cache=PerCountry(60))


class Unstable(CountedPage):
    pass


def test_check_warns_about_strategies_that_do_not_declare_varies_on(settings):
    routes = [path("u/", Undeclared.as_view()), path("layouts/", include("layouts_cbv.urls"))]
    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": routes})
    [warning] = [m for m in ours() if m.id == "layouts_cbv.W003"]
    assert warning.msg.startswith(
        "Panel 'promo' is cached with PerCountry, which does not declare varies_on: it is "
        "treated as personal"
    )
    assert "'header:<Name>'" in warning.hint


def test_check_warns_about_as_view_arguments_a_page_key_cannot_hold(settings, alice):
    stray = object()
    view = Unstable.as_view(extra_context={"thing": stray})
    routes = [path("x/", view), path("layouts/", include("layouts_cbv.urls"))]
    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": routes})
    [warning] = [m for m in ours(tags=[checks.Tags.urls]) if m.id == "layouts_cbv.W004"]
    assert warning.obj is Unstable and "never served from the page cache" in warning.msg
    resolved.clear()
    alice.get("/x/"), alice.get("/x/")
    assert resolved["layout"] == 2  # rendered each time, never from the page cache


class GreetingLayout(EveryPanelLayout.__base__):
    template = "testapp/every_panel.html"

    def get_layout_context(self, request):
        return {"greeting": f"hello {request.user.username}"}


class GreetedPage(LayoutMixin, TemplateView):
    layout = GreetingLayout
    template_name = "testapp/content.html"
    page_cache = cache.per_path(60)
    hello = Panel(lambda r: f"<p>{r.layout_context['greeting']}</p>")


def test_what_a_layouts_own_get_layout_context_reads_keeps_the_page_out(settings):
    settings.ROOT_URLCONF = type(
        "urls", (), {"urlpatterns": [path("greeted/", GreetedPage.as_view())]}
    )
    alice, bob = Client(), Client()
    alice.force_login(User.objects.create_user("alice2"))
    bob.force_login(User.objects.create_user("bob2"))
    assert "hello alice2" in alice.get("/greeted/").content.decode()
    assert "hello bob2" in bob.get("/greeted/").content.decode()
    from django.core.cache import caches

    assert not [key for key in caches["default"]._cache if ":page:" in key]
