"""The function views docs/functions.rst shows (tests/testapp/function_views.py) do what it says."""

import pytest
from asgiref.sync import async_to_sync
from django.test import Client

from tests.integrity.common import body, logged_in

pytestmark = pytest.mark.django_db


def test_about_is_its_template_in_the_layout(client):
    text = body(client.get("/fv/about/"))
    assert "<main><h1>About us</h1>" in text
    assert '<ul class="nav">' in text and '<div class="promo">promo</div>' in text


def test_contact_adds_a_sidebar_drops_the_promo_and_keeps_its_render(client):
    text = body(client.get("/fv/contact/"))
    assert "<main><h1>Contact</h1>" in text
    assert '<aside id="sidebar">' in text and "no sidebar" not in text
    assert "no promo" in text  # the promo's fallback: the panel is removed


def test_news_is_an_async_view(async_client):
    text = body(async_to_sync(async_client.get)("/fv/news/"))
    assert "<main><ul><li>Function views join the layout</li></ul>" in text


def test_members_is_checked_before_its_stored_page_is_served(settings):
    settings.LAYOUTS_CBV = {"SERVER_TIMING": True}
    member = logged_in("alice")
    assert "<h1>Members</h1>" in body(member.get("/fv/members/"))
    assert 'page;desc="hit"' in member.get("/fv/members/")["Server-Timing"]
    response = Client().get("/fv/members/")
    assert response.status_code == 302 and "Members" not in body(response)


def test_search_renders_with_layout_queue_and_a_panel_only_panel(client):
    text = body(client.get("/fv/search/?q=tea"))
    assert "<main><h1>Results for tea</h1>" in text
    assert '<meta name="robots" content="noindex">' in text
    assert '<p class="basket">Your basket, after searching for tea</p>' in text
    assert client.get("/fv/basket/").status_code == 403
