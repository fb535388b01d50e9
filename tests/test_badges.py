"""Badges (LAYOUTS_CBV["BADGES"]): every panel labelled with how THIS request served it."""

import re

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import include, path
from django.views.generic import TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel, cache
from layouts_cbv.contrib import badges
from tests.factories import UserFactory

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "layouts_cbv.contrib.badges.BadgeMiddleware",
]


def mine(request):
    return f"<p>yours, {request.user.get_username() or 'stranger'}</p>"


def in_session(request):
    return "<p>your basket</p>"


class BadgeLayout(Layout):
    template = "testapp/badges_layout.html"
    # Names no other layout of the test suite declares: checks compare every layout's.
    b_title = Panel(literal="Title panel", cache=cache.sitewide(60))
    b_nav = Panel(literal="<ul>nav</ul>", cache=cache.sitewide(60))
    b_mine = Panel(mine, cache=cache.per_user(60))


class PageView(LayoutMixin, TemplateView):
    layout = BadgeLayout
    template_name = "testapp/content.html"


class CachedPageView(PageView):
    page_cache = cache.per_path(60)


class DeferredView(PageView):
    b_later = Panel(in_session, defer=True, cache=cache.per_session(60))


urlpatterns = [
    path("page/", PageView.as_view()),
    path("cached/", CachedPageView.as_view()),
    path("deferred/", DeferredView.as_view()),
    path("layouts/", include("layouts_cbv.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def on(settings):
    settings.MIDDLEWARE = MIDDLEWARE
    settings.LAYOUTS_CBV = {"BADGES": True}


def labels(response):
    """Return {panel: (state, hole)} as the page's badges tell it."""
    found = re.findall(
        r'class="layouts-badge" data-panel="(\w+)" data-state="(\w+)" data-hole="(\w+)"',
        response.content.decode(),
    )
    return {name: (state, hole == "true") for name, state, hole in found}


def page_line(response):
    return re.search(r'data-served="([^"]+)"', response.content.decode()).group(1)


def test_off_by_default_the_page_has_no_marks_and_no_badges(settings):
    settings.MIDDLEWARE = MIDDLEWARE  # installed, but the setting is off
    body = Client().get("/page/").content.decode()
    assert "layouts_cbv:badge" not in body and "layouts-badge" not in body
    assert "<nav><ul>nav</ul></nav>" in body  # exactly as without badges


def test_each_panel_wears_its_state_time_and_key(on):
    client = Client()
    first = client.get("/page/")
    assert labels(first) == {"b_nav": ("miss", False), "b_mine": ("miss", False)}
    assert page_line(first) == badges.RENDERED
    body = first.content.decode()
    assert "<code>layouts:panel:b_nav</code>" in body
    assert "<code>layouts:panel:b_mine:anonymous</code>" in body
    assert 'href="/static/layouts_cbv/badges.css"' in body
    second = client.get("/page/")
    assert labels(second) == {"b_nav": ("hit", False), "b_mine": ("hit", False)}
    assert page_line(second) == badges.ASSEMBLED
    assert re.search(r'data-panel="b_nav"[^>]*data-age="\d+(\.\d)?"', second.content.decode())


def test_a_panel_in_the_head_is_not_labelled(on):
    body = Client().get("/page/").content.decode()
    assert "<title>Title panel</title>" in body


def test_a_stored_page_is_labelled_for_each_request_not_for_the_one_that_built_it(on):
    alice, bob = Client(), Client()
    alice.force_login(UserFactory(username="alice"))
    bob.force_login(UserFactory(username="bob"))
    built = alice.get("/cached/")
    assert labels(built) == {"b_nav": ("miss", False), "b_mine": ("miss", False)}
    served = bob.get("/cached/")
    assert page_line(served) == badges.PAGE_HIT
    assert labels(served) == {"b_nav": ("baked", False), "b_mine": ("miss", True)}
    assert "yours, bob" in served.content.decode()
    # The stored page (pickled by the local-memory cache) holds the marks, no badge.
    [stored] = [value for key, value in caches["default"]._cache.items() if ":layouts:page:" in key]
    assert b"<!--layouts_cbv:badge:b_nav-->" in stored and b"layouts-badge" not in stored
    assert "ETag" not in served  # a validator would keep one request's badges for the next


def test_a_session_key_never_shows_in_a_badge(on):
    client = Client()
    client.get("/page/")
    session = client.session
    session["basket"] = 1
    session.save()
    page = client.get("/deferred/")
    assert labels(page)["b_later"] == ("deferred", False)
    url = re.search(r'data-layouts-deferred="([^"]+)"', page.content.decode()).group(1)
    fetched = client.get(url.replace("&amp;", "&"))
    body = fetched.content.decode()
    assert labels(fetched) == {"b_later": ("miss", False)}  # the deferred panel's own badge
    assert "<code>layouts:panel:b_later:&lt;session&gt;</code>" in body
    assert session.session_key not in body
