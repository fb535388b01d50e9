"""Pins: every way a panel reads the session or the user keeps a shared panel unstored.

Existing leak tests read the session only through ``.get()`` and the user only
through ``request.user``; these pin ``session["k"]``, ``"k" in session`` and
``await request.auser()`` through real requests with real sessions.
"""

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import path

from layouts_cbv import Panel, cache
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


urlpatterns = [
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
