"""Whole-page caching with per-visitor holes."""

import re
import time

import pytest
from django.contrib.auth.models import User
from django.core.cache import caches
from django.http import Http404
from django.middleware.csrf import _get_new_csrf_string, _unmask_cipher_token
from django.test import Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.cache.keys import EPOCH_KEY
from layouts_cbv.queues import add_script
from tests.cache import counting
from tests.testapp.layouts import EveryPanelLayout

calls = []


def record(label, html):
    def panel(request):
        calls.append(label)
        return html(request) if callable(html) else html

    return panel


def who(request):
    calls.append("who")
    add_script(request, "/static/who.js")
    return f"<p>you are {request.user.username or 'anonymous'}</p>"


class CachedPage(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/page_cached.html"
    page_cache = cache.per_path(600)
    nav = Panel(record("nav", "<nav>baked nav</nav>"), cache=cache.sitewide(600))
    sidebar = Panel(record("sidebar", "<p>baked per path</p>"), cache=cache.per_path(600))
    account = Panel(who, cache=cache.per_user(600))  # finer than the page: a hole
    clock = Panel(record("clock", lambda r: f"<p>fresh {len(calls)}</p>"))  # uncached: a hole

    def get_context_data(self, **kwargs):
        calls.append("view")
        return {"title": "Cached", "built": len(calls)}

    def post(self, request, *args, **kwargs):
        calls.append("post")
        return self.get(request, *args, **kwargs)


class NotFoundPage(CachedPage):
    def get_context_data(self, **kwargs):
        calls.append("view")
        raise Http404


class IgnoresQuery(CachedPage):
    page_cache_ignore_query = True


class ReadsUser(CachedPage):
    template_name = "testapp/greeting_user.html"


class HoleFirst(LayoutMixin, TemplateView):
    layout = EveryPanelLayout  # prints the panels in the order of {{ panels }}
    template_name = "testapp/page_cached.html"
    extra_context = {"title": "Hole first"}
    page_cache = cache.per_path(600)
    account = Panel(who, cache=cache.per_user(600))  # a hole, declared first
    nav = Panel(record("nav", "<nav>baked nav</nav>"), cache=cache.sitewide(600))


urlpatterns = [
    path("page/", CachedPage.as_view()),
    path("hole-first/", HoleFirst.as_view()),
    path("missing/", NotFoundPage.as_view()),
    path("any-query/", IgnoresQuery.as_view()),
    path("reads-user/", ReadsUser.as_view()),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()


@pytest.fixture
def alice_and_bob():
    clients = {}
    for name in ("alice", "bob"):
        client = Client()
        client.force_login(User.objects.create_user(name))
        clients[name] = client
    return clients


def test_hit_runs_neither_the_view_nor_baked_panels(client):
    first = client.get("/page/").content.decode()
    calls.clear()
    second = client.get("/page/").content.decode()
    assert "view" not in calls and "nav" not in calls and "sidebar" not in calls
    assert "<nav>baked nav</nav>" in second and "<p>baked per path</p>" in second
    assert "<h1>Cached</h1>" in second and first.split("<p>fresh")[0] == second.split("<p>fresh")[0]


def test_holes_are_filled_per_request_from_their_own_cache_or_fresh(alice_and_bob):
    for client in alice_and_bob.values():
        client.get("/page/")
    for _ in range(2):
        for name, client in alice_and_bob.items():
            calls.clear()
            body = client.get("/page/").content.decode()
            other = "bob" if name == "alice" else "alice"
            assert f"you are {name}" in body and f"you are {other}" not in body
            assert calls == ["clock"]  # the uncached hole renders; the per-user one hits
            assert '<script src="/static/who.js"></script>' in body  # a hole's queue items


def test_holes_keep_their_place_among_the_panels_the_layout_sees(client):
    for served in ("built", "hit"):
        body = client.get("/hole-first/").content.decode()
        assert "you are anonymous" in body and "<nav>baked nav</nav>" in body, served
        assert body.index('id="account"') < body.index('id="nav"'), served
    assert calls.count("nav") == 1  # the second was a page hit, nav baked in


def test_a_page_built_from_its_baked_panels_entries_knows_them_again(client):
    client.get("/page/?first")  # renders the baked panels and stores their entries
    client.get("/page/?second")  # another page, built with them served from their entries
    cache.invalidate_all("another_panel")  # a new epoch: the page checks what it baked in
    calls.clear()
    body = client.get("/page/?second").content.decode()
    assert "view" not in calls, "the page recorded its baked panels as they are not"
    assert "<nav>baked nav</nav>" in body and "<p>baked per path</p>" in body


def test_warm_hit_with_holes_costs_one_cache_call(settings, alice_and_bob):
    settings.CACHES = {"default": {"BACKEND": "tests.cache.counting.CountingLocMemCache"}}
    client = alice_and_bob["alice"]
    client.get("/page/"), client.get("/page/")
    counting.calls.clear()
    client.get("/page/")
    # Sessions are in the database here, so this is the page, the epoch and the
    # per-user hole, all in one call.
    assert dict(counting.calls) == {"get_many": 1}


@pytest.mark.parametrize(
    "invalidate",
    [
        lambda: cache.invalidate("nav"),
        lambda: cache.invalidate_all("sidebar"),
        lambda: cache.invalidate("sidebar", "/page/"),
    ],
)
def test_invalidating_a_baked_panel_rebuilds_the_page(client, invalidate):
    client.get("/page/")
    invalidate()
    calls.clear()
    client.get("/page/")
    assert "view" in calls
    calls.clear()
    client.get("/page/")
    assert "view" not in calls


def test_warm_hit_reads_page_epoch_holes_and_baked_entries_in_one_call(settings, client):
    settings.CACHES = {"default": {"BACKEND": "tests.cache.counting.CountingLocMemCache"}}
    client.get("/page/"), client.get("/page/")
    counting.keys_read.clear(), counting.calls.clear()
    client.get("/page/")
    # The baked entries come with the page, so neither a miss nor an epoch change
    # ever needs a second read.
    assert dict(counting.calls) == {"get_many": 1}
    assert EPOCH_KEY in counting.keys_read
    assert {"layouts:panel:nav", "layouts:panel:sidebar:/page/"} <= set(counting.keys_read)


@pytest.mark.parametrize(
    "change",
    [
        lambda: cache.invalidate_all("another_panel"),
        lambda: caches["default"].delete(EPOCH_KEY),  # evicted
    ],
)
def test_a_new_epoch_costs_one_check_not_a_rebuild(settings, client, change):
    settings.CACHES = {"default": {"BACKEND": "tests.cache.counting.CountingLocMemCache"}}
    client.get("/page/")
    change()
    calls.clear(), counting.calls.clear()
    client.get("/page/")
    assert "view" not in calls and "nav" not in calls
    # The baked panels read with the page are checked, and the page records the epoch.
    assert counting.calls["get_many"] == 1 and counting.calls["set_many"] == 1
    counting.calls.clear()
    client.get("/page/")
    assert dict(counting.calls) == {"get_many": 1}


navs = {"version": 1, "invalidate": False}


def versioned_nav(request):
    return f"<nav>nav v{navs['version']}</nav>"


def invalidates_nav(request):
    # Runs after the page read its cached panels and before it is stored.
    if navs["invalidate"]:
        navs["invalidate"] = False
        navs["version"] += 1
        cache.invalidate("racy_nav")
    return "<p>clock</p>"


class Racy(CachedPage):
    racy_nav = Panel(versioned_nav, cache=cache.sitewide(600))
    clock = Panel(invalidates_nav)


urlpatterns.append(path("racy/", Racy.as_view()))


def test_a_page_built_across_an_invalidation_is_not_served_stale(client):
    client.get("/racy/")  # the nav is cached
    navs["invalidate"] = True
    built_meanwhile = client.get("/racy/?other").content.decode()
    assert "nav v1" in built_meanwhile  # read before the invalidation, stored after it
    assert "nav v2" in client.get("/racy/?other").content.decode()


class ShortNav(CachedPage):
    nav = Panel(record("nav", "<nav>short</nav>"), cache=cache.sitewide(1))


urlpatterns.append(path("short-nav/", ShortNav.as_view()))


def test_a_page_expires_with_the_first_baked_panel_that_does(client):
    client.get("/short-nav/")
    calls.clear()
    client.get("/short-nav/")
    assert "view" not in calls  # the page lasts 600 s, but its nav only 1 s
    time.sleep(1.1)
    calls.clear()
    client.get("/short-nav/")
    assert "nav" in calls and "view" in calls


def test_only_200_responses_are_cached(client):
    assert client.get("/missing/").status_code == 404
    assert client.get("/missing/").status_code == 404
    assert calls.count("view") == 2


def test_query_strings_vary_the_page_unless_told_not_to(client):
    client.get("/page/?a=1"), client.get("/page/?a=2"), client.get("/page/?a=1")
    assert calls.count("view") == 2
    calls.clear()
    client.get("/any-query/?a=1"), client.get("/any-query/?a=2")
    assert calls.count("view") == 1


def test_post_is_never_served_from_the_page_cache(client):
    client.get("/page/")
    calls.clear()
    response = client.post("/page/")
    assert response.status_code == 200 and "post" in calls and "view" in calls


def test_head_is_served_from_the_page_cache(client):
    client.get("/page/")
    calls.clear()
    assert client.head("/page/").status_code == 200
    assert "view" not in calls


def test_page_without_personal_holes_says_how_long_it_lasts(settings, client):
    class Shared(CachedPage):
        account = None

    settings.ROOT_URLCONF = None
    urls = type("urls", (), {"urlpatterns": [path("shared/", Shared.as_view())]})
    settings.ROOT_URLCONF = urls
    first = client.get("/shared/")
    second = client.get("/shared/")
    for response in (first, second):
        assert "max-age=" in response["Cache-Control"] and "Expires" in response
        assert int(response["Age"]) >= 0 and response["ETag"]


def test_page_with_personal_holes_is_private(alice_and_bob):
    client = alice_and_bob["alice"]
    for response in (client.get("/page/"), client.get("/page/")):
        assert "private" in response["Cache-Control"]
        assert "Cookie" in response["Vary"]


def test_etag_answers_if_none_match_with_304():
    class Stable(CachedPage):
        account = None
        clock = None

    urls = type("urls", (), {"urlpatterns": [path("stable/", Stable.as_view())]})
    from django.test import override_settings

    with override_settings(ROOT_URLCONF=urls):
        client = Client()
        client.get("/stable/")
        etag = client.get("/stable/")["ETag"]
        answer = client.get("/stable/", headers={"if-none-match": etag})
        assert answer.status_code == 304 and answer.content == b""
        assert client.get("/stable/", headers={"if-none-match": '"other"'}).status_code == 200


def test_a_page_whose_template_reads_the_user_is_not_stored(alice_and_bob, caplog):
    for name, client in alice_and_bob.items():
        assert f"hello {name}" in client.get("/reads-user/").content.decode()
    assert calls.count("view") == 2
    assert "page of ReadsUser" in caplog.text


def test_page_cache_must_be_a_strategy():
    with pytest.raises(TypeError, match="page_cache must be a PanelCacheBackend"):

        class Bad(CachedPage):
            page_cache = 600


def test_cache_disabled_serves_nothing_from_the_page_cache(client, settings):
    settings.LAYOUTS_CBV = {"CACHE_ENABLED": False}
    client.get("/page/"), client.get("/page/")
    assert calls.count("view") == 2
    assert not any(key for key in getattr(caches["default"], "_cache", {}) if "layouts:page" in key)


class NeedsObject(CachedPage):
    """A view whose hook uses what get() sets, as DetailView's self.object."""

    def get(self, request, *args, **kwargs):
        self.thing = "set by get"
        return super().get(request, *args, **kwargs)

    def get_layout_context(self):
        return {"thing": self.thing}


urlpatterns.append(path("needs-object/", NeedsObject.as_view()))


def test_hooks_that_need_get_fall_back_to_rendering_with_a_warning(client, caplog):
    from layouts_cbv import pages

    pages._warned.clear()
    for _ in range(3):
        assert client.get("/needs-object/").status_code == 200
    assert calls.count("view") == 3  # rendered each time, never a 500
    assert caplog.text.count("NeedsObject has page_cache, but") == 1


class NeedsObjectStreams(NeedsObject):
    later = Panel(record("later", "<p>streamed later</p>"), stream=True)


urlpatterns.append(path("needs-object-streams/", NeedsObjectStreams.as_view()))


def test_after_falling_back_a_streamed_panel_is_rendered_and_sent_once(client):
    # The page's panels were sorted once before the fallback; sorting them again when
    # the view renders must not list any of them twice.
    for _ in range(2):
        calls.clear()
        response = client.get("/needs-object-streams/")
        body = b"".join(response.streaming_content).decode()
        assert calls.count("later") == 1
        assert body.count("<p>streamed later</p>") == 1


class ChoosesPerRequest(CachedPage):
    def get_page_cache(self):
        return None if "fresh" in self.request.GET else super().get_page_cache()


urlpatterns.append(path("chooses/", ChoosesPerRequest.as_view()))


def test_get_page_cache_can_turn_it_off_for_one_request(client):
    client.get("/chooses/"), client.get("/chooses/")
    assert calls.count("view") == 1
    client.get("/chooses/?fresh=1"), client.get("/chooses/?fresh=1")
    assert calls.count("view") == 3


def form_hole(request):
    from django.template import engines

    template = engines["django"].from_string("<form>{% csrf_token %}{{ user.username }}</form>")
    return template.render({"user": request.user}, request)


class FormHolePage(CachedPage):
    account = Panel(form_hole, cache=cache.per_user(600))
    clock = None  # a hole that changes on every request would change the ETag too


urlpatterns.append(path("form-hole/", FormHolePage.as_view()))


def test_a_signed_in_visitor_gets_a_stable_etag_and_a_304(alice_and_bob):
    alice, bob = alice_and_bob["alice"], alice_and_bob["bob"]
    alice.get("/form-hole/")  # built, and alice's hole cached
    first, second = alice.get("/form-hole/"), alice.get("/form-hole/")
    assert first["ETag"] == second["ETag"]  # the hole's fresh CSRF token is not in it
    assert alice.get("/form-hole/", headers={"if-none-match": first["ETag"]}).status_code == 304
    bob.get("/form-hole/")
    theirs = bob.get("/form-hole/")
    assert theirs["ETag"] != first["ETag"]  # another visitor's hole: another validator
    assert bob.get("/form-hole/", headers={"if-none-match": first["ETag"]}).status_code == 200


def test_a_visitor_whose_csrf_secret_changed_gets_the_page_not_a_304(alice_and_bob):
    # Logging in rotates the CSRF secret: a 304 would keep a form whose token the
    # server now refuses.
    alice = alice_and_bob["alice"]
    alice.get("/form-hole/")  # built, and alice's hole cached
    first = alice.get("/form-hole/")
    secret = _get_new_csrf_string()
    alice.cookies["csrftoken"] = secret
    again = alice.get("/form-hole/", headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    [token] = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', again.content.decode())
    assert _unmask_cipher_token(token) == secret
    assert alice.get("/form-hole/", headers={"if-none-match": again["ETag"]}).status_code == 304


def test_visitors_whose_holes_were_cached_at_the_same_instant_get_their_own_etags(
    alice_and_bob, monkeypatch
):
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now)  # as a coarse clock would make it
    for client in alice_and_bob.values():
        client.get("/form-hole/")  # each visitor's hole cached, written at the same time
    etags = {name: client.get("/form-hole/")["ETag"] for name, client in alice_and_bob.items()}
    assert etags["alice"] != etags["bob"]
