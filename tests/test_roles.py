"""Panel views that refuse to be opened directly: ``@panel_only`` and ``PanelOnlyMixin``."""

import re

import pytest
from asgiref.sync import async_to_sync
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, PanelOnlyMixin, panel_only
from tests.testapp.layouts import EveryPanelLayout


@panel_only
def secret(request):
    return HttpResponse(f"<p>secret for {request.layout_role}</p>")


@panel_only
async def async_secret(request):
    return HttpResponse("<p>async secret</p>")


class SecretView(PanelOnlyMixin, TemplateView):
    template_name = "testapp/promo.html"


class SecretLayoutView(PanelOnlyMixin, LayoutMixin, TemplateView):
    """A layout view that is only ever another page's panel."""

    layout = EveryPanelLayout
    template_name = "testapp/content.html"
    extra_context = {"title": "Secret layout view"}


class Page(LayoutMixin, TemplateView):
    layout_template = "testapp/shop_layout.html"
    template_name = "testapp/content.html"
    extra_context = {"title": "Page"}
    a = Panel("secret")
    b = Panel(url_name="async-secret")
    c = Panel("secret-view")
    d = Panel("secret-layout-view")
    cart = Panel("secret", defer=True)


class Everything(Page):
    layout_template = "testapp/every_panel.html"


urlpatterns = [
    path("panels/secret/", secret, name="secret"),
    path("panels/async-secret/", async_secret, name="async-secret"),
    path("panels/secret-view/", SecretView.as_view(), name="secret-view"),
    path("panels/secret-layout-view/", SecretLayoutView.as_view(), name="secret-layout-view"),
    path("page/", Everything.as_view()),
    path("shop/", Page.as_view()),
    path("layouts/", include("layouts_cbv.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

PANEL_URLS = [
    "/panels/secret/",
    "/panels/async-secret/",
    "/panels/secret-view/",
    "/panels/secret-layout-view/",
]


@pytest.mark.parametrize("url", PANEL_URLS)
def test_a_panel_view_opened_directly_is_refused(client, url):
    response = client.get(url)
    assert response.status_code == 403
    assert b"secret" not in response.content and b"promo" not in response.content


@pytest.mark.parametrize("url", PANEL_URLS)
def test_a_panel_view_opened_directly_under_asgi_is_refused(async_client, url):
    assert async_to_sync(async_client.get)(url).status_code == 403


def test_the_same_views_render_as_panels(client):
    response = client.get("/page/")
    text = response.content.decode()
    assert response.status_code == 200
    assert '<section id="a"><p>secret for panel</p></section>' in text
    assert '<section id="b"><p>async secret</p></section>' in text
    assert '<section id="c"><div class="promo">promo</div>' in text
    assert '<section id="d"><h1>Secret layout view</h1>' in text  # its content only
    assert "could not be shown" not in text


def test_a_deferred_panel_view_renders_from_the_panel_endpoint(client):
    text = client.get("/shop/").content.decode()
    url = re.search(r'data-layouts-deferred="([^"]+)"', text).group(1).replace("&amp;", "&")
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode() == "<p>secret for panel</p>"
