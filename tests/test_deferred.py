"""Deferred panels: a placeholder in the page, the panel from a signed endpoint."""

import re
import time

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import include, path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.queues import add_script

calls = []


def cart(request):
    calls.append(request.path)
    add_script(request, "/static/cart.js")
    return f"<p>cart of {request.user.username or 'anonymous'} on {request.path}</p>"


class ShopPage(LayoutMixin, TemplateView):
    layout_template = "testapp/shop_layout.html"
    template_name = "testapp/content.html"
    extra_context = {"title": "Shop"}
    cart = Panel(cart, defer=True)
    edge = Panel(literal="<p>edge</p>", defer="esi")


class CachedShop(ShopPage):
    page_cache = cache.per_path(600)


urlpatterns = [
    path("shop/<slug:aisle>/", ShopPage.as_view()),
    path("cached-shop/", CachedShop.as_view()),
    path("layouts/", include("layouts_cbv.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]
PLACEHOLDER = re.compile(
    r'<div data-layouts-deferred="([^"]+)" hx-get="[^"]+" hx-trigger="load" '
    r'hx-swap="outerHTML"><p>loading the cart</p></div>'
)


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()


def url_in(body):
    return PLACEHOLDER.search(body).group(1).replace("&amp;", "&")


def test_page_shows_the_fallback_in_a_placeholder_and_queues_the_script(client):
    body = client.get("/shop/fruit/").content.decode()
    assert PLACEHOLDER.search(body)
    assert calls == []  # not rendered with the page
    assert '<script src="/static/layouts_cbv/deferred.js" defer></script>' in body


def test_endpoint_renders_with_the_visitors_own_request_on_the_page_path(client):
    client.force_login(User.objects.create_user("alice"))
    url = url_in(client.get("/shop/fruit/?sort=price").content.decode())
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<p>cart of alice on /shop/fruit/</p>" in body
    assert '<script src="/static/cart.js"></script>' in body  # its queue items come along
    assert "private" in response["Cache-Control"]
    other = Client()
    other.force_login(User.objects.create_user("bob"))
    assert "cart of bob" in other.get(url).content.decode()  # a reference is not a login


@pytest.mark.parametrize(
    "tamper", [lambda u: u[:-3] + "abc", lambda u: u.split("?")[0], lambda u: u + "x"]
)
def test_tampered_references_get_400_and_never_render(client, tamper):
    url = url_in(client.get("/shop/fruit/").content.decode())
    response = client.get(tamper(url))
    assert response.status_code == 400 and calls == []


def test_expired_references_get_400(client, settings, monkeypatch):
    settings.LAYOUTS_CBV = {"DEFERRED_MAX_AGE": 60}
    url = url_in(client.get("/shop/fruit/").content.decode())
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 61)
    assert client.get(url).status_code == 400 and calls == []


def test_reference_to_a_panel_that_is_not_deferred_gets_400(client):
    from django.core import signing

    from layouts_cbv import deferred

    token = signing.dumps(
        {
            "view": f"{__name__}.ShopPage",
            "panel": "nope",
            "path": "/shop/x/",
            "query": "",
            "args": [],
            "kwargs": {"aisle": "x"},
        },
        salt=deferred.SALT,
    )
    assert client.get(f"/layouts/panel/?ref={token}").status_code == 400


def test_esi_mode_emits_an_include(client):
    body = client.get("/shop/fruit/").content.decode()
    [src] = re.findall(r'<esi:include src="([^"]+)" />', body)
    assert "<p>edge</p>" in client.get(src.replace("&amp;", "&")).content.decode()


def test_placeholder_is_baked_into_a_cached_page(client):
    first = client.get("/cached-shop/").content.decode()
    second = client.get("/cached-shop/").content.decode()
    assert PLACEHOLDER.search(second) and calls == []
    assert url_in(first) == url_in(second)
    assert "cart of anonymous on /cached-shop/" in client.get(url_in(second)).content.decode()


def form_panel(request):
    from django.shortcuts import render

    return render(request, "testapp/csrf_form.html")


class FormShop(ShopPage):
    cart = Panel(form_panel, defer=True)


urlpatterns.append(path("form-shop/", FormShop.as_view()))


def test_a_form_in_a_deferred_panel_gets_a_token_for_the_visitors_csrf_cookie():
    visitor = Client(enforce_csrf_checks=True)
    page = visitor.get("/form-shop/").content.decode()
    visitor.cookies.clear()  # fetched by a browser that has no CSRF cookie yet
    response = visitor.get(
        re.search(r'data-layouts-deferred="([^"]+)"', page).group(1).replace("&amp;", "&")
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert "csrftoken" in response.cookies and token
    from django.middleware.csrf import _unmask_cipher_token

    assert _unmask_cipher_token(token.group(1)) == response.cookies["csrftoken"].value
