"""Per-user keys from the session's claim, checked against a cached record of the user.

Each test logs real users in through Django's auth and sessions; the point is that a
warm page does not load the user, and that no change to the user or the session ever
lets a request read or write another user's entries.
"""

import time

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.models import User
from django.core import signing
from django.core.cache import caches
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.cache import identity, signed_sessions
from layouts_cbv.cache.identity import record_key
from tests.testapp.layouts import EveryPanelLayout

renders = []


def who(request):
    renders.append(request.user.username or "anonymous")
    return f"<p>you are {request.user.username or 'anonymous'}</p>"


class Panels(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/page_cached.html"
    extra_context = {"title": "Identity"}
    account = Panel(who, cache=cache.per_user(600))


class Page(Panels):
    page_cache = cache.per_path(600)


class UserPage(Panels):
    page_cache = cache.per_user(600)  # the page key itself is per user


class KeyedPerUser(cache.SitewideCache):
    """A project's own strategy: sitewide, but keyed per user by its own make_key."""

    varies_on = frozenset({"user"})

    def make_key(self, panel_name, request):
        return f"{super().make_key(panel_name, request)}:{request.user.pk or 'anonymous'}"


class OwnKeyPanels(Panels):
    account = Panel(who, cache=KeyedPerUser(600))


class AsyncPage(Page):
    async def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(**kwargs))


class MembersOnly(cache.PerUserCache):
    """Per user, and no key for anonymous visitors: their panel renders uncached."""

    varies_on = frozenset({"user"})

    def get_vary(self, request):
        vary = super().get_vary(request)
        if vary == "anonymous":
            raise LookupError("no entry for anonymous visitors")
        return vary


class MembersPanels(Panels):
    account = Panel(who, cache=MembersOnly(600))


urlpatterns = [
    path("members/", MembersPanels.as_view()),
    path("async-page/", AsyncPage.as_view()),
    path("panels/", Panels.as_view()),
    path("page/", Page.as_view()),
    path("user-page/", UserPage.as_view()),
    path("own-key/", OwnKeyPanels.as_view()),
]
URLS = ["/panels/", "/page/", "/user-page/"]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset(settings):
    # Sessions in signed cookies: a warm page then needs no query at all, unless the
    # user is loaded.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    signed_sessions._verify.cache_clear()
    renders.clear()


@pytest.fixture
def alice():
    return User.objects.create_user("alice", password="old password")


def logged_in(user):
    client = Client()
    client.force_login(user)
    return client


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        body = client.get(url).content.decode()
    return body, len(captured)


@pytest.mark.parametrize("url", URLS)
def test_a_warm_page_does_not_load_the_user(alice, url):
    client = logged_in(alice)
    client.get(url)  # renders, and records alice's session hash
    body, count = queries(client, url)
    assert "you are alice" in body and renders == ["alice"]
    assert count == 0


@pytest.mark.parametrize("url", URLS)
def test_without_a_record_the_user_is_loaded_and_the_record_written(alice, url):
    client = logged_in(alice)
    client.get(url)
    caches["default"].delete(record_key(str(alice.pk)))
    body, count = queries(client, url)
    assert "you are alice" in body and count == 1  # the user, as Django loads it
    assert queries(client, url)[1] == 0


@pytest.mark.parametrize("url", URLS)
def test_a_new_password_ends_other_sessions_at_once(alice, url):
    stolen = logged_in(alice)
    stolen.get(url), stolen.get(url)
    alice.set_password("new password")
    alice.save()
    body = stolen.get(url).content.decode()
    assert "you are alice" not in body and "you are anonymous" in body


def test_a_refuted_claim_whose_real_visitor_has_no_key_never_gets_the_claimed_entry(alice):
    stolen = logged_in(alice)
    stolen.get("/members/"), stolen.get("/members/")
    alice.set_password("new password")
    alice.save()
    body = stolen.get("/members/").content.decode()
    assert "you are alice" not in body and "you are anonymous" in body
    assert renders == ["alice", "anonymous"]  # rendered for the visitor, never stored


@pytest.mark.parametrize("url", URLS)
@pytest.mark.parametrize("change", ["deactivate", "delete"])
def test_a_deactivated_or_deleted_user_is_anonymous_at_once(alice, url, change):
    client = logged_in(alice)
    client.get(url), client.get(url)
    if change == "deactivate":
        alice.is_active = False
        alice.save()
    else:
        alice.delete()
    body = client.get(url).content.decode()
    assert "you are alice" not in body and "you are anonymous" in body


@pytest.mark.parametrize("url", URLS)
def test_a_session_whose_hash_is_wrong_never_reads_or_writes_the_users_entries(alice, url):
    client = logged_in(alice)
    client.get(url), client.get(url)
    forged = logged_in(alice)
    session = forged.session
    session[HASH_SESSION_KEY] = "0" * 64
    session.save()
    forged.cookies["sessionid"] = session.session_key  # signed cookies: the data itself
    body = forged.get(url).content.decode()
    assert "you are alice" not in body and "you are anonymous" in body
    # What the forged session got rendered was not stored under alice's key.
    assert "you are alice" in client.get(url).content.decode()


def test_users_never_see_each_other(alice):
    bob = User.objects.create_user("bob")
    clients = {"alice": logged_in(alice), "bob": logged_in(bob), "anonymous": Client()}
    for _ in range(3):
        for url in URLS:
            for name, client in clients.items():
                body = client.get(url).content.decode()
                assert f"you are {name}" in body
                others = [other for other in clients if other != name]
                assert not any(f"you are {other}" in body for other in others)


def test_a_sitewide_subclass_with_its_own_make_key_keeps_users_apart(alice):
    # SitewideCache's key is worked out once per set of panels; a subclass's own
    # make_key must still be asked on every request, or every user shares one key.
    bob = User.objects.create_user("bob")
    clients = {"alice": logged_in(alice), "bob": logged_in(bob), "anonymous": Client()}
    for _ in range(2):
        for name, client in clients.items():
            body = client.get("/own-key/").content.decode()
            assert f"you are {name}" in body
            assert not any(f"you are {other}" in body for other in clients if other != name)
    assert sorted(renders) == ["alice", "anonymous", "bob"]


class SetsUser:
    """A middleware that sets request.user itself, as token authentication does."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.user = User.objects.get(username="alice")
        return self.get_response(request)


def test_a_user_set_by_another_middleware_is_used_as_it_is(alice, settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, f"{__name__}.SetsUser"]
    client = Client()  # no session at all
    for url in URLS:
        assert "you are alice" in client.get(url).content.decode()


def test_a_change_behind_the_orms_back_is_seen_when_the_record_expires(alice, monkeypatch):
    monkeypatch.setattr(identity, "RECORD_TIMEOUT", 1)
    client = logged_in(alice)
    client.get("/page/"), client.get("/page/")
    User.objects.filter(pk=alice.pk).update(is_active=False)  # no post_save
    time.sleep(1.1)
    body = client.get("/page/").content.decode()
    assert "you are alice" not in body and "you are anonymous" in body


def test_async_views_under_asgi_keep_users_apart(alice):
    bob = User.objects.create_user("bob")
    clients = {}
    for user in (alice, bob):
        client = AsyncClient()
        client.force_login(user)
        clients[user.username] = client
    for _ in range(2):
        for name, client in clients.items():
            body = async_to_sync(client.get)("/async-page/").content.decode()
            other = "bob" if name == "alice" else "alice"
            assert f"you are {name}" in body and f"you are {other}" not in body
    assert sorted(renders) == ["alice", "bob"]  # the second round came from the cache


@pytest.fixture
def verifications(monkeypatch):
    """Count the signed cookies verified (Django's own signing, counted as it runs)."""
    calls = []
    real = signing.loads

    def counted(*args, **kwargs):
        calls.append(kwargs.get("salt"))
        return real(*args, **kwargs)

    monkeypatch.setattr(signing, "loads", counted)
    return calls


def test_a_signed_cookie_is_verified_once_per_process(alice, verifications):
    client = logged_in(alice)
    client.get("/page/")
    verifications.clear()
    for _ in range(3):
        assert "you are alice" in client.get("/page/").content.decode()
    assert verifications == []


def test_an_expired_signed_cookie_is_anonymous_though_it_was_verified(alice, settings):
    client = logged_in(alice)
    client.get("/page/"), client.get("/page/")
    # The cookie is 0 s old; an age of -1 makes it expired, as Django's load() sees it.
    settings.SESSION_COOKIE_AGE = -1
    body = client.get("/page/").content.decode()
    assert "you are alice" not in body and "you are anonymous" in body


def test_a_new_secret_key_forgets_every_verified_cookie(alice, settings):
    client = logged_in(alice)
    client.get("/page/"), client.get("/page/")
    settings.SECRET_KEY = "another secret key, the old cookies are void"
    body = client.get("/page/").content.decode()
    assert "you are alice" not in body and "you are anonymous" in body


def test_a_tampered_signed_cookie_is_anonymous(alice):
    client = logged_in(alice)
    client.get("/page/"), client.get("/page/")
    cookie = client.cookies["sessionid"].value
    client.cookies["sessionid"] = cookie[:-1] + ("A" if cookie[-1] != "A" else "B")
    body = client.get("/page/").content.decode()
    assert "you are alice" not in body and "you are anonymous" in body


def test_a_hit_that_never_reads_the_session_still_varies_on_cookie(alice):
    # The session stays unread, so SessionMiddleware adds no Vary: the page must.
    client = logged_in(alice)
    client.get("/page/")
    response = client.get("/page/")
    assert "you are alice" in response.content.decode()
    assert "Cookie" in response["Vary"] and "private" in response["Cache-Control"]
