"""Pins: what visitors of a page-cached view see, and what the page cache stores.

Each test names one behaviour a user relies on and checks it through HTTP
responses, render counts and what the cache holds, never through private helpers.
"""

import time

import pytest
from django.contrib.auth.models import User
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.testapp.layouts import EveryPanelLayout

calls = []
ticks = {"n": 0}


def counted(label, html):
    def panel(request):
        calls.append(label)
        return html(request) if callable(html) else html

    return panel


class Base(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/page_cached.html"
    page_cache = cache.per_path(60)
    nav = Panel(counted("nav", "<nav>baked nav</nav>"), cache=cache.sitewide(60))

    def get_context_data(self, **kwargs):
        calls.append("view")
        return {"title": type(self).__name__, "built": len(calls)}


def set_flavour(request, flavour):
    request.session["flavour"] = flavour
    return HttpResponse("set")


# 3. The view's own template reads the session.
class SessionContent(Base):
    template_name = "testapp/pins_session_content.html"


# 4. Conditional panels and undeclared custom strategies are holes.
def tick(request):
    calls.append("tick")
    ticks["n"] += 1
    return f"<p>tick {ticks['n']}</p>"


def theme(request):
    calls.append("theme")
    return f"<p>theme {request.GET.get('theme', 'plain')}</p>"


class Conditional(Base):
    page_cache_ignore_query = True  # every query string gets the one stored page
    members = Panel(
        counted("members", "<p>members only</p>"),
        cache=cache.sitewide(60),
        condition=lambda request: request.GET.get("show") == "1",
    )
    ticker = Panel(tick, condition=lambda request: True)


class Custom(Base):
    page_cache_ignore_query = True
    theme = Panel(theme, cache=cache.custom(lambda request: request.GET.get("theme", "plain"), 60))


# 5. The language.
class Language(Base):
    def get_context_data(self, **kwargs):
        calls.append("view")
        return {"title": f"language {get_language()}", "built": len(calls)}


# 7 and 14. Headers of stored pages.
def baked_with_vary(request):
    calls.append("stamp")
    return HttpResponse("<p>stamp</p>", headers={"Vary": "X-Baked"})


def hole_with_headers(request):
    calls.append("hole")
    return HttpResponse(
        "<p>hole</p>", headers={"Vary": "Accept-Language", "Cache-Control": "private"}
    )


class Shared(Base):
    page_cache = cache.per_path(100)
    nav = None  # its 60 s would cap the page's 100 s
    stamp = Panel(baked_with_vary, cache=cache.sitewide(600))


class WithHeaderHole(Base):
    stamp = Panel(baked_with_vary, cache=cache.sitewide(600))
    hole = Panel(hole_with_headers)


def who(request):
    calls.append("who")
    return f"<p>you are {request.user.username or 'anonymous'}</p>"


class PersonalHole(Base):
    account = Panel(who, cache=cache.per_user(60))


# 13. A page with no cached panel at all: only the page cache could store anything.
class Bare(Base):
    nav = Panel(counted("nav", "<nav>uncached nav</nav>"))


# 12. Non-200 responses returned by the view.
class ReturnsForbidden(Base):
    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(), status=403)


class ReturnsNotFoundTemplate(Base):
    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(), status=404)


class ReturnsPlainNotFound(Base):
    def get(self, request, *args, **kwargs):
        calls.append("view")
        return HttpResponse("<p>nothing here</p>", status=404)


class ReturnsCreated(Base):
    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(), status=201)


# 15. Strategies of the page and of its baked panels.
class OneKeyForAll(cache.PerUserCache):
    """PerUserCache's varies_on, but a get_vary of its own that tells nobody apart."""

    def get_vary(self, request):
        return ""


class UndeclaredPage(Base):
    layout_template = "integrity/layout_user.html"  # shows [username]
    page_cache = OneKeyForAll(60)


class ByCountry(Base):
    page_cache = cache.custom(
        lambda request: request.headers.get("X-Country", ""), 60, varies_on={"header:X-Country"}
    )


urlpatterns = [
    path("set/<str:flavour>/", set_flavour),
    path("undeclared/", UndeclaredPage.as_view()),
    path("by-country/", ByCountry.as_view()),
    path("session-content/", SessionContent.as_view()),
    path("conditional/", Conditional.as_view()),
    path("custom/", Custom.as_view()),
    path("language/", Language.as_view()),
    path("base/", Base.as_view()),
    path("bare/", Bare.as_view()),
    path("shared/", Shared.as_view()),
    path("header-hole/", WithHeaderHole.as_view()),
    path("personal/", PersonalHole.as_view()),
    path("forbidden/", ReturnsForbidden.as_view()),
    path("not-found-template/", ReturnsNotFoundTemplate.as_view()),
    path("plain-not-found/", ReturnsPlainNotFound.as_view()),
    path("created/", ReturnsCreated.as_view()),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()
    ticks["n"] = 0
    written.clear()


def body(response):
    return response.content.decode()


# -- 3 ------------------------------------------------------------------------------


def test_a_page_whose_template_reads_the_session_is_never_stored():
    visitors = {}
    for flavour in ("lemon", "mint"):
        visitors[flavour] = Client()
        visitors[flavour].get(f"/set/{flavour}/")
    for _ in range(2):
        for flavour, client in visitors.items():
            page = body(client.get("/session-content/"))
            other = "mint" if flavour == "lemon" else "lemon"
            assert f"flavour {flavour}" in page and f"flavour {other}" not in page
    assert calls.count("view") == 4  # the view ran for every request: nothing was stored
    assert "flavour lemon" not in body(Client().get("/session-content/"))


# -- 4 ------------------------------------------------------------------------------


def test_a_conditional_cached_panel_is_a_hole_not_baked_into_the_page(client):
    assert "members only" in body(client.get("/conditional/?show=1"))
    assert calls.count("view") == 1
    hidden = body(client.get("/conditional/"))  # the same stored page: query is ignored
    assert calls.count("view") == 1, "the second request should be a page-cache hit"
    assert "members only" not in hidden
    assert "members only" in body(client.get("/conditional/?show=1"))
    assert calls.count("members") == 1  # shown again from its own entry


def test_an_uncached_conditional_panel_renders_on_every_hit(client):
    pages = [body(client.get("/conditional/")) for _ in range(3)]
    assert calls.count("view") == 1
    assert calls.count("tick") == 3
    for number, page in enumerate(pages, start=1):
        assert f"<p>tick {number}</p>" in page


def test_a_custom_panel_without_varies_on_is_a_hole_rendered_for_each_visitor(client):
    assert "theme dark" in body(client.get("/custom/?theme=dark"))
    light = body(client.get("/custom/?theme=light"))
    assert calls.count("view") == 1, "the second request should be a page-cache hit"
    assert "theme light" in light and "theme dark" not in light
    again = body(client.get("/custom/?theme=dark"))
    assert "theme dark" in again and "theme light" not in again
    # Undeclared, its key is not known to tell the query apart: it reads the query, so
    # it is never stored, and renders for each request.
    assert calls.count("theme") == 3


# -- 5 ------------------------------------------------------------------------------


@pytest.fixture
def localized(settings):
    settings.USE_I18N = True
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    settings.LANGUAGE_CODE = "en"
    settings.MIDDLEWARE = [
        settings.MIDDLEWARE[0],
        "django.middleware.locale.LocaleMiddleware",
        *settings.MIDDLEWARE[1:],
    ]


def test_each_language_gets_its_own_stored_page(localized):
    english = Client(headers={"accept-language": "en"})
    french = Client(headers={"accept-language": "fr"})
    for _ in range(2):
        english_page = body(english.get("/language/"))
        french_page = body(french.get("/language/"))
        assert "language en" in english_page and "language fr" not in english_page
        assert "language fr" in french_page and "language en" not in french_page
    assert calls.count("view") == 2  # one build per language, then hits


# -- 6 ------------------------------------------------------------------------------

HTMX = {"HX-Request": "true"}


@pytest.fixture
def htmx(settings):
    settings.LAYOUTS_CBV = {"PARTIAL_DETECTORS": ["layouts_cbv.detection.htmx"]}


def test_an_htmx_request_is_never_answered_from_the_full_page_cache(client, htmx):
    full = body(client.get("/base/"))
    assert "<main>" in full and "baked nav" in full
    partial = body(client.get("/base/", headers=HTMX))
    assert "<main>" not in partial and "baked nav" not in partial
    assert "<h1>Base</h1>" in partial
    assert calls.count("view") == 2  # the partial ran the view


def test_an_htmx_partial_is_never_stored_as_the_full_page(client, htmx):
    partial = body(client.get("/base/", headers=HTMX))
    assert "<main>" not in partial
    for _ in range(2):
        full = body(client.get("/base/"))
        assert "<main>" in full and "baked nav" in full and "<h1>Base</h1>" in full
    assert calls.count("view") == 2  # the partial, then one full build; then a hit
    assert "<main>" not in body(client.get("/base/", headers=HTMX))


# -- 7 ------------------------------------------------------------------------------


def test_a_hit_keeps_the_stored_vary_and_applies_the_holes_headers(client):
    miss = client.get("/header-hole/")
    calls.clear()
    hit = client.get("/header-hole/")
    assert "view" not in calls and "stamp" not in calls and calls == ["hole"]
    vary = {part.strip() for part in hit["Vary"].split(",")}
    assert {"X-Baked", "Accept-Language"} <= vary  # the baked panel's, stored with the page
    assert "private" in hit["Cache-Control"]  # the hole's, applied on the hit
    assert "private" in miss["Cache-Control"]


# -- 12 -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/forbidden/", 403),
        ("/not-found-template/", 404),
        ("/plain-not-found/", 404),
        ("/created/", 201),
    ],
)
def test_a_non_200_response_returned_by_the_view_is_never_stored(client, url, status):
    for _ in range(3):
        assert client.get(url).status_code == status
    assert calls.count("view") == 3
    assert not any(key.startswith("layouts:page") for key in written)


# -- 13 -----------------------------------------------------------------------------

written: list[str] = []


class RecordingLocMemCache(LocMemCache):
    """A LocMemCache that records every key written to it."""

    def set(self, key, *args, **kwargs):
        written.append(key)
        return super().set(key, *args, **kwargs)

    def add(self, key, *args, **kwargs):
        written.append(key)
        return super().add(key, *args, **kwargs)

    def set_many(self, data, *args, **kwargs):
        written.extend(data)
        return super().set_many(data, *args, **kwargs)


@pytest.fixture
def recording(settings):
    settings.CACHES = {"default": {"BACKEND": f"{__name__}.RecordingLocMemCache"}}
    written.clear()


@pytest.mark.parametrize("url", ["/base/", "/bare/"])
def test_cache_enabled_false_turns_the_page_cache_off(client, settings, recording, url):
    settings.LAYOUTS_CBV = {"CACHE_ENABLED": False}
    for _ in range(3):
        assert " nav</nav>" in body(client.get(url))
    assert calls.count("view") == 3 and calls.count("nav") == 3
    assert not [key for key in written if key.startswith("layouts:")]


@pytest.mark.parametrize("url", ["/base/", "/bare/"])
def test_with_the_cache_enabled_the_same_page_is_stored_under_layouts_page(client, recording, url):
    # The control for the test above: the recording cache does see page writes.
    for _ in range(3):
        client.get(url)
    assert calls.count("view") == 1
    assert any(key.startswith("layouts:page:") for key in written)


# -- 14 -----------------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch):
    """Freeze time.time (the page cache's and LocMemCache's clock); move it by hand."""
    now = {"t": float(int(time.time()))}
    monkeypatch.setattr(time, "time", lambda: now["t"])
    return now


def test_hits_say_exactly_how_long_the_page_has_left_and_how_old_it_is(client, clock):
    start = clock["t"]
    miss = client.get("/shared/")
    assert miss["Cache-Control"] == "max-age=100" and miss["Age"] == "0"
    assert miss["Expires"] == http_date(start + 100)
    seen = []
    for elapsed in (30, 31.5, 99):
        clock["t"] = start + elapsed
        calls.clear()
        hit = client.get("/shared/")
        assert "view" not in calls, f"not a hit after {elapsed} s"
        left = int(100 - elapsed)
        assert hit["Cache-Control"] == f"max-age={left}"
        assert hit["Age"] == str(int(elapsed))
        assert hit["Expires"] == http_date(start + elapsed + left)
        assert hit["Vary"] == miss["Vary"] == "X-Baked"
        seen.append(left)
    assert seen == sorted(seen, reverse=True) and all(n <= 100 for n in seen)
    clock["t"] = start + 100.5
    calls.clear()
    client.get("/shared/")
    assert "view" in calls  # expired: rebuilt


def test_a_page_with_a_personal_hole_is_private_and_varies_on_cookie():
    client = Client()
    client.force_login(User.objects.create_user("alice"))
    miss = client.get("/personal/")
    calls.clear()
    hit = client.get("/personal/")
    assert "view" not in calls
    for response in (miss, hit):
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert "private" in directives and "public" not in directives
        assert "Cookie" in {part.strip() for part in response["Vary"].split(",")}
        assert "you are alice" in body(response)


def test_a_page_is_never_served_past_its_fresh_time(client, clock):
    start = clock["t"]
    clock["t"] = start + 0.6
    client.get("/base/?first")  # stores the baked nav, fresh until start + 60.6
    clock["t"] = start + 1
    client.get("/base/?second")  # this page is fresh until then too: 59.6 s from now
    clock["t"] = start + 60.8  # the cache may keep it a little longer (whole seconds)
    calls.clear()
    client.get("/base/?second")
    assert "view" in calls, "the page was served after it expired"


# -- 15 -----------------------------------------------------------------------------


def test_a_page_cached_with_an_undeclared_strategy_is_never_served_to_another_user():
    clients = {}
    for name in ("alice", "bob"):
        clients[name] = Client()
        clients[name].force_login(User.objects.create_user(name))
    for name in ("alice", "bob", "alice"):
        page = body(clients[name].get("/undeclared/"))
        other = "bob" if name == "alice" else "alice"
        assert f"<header>[{name}]</header>" in page and f"[{other}]" not in page
    assert calls.count("view") == 3


def test_a_page_cached_per_header_varies_on_that_header_and_is_not_private(client):
    miss = client.get("/by-country/", headers={"X-Country": "FR"})
    hit = client.get("/by-country/", headers={"X-Country": "FR"})
    assert calls.count("view") == 1
    for response in (miss, hit):
        assert "X-Country" in {part.strip() for part in response["Vary"].split(",")}
        assert "private" not in response["Cache-Control"]
        assert response["Cache-Control"].startswith("max-age=")
