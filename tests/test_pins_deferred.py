"""Pins: a deferred panel, fetched from the endpoint, sees the page's request.

Its path, query string and the view's URL arguments are the page's, whatever the
endpoint does to get there; only the HTML the visitor gets is checked. The endpoint
renders only the page's deferred panels.
"""

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
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


class FullPathShop(Shop):
    cart = Panel(lambda request: f"<p>full={request.get_full_path()}</p>", defer=True)


urlpatterns = [
    path("shop/<slug:aisle>/", Shop.as_view()),
    re_path(r"^aisle/(\w+)/(\d+)/$", Shop.as_view()),
    path("cached/<slug:aisle>/", CachedShop.as_view()),
    path("full/<slug:aisle>/", FullPathShop.as_view()),
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


def test_the_panel_sees_the_page_full_path_not_the_endpoints(client):
    assert "<p>full=/full/fruit/?q=1</p>" in deferred_html(client, "/full/fruit/?q=1")


def test_a_reference_to_a_panel_of_the_page_that_is_not_deferred_gets_400(client):
    [url] = REFERENCE.findall(client.get("/shop/fruit/").content.decode())
    endpoint, query = urlsplit(html.unescape(url))[2:4]
    salt = "layouts_cbv.deferred"
    payload = signing.loads(parse_qs(query)["ref"][0], salt=salt)
    payload["panel"] = "edge"  # on the page, but rendered with it: not for the endpoint
    response = client.get(endpoint, {"ref": signing.dumps(payload, salt=salt, compress=True)})
    assert response.status_code == 400
    assert "<p>edge</p>" not in response.content.decode()
