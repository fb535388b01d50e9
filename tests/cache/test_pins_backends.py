"""Pins: strategies refuse bad arguments where declared, and vary exactly as documented."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.testapp.layouts import EveryPanelLayout


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"jitter": True}, TypeError),
        ({"jitter": 1}, ValueError),
        ({"jitter": 1.0}, ValueError),
        ({"jitter": -0.1}, ValueError),
        ({"invalidate_on": [dict]}, TypeError),
        ({"invalidate_on": "sandbox.blog.Article"}, TypeError),
        ({"stale_ttl": True}, TypeError),
        ({"backend": b"default"}, TypeError),
    ],
)
def test_bad_arguments_fail_where_the_strategy_is_declared(kwargs, error):
    with pytest.raises(error):
        cache.sitewide(60, **kwargs)


@pytest.mark.parametrize("varies_on", ["user", "path"])
def test_custom_varies_on_must_be_a_set_of_names_not_a_string(varies_on):
    with pytest.raises(TypeError, match="varies_on"):
        cache.custom(lambda r: "x", 60, varies_on=varies_on)


def test_edge_values_that_are_valid():
    assert cache.sitewide(60, jitter=0.99).jitter == 0.99
    assert cache.sitewide(0, stale_ttl=0).stale_ttl == 0
    assert cache.sitewide(60, early_refresh=True).early_refresh is True


def request(path="/about/"):
    req = RequestFactory().get(path)
    req.user = AnonymousUser()
    return req


def test_per_path_keys_leave_the_query_string_out():
    assert cache.per_path(60).make_key("nav", request("/about/?a=1")) == "layouts:panel:nav:/about/"
    key = cache.per_user_per_path(60).make_key("nav", request("/about/?a=1"))
    assert key == "layouts:panel:nav:anonymous:/about/"


def test_a_custom_vary_that_is_not_a_string_is_made_one():
    assert cache.custom(lambda r: 5, 60).make_key("nav", request()) == "layouts:panel:nav:5"


# A sitewide page: one stored page for every path, so a per-path panel is a hole.
def where(request):
    return f"<p>panel for {request.path}</p>"


class SitewidePage(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/content.html"
    extra_context = {"title": "Sitewide page"}
    page_cache = cache.sitewide(60)
    where = Panel(where, cache=cache.per_path(60))


urlpatterns = [path("one/", SitewidePage.as_view()), path("two/", SitewidePage.as_view())]


@pytest.mark.urls(__name__)
def test_a_per_path_panel_on_a_sitewide_page_shows_each_path_its_own():
    client = Client()
    for _ in range(2):
        for page in ("/one/", "/two/"):
            body = client.get(page).content.decode()
            other = "/two/" if page == "/one/" else "/one/"
            assert f"panel for {page}" in body and f"panel for {other}" not in body
