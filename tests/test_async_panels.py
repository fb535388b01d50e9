"""Async conditions and async panels that render together, on async pages.

An ``async def`` condition returns a coroutine, which is always true: it must be awaited,
or a staff-only panel shows to everyone. Async panels render together on clones made
before any of them ran: on a visitor's first page each may make a CSRF secret of its
own, and every form on the page must still match the one cookie the response sets.
"""

import asyncio
import re

import pytest
from asgiref.sync import async_to_sync
from django.middleware.csrf import _does_token_match
from django.template import engines
from django.test import AsyncClient, Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel, cache
from tests.integrity.common import logged_in_async, make_user

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


class StreamingLayout(Layout):
    template = "streaming/layout.html"  # prints slow, other, ...


async def async_get(self, request, *args, **kwargs):
    return self.render_to_response(self.get_context_data(**kwargs))


def page(name, **attrs):
    attrs = {"layout": StreamingLayout, "template_name": "streaming/content.html", **attrs}
    return type(name, (LayoutMixin, TemplateView), {"__module__": __name__, **attrs})


def fetch(client, url):
    """Return the response to GET ``url`` and its whole body, streamed or not."""
    if not isinstance(client, AsyncClient):
        response = client.get(url)
        chunks = response.streaming_content if response.streaming else [response.content]
        return response, b"".join(chunks).decode()

    async def go():
        response = await client.get(url)
        if response.streaming:
            return response, "".join([c.decode() async for c in response.streaming_content])
        return response, response.content.decode()

    return async_to_sync(go)()


async def is_staff(request):
    return (await request.auser()).is_staff


def staff_tools(request):
    return "<p>STAFF-TOOLS</p>"


StaffTools = page(
    "StaffTools",
    get=async_get,
    page_cache=cache.per_path(60),
    slow=Panel(staff_tools, stream=True, condition=is_staff),
)
SyncStaffTools = page("SyncStaffTools", slow=Panel(staff_tools, condition=is_staff))


def form(name, delay):
    async def render(request):
        await asyncio.sleep(delay)
        template = engines["django"].from_string(f'<form id="{name}">{{% csrf_token %}}</form>')
        return template.render({}, request)

    return render


Forms = page(
    "Forms",
    get=async_get,
    page_cache=cache.per_path(60),
    slow=Panel(form("a", 0.05)),
    other=Panel(form("b", 0.01)),
)
SyncForms = page("SyncForms", slow=Panel(form("a", 0.05)), other=Panel(form("b", 0.01)))
urlpatterns = [
    path("staff-tools/", StaffTools.as_view()),
    path("sync-staff-tools/", SyncStaffTools.as_view()),
    path("forms/", Forms.as_view()),
    path("sync-forms/", SyncForms.as_view()),
]


@pytest.mark.parametrize("url", ["/staff-tools/", "/sync-staff-tools/"])
def test_an_async_condition_is_awaited(url):
    for visitor in (AsyncClient(), logged_in_async("bob")):
        for _ in range(2):  # cold, then from the caches
            assert "STAFF-TOOLS" not in fetch(visitor, url)[1]
    staff = logged_in_async(make_user("carol", staff=True))
    assert "STAFF-TOOLS" in fetch(staff, url)[1]


@pytest.mark.parametrize("visit", ["cold", "warm"])
@pytest.mark.parametrize("url", ["/forms/", "/sync-forms/"])
def test_every_form_of_async_panels_matches_the_one_csrf_cookie(url, visit):
    if visit == "warm":
        fetch(AsyncClient(), url)  # a page stored, or panels rendered once
    for client in (AsyncClient(), Client()):
        response, body = fetch(client, url)
        cookie = response.cookies["csrftoken"].value  # a first visit: no cookie before
        tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        assert len(tokens) == 2
        assert [_does_token_match(token, cookie) for token in tokens] == [True, True]
