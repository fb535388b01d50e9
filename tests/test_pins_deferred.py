"""Pins: a deferred panel, fetched from the endpoint, sees the page's request.

Its path, query string and the view's URL arguments are the page's, whatever the
endpoint does to get there; only the HTML the visitor gets is checked.
"""

import html
import re

import pytest
from django.test import Client
from django.urls import include, path, re_path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache

calls = []


def where(request):
    calls.append(request.path)
    context = request.layout_context
    query = ",".join(f"{key}={value}" for key, value in sorted(request.GET.items()))
    return (
        f"<p>path={request.path} query={query} "
        f"args={list(context['args'])} kwargs={dict(context['kwargs'])}</p>"
    )


class Shop(LayoutMixin, TemplateView):
    layout_template = "testapp/shop_layout.html"
    template_name = "testapp/content.html"
    extra_context = {"title": "Shop"}
    cart = Panel(where, defer=True)
    edge = Panel(literal="<p>edge</p>")

    def get_layout_context(self):
        return {"args": self.args, "kwargs": self.kwargs}


class CachedShop(Shop):
    page_cache = cache.per_path(600)


urlpatterns = [
    path("shop/<slug:aisle>/", Shop.as_view()),
    re_path(r"^aisle/(\w+)/(\d+)/$", Shop.as_view()),
    path("cached/<slug:aisle>/", CachedShop.as_view()),
    path("layouts/", include("layouts_cbv.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]
REFERENCE = re.compile(r'data-layouts-deferred="([^"]+)"')


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()


def deferred_html(client, page):
    body = client.get(page).content.decode()
    [url] = REFERENCE.findall(body)
    assert calls == [], "a deferred panel is not rendered with the page"
    response = client.get(html.unescape(url))
    assert response.status_code == 200
    return response.content.decode()


def test_the_panel_sees_the_page_path_query_and_url_kwargs(client):
    body = deferred_html(client, "/shop/fruit/?q=1")
    assert "<p>path=/shop/fruit/ query=q=1 args=[] kwargs={'aisle': 'fruit'}</p>" in body


def test_the_panel_sees_the_page_positional_url_args(client):
    body = deferred_html(client, "/aisle/veg/7/?q=2&sort=up")
    assert "<p>path=/aisle/veg/7/ query=q=2,sort=up args=['veg', '7'] kwargs={}</p>" in body


def test_a_stored_page_refers_its_deferred_panel_to_its_own_path_query_and_kwargs(client):
    expected = "<p>path=/cached/fruit/ query=q=1 args=[] kwargs={'aisle': 'fruit'}</p>"
    assert expected in deferred_html(client, "/cached/fruit/?q=1")
    calls.clear()
    assert expected in deferred_html(Client(), "/cached/fruit/?q=1")  # from the stored page
    calls.clear()
    other = deferred_html(client, "/cached/veg/")
    assert "<p>path=/cached/veg/ query= args=[] kwargs={'aisle': 'veg'}</p>" in other
