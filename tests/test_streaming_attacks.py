"""Where streamed pages meet the other features: access checks, caches, CSRF, CSP, servers."""

import pytest
from django.test import Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel, cache
from tests.test_streaming import chunks

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


def slow(request):
    return "<p>the slow panel</p>"


def secret(request):
    return "<p>staff only</p>"


class HiddenLayout(Layout):
    template = "streaming/conditional.html"
    slow = Panel(slow, stream=True)
    staff = Panel(secret, stream=True)


class Hidden(LayoutMixin, TemplateView):
    layout = HiddenLayout
    template_name = "streaming/content.html"


class HiddenPaged(Hidden):
    page_cache = cache.per_user_per_path(60)


def title(request):
    return "An <em>article</em> title"


class TitleLayout(Layout):
    template = "streaming/title.html"
    title = Panel(title)
    slow = Panel(slow)


class Titled(LayoutMixin, TemplateView):
    layout = TitleLayout
    template_name = "streaming/content.html"
    stream_panels = True


urlpatterns = [
    path("hidden/", Hidden.as_view()),
    path("titled/", Titled.as_view()),
    path("hidden-paged/", HiddenPaged.as_view()),
]


def body_of(response):
    return "".join(chunks(response)) if response.streaming else response.content.decode()


def test_a_streamed_panel_the_layout_does_not_print_is_never_sent(client):
    response = client.get("/hidden/")
    assert response.streaming
    body = body_of(response)
    assert "<p>the slow panel</p>" in body
    assert "staff only" not in body


def test_a_page_cache_hit_never_sends_a_hole_its_layout_does_not_print(django_user_model, settings):
    settings.LAYOUTS_CBV = {"SERVER_TIMING": True}
    alice = Client()
    alice.force_login(django_user_model.objects.create_user("alice"))
    miss, hit = alice.get("/hidden-paged/"), alice.get("/hidden-paged/")
    for response in (miss, hit):
        body = body_of(response)
        assert "<p>the slow panel</p>" in body and "staff only" not in body
    assert 'page;desc="hit"' in hit["Server-Timing"]


def test_a_streamed_panel_inside_title_or_an_attribute_is_in_the_shell(client):
    response = client.get("/titled/")
    body = body_of(response)
    assert "<title>An <em>article</em> title</title>" in body
    assert 'data-title="An <em>article</em> title"' in body
