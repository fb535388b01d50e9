"""The Server-Timing header."""

import re

import pytest
from django.test import Client
from django.urls import path

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

View = type(
    "View",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        "cached": Panel(literal="<p>c</p>", cache=cache.sitewide(60)),
        "plain": Panel(literal="<p>p</p>"),
    },
)
Paged = type(
    "Paged",
    (View,),
    {
        "page_cache": cache.per_path(60),
        "mine": Panel(literal="<p>m</p>", cache=cache.per_user(60)),
        "later": Panel(literal="<p>l</p>", defer=True),
    },
)
urlpatterns = [
    path("view/", View.as_view()),
    path("paged/", Paged.as_view()),
    path("layouts/", __import__("django.urls", fromlist=["include"]).include("layouts_cbv.urls")),
]
pytestmark = pytest.mark.urls(__name__)
ENTRY = re.compile(r'(page|panel-\w+);desc="(\w+)"')


def timings(response):
    return dict(ENTRY.findall(response.get("Server-Timing", "")))


def test_one_entry_per_panel_with_how_it_was_served(settings, client):
    settings.LAYOUTS_CBV = {"SERVER_TIMING": True}
    assert timings(client.get("/view/")) == {"panel-cached": "miss", "panel-plain": "uncached"}
    assert timings(client.get("/view/")) == {"panel-cached": "hit", "panel-plain": "uncached"}


def test_page_cache_hits_name_baked_panels_holes_and_deferred_panels(settings, client):
    settings.LAYOUTS_CBV = {"SERVER_TIMING": True}
    assert timings(client.get("/paged/")) == {
        "page": "miss",
        "panel-cached": "miss",
        "panel-plain": "uncached",
        "panel-mine": "miss",
        "panel-later": "deferred",
    }
    assert timings(client.get("/paged/")) == {
        "page": "hit",
        "panel-cached": "baked",
        "panel-plain": "uncached",  # a hole, rendered for this request
        "panel-mine": "hit",  # a hole, from its own entry
        "panel-later": "deferred",
    }


def test_durations_are_milliseconds(settings, client):
    settings.LAYOUTS_CBV = {"SERVER_TIMING": True}
    header = client.get("/view/")["Server-Timing"]
    assert re.search(r'panel-plain;desc="uncached";dur=\d+\.\d', header)


def test_follows_debug_by_default(settings):
    settings.DEBUG = False
    assert "Server-Timing" not in Client().get("/view/")
    settings.DEBUG = True
    assert "Server-Timing" in Client().get("/view/")
