"""Pins: every way a panel reads the session or the user keeps a shared panel unstored.

Existing leak tests read the session only through ``.get()`` and the user only
through ``request.user``; these pin ``session["k"]``, ``"k" in session`` and
``await request.auser()`` through real requests with real sessions.
"""

import logging

import pytest
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.messages.storage import default_storage
from django.contrib.sessions.backends.cache import SessionStore
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

renders = []


def by_item(request):
    renders.append("item")
    try:
        return f"<p>flavour {request.session['flavour']}</p>"
    except KeyError:
        return "<p>flavour none</p>"


def by_contains(request):
    renders.append("contains")
    return f"<p>has flavour {'flavour' in request.session}</p>"


async def by_auser(request):
    renders.append("auser")
    user = await request.auser()
    return f"<p>async user {user.username or 'anonymous'}</p>"


def set_flavour(request, flavour):
    request.session["flavour"] = flavour
    return HttpResponse("set")


def page(name, source):
    attrs = {"layout": EveryPanelLayout, "box": Panel(source, cache=cache.sitewide(60))}
    return type(name, (PageView,), attrs)


class UserInLayout(LayoutMixin, TemplateView):
    layout_template = "integrity/layout_user.html"
    template_name = "integrity/build.html"
    page_cache = cache.per_path(60)


urlpatterns = [
    path("user-in-layout/", UserInLayout.as_view()),
    path("item/", page("ByItem", by_item).as_view()),
    path("contains/", page("ByContains", by_contains).as_view()),
    path("auser/", page("ByAuser", by_auser).as_view()),
    path("set/<str:flavour>/", set_flavour),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()


def visitor(flavour=None):
    client = Client()
    if flavour is not None:
        client.get(f"/set/{flavour}/")
    return client


def test_session_read_by_item_keeps_a_sitewide_panel_unstored():
    lemon, mint = visitor("lemon"), visitor("mint")
    for _ in range(2):
        lemon_page = lemon.get("/item/").content.decode()
        mint_page = mint.get("/item/").content.decode()
        assert "flavour lemon" in lemon_page and "flavour mint" not in lemon_page
        assert "flavour mint" in mint_page and "flavour lemon" not in mint_page
    assert renders.count("item") == 4  # rendered for every request, never stored


def test_session_membership_test_keeps_a_sitewide_panel_unstored():
    with_flavour, without = visitor("lemon"), visitor()
    for _ in range(2):
        assert "has flavour True" in with_flavour.get("/contains/").content.decode()
        body = without.get("/contains/").content.decode()
        assert "has flavour False" in body and "has flavour True" not in body
    assert renders.count("contains") == 4


def test_awaiting_auser_in_an_async_panel_counts_as_reading_the_user():
    clients = {}
    for name in ("alice", "bob"):
        clients[name] = Client()
        clients[name].force_login(User.objects.create_user(name))
    for _ in range(2):
        for name, client in clients.items():
            body = client.get("/auser/").content.decode()
            other = "bob" if name == "alice" else "alice"
            assert f"async user {name}" in body and f"async user {other}" not in body
    assert renders.count("auser") == 4


# What the warning tells: why the panel was not stored and what to do about it.


class OwnKey(cache.PanelCacheBackend):
    """A strategy of the project's own that does not say what it varies on."""

    def get_vary(self, request):
        return request.headers.get("X-Country", "")


def show_messages(request):
    return "".join(str(message) for message in messages.get_messages(request))


READERS = {
    "undeclared": (lambda r: r.user.username, OwnKey(60)),
    "messages": (show_messages, cache.sitewide(60)),
    "cookies": (lambda r: r.COOKIES.get("flavour", ""), cache.sitewide(60)),
    "session": (lambda r: r.session.get("flavour", ""), cache.sitewide(60)),
    "host": (lambda r: r.get_host(), cache.sitewide(60)),
    "header": (lambda r: r.headers.get("X-Country", ""), cache.per_path(60)),
}
ADVICE = {
    "undeclared": (
        "Panel 'warn_undeclared' read request.user while rendering, but its cache strategy "
        "OwnKey does not declare varies_on; it was not stored, so no visitor can see "
        "another's. To cache it, declare varies_on on OwnKey (the request inputs its "
        "output depends on, which its get_vary() tells apart), or use cache.per_user()."
    ),
    "messages": "To cache it, show messages in a panel without cache= (messages are never cached).",
    "cookies": (
        "To cache it, read cookies in a panel without cache=, or keep the value in the "
        "session and use cache.per_session() (cookies are never cached)."
    ),
    "session": "To cache it, use cache.per_session().",
    "host": "To cache it, use cache.per_host(), or a strategy whose varies_on has 'host'.",
    "header": (
        "does not vary on header:x-country; it was not stored, so no visitor can see "
        "another's. To cache it, use a strategy whose varies_on is {'header:x-country', "
        "'path'}, such as cache.custom(key_func, timeout, varies_on=...)."
    ),
}


def render_once(name):
    """Render a page whose panel ``warn_<name>`` reads what READERS says; return its HTML."""
    reader, strategy = READERS[name]
    panel = Panel(lambda request: f"<p>{reader(request)}</p>", cache=strategy)
    View = type("View", (PageView,), {"layout": EveryPanelLayout, f"warn_{name}": panel})
    request = RequestFactory().get("/", HTTP_COOKIE="flavour=mint", HTTP_X_COUNTRY="FR")
    request.user = User(pk=1, username="alice")
    request.session = SessionStore()
    request._messages = default_storage(request)
    response = View.as_view()(request)
    response.render()
    return response.content.decode()


@pytest.mark.parametrize("name", sorted(READERS))
def test_the_warning_says_what_was_read_and_what_to_do(name, caplog):
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        render_once(name)
    [warning] = [r.getMessage() for r in caplog.records if r.name == "layouts_cbv"]
    assert warning.startswith(f"Panel 'warn_{name}' read ")
    assert ADVICE[name] in warning


def test_under_strict_vary_a_page_that_would_leak_is_a_configuration_error(settings):
    settings.LAYOUTS_CBV = {"STRICT_VARY": True}
    alice = Client()
    alice.force_login(User.objects.create_user("alice"))
    with pytest.raises(ImproperlyConfigured, match=r"page of UserInLayout read request\.user"):
        alice.get("/user-in-layout/")
