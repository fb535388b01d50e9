"""Pins: the pipeline watches everything that builds a stored page, and only then.

An async handler is watched as a sync one is; what the hooks the pipeline calls
before the handler read (``get_layout_context()``, ``get_panels()``) counts for the
page; with ``CACHE_ENABLED`` off a page is neither stored nor given the headers of a
cacheable page.
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache

from .integrity.common import EVERY_PANEL, body, logged_in

builds = []


class Page(LayoutMixin, TemplateView):
    layout_template = EVERY_PANEL
    template_name = "integrity/marker.html"
    page_cache = cache.per_path(60)
    nav = Panel(literal="<nav>shared nav</nav>", cache=cache.sitewide(60))

    def get_context_data(self, **kwargs):
        builds.append(type(self).__name__)
        return super().get_context_data(**kwargs)


class Bare(Page):
    nav = None  # no cached panel: nothing but the page cache could store anything


class AsyncReadsACookie(Page):
    async def get(self, request, *args, **kwargs):
        builds.append("async")
        flavour = request.COOKIES.get("flavour", "none")
        return self.render_to_response({"marker": f"[{flavour}]"})


class GreetsInLayoutContext(Page):
    layout_template = "integrity/layout_greeting.html"

    def get_layout_context(self):
        return {"greeting": self.request.user.username or "anonymous"}


class ToolsForStaff(Page):
    def get_panels(self):
        panels = super().get_panels()
        if self.request.user.is_staff:
            panels["tools"] = Panel(literal="<p>STAFF-TOOLS</p>", cache=cache.sitewide(60))
        return panels


urlpatterns = [
    path("page/", Page.as_view()),
    path("bare/", Bare.as_view()),
    path("async-cookie/", AsyncReadsACookie.as_view()),
    path("greets/", GreetsInLayoutContext.as_view()),
    path("tools/", ToolsForStaff.as_view()),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    builds.clear()


def test_an_async_handler_is_watched_like_a_sync_one():
    visitors = {}
    for flavour in ("mint", "vanilla"):
        visitors[flavour] = Client()
        visitors[flavour].cookies["flavour"] = flavour
    for _ in range(2):
        for flavour, client in visitors.items():
            page = body(client.get("/async-cookie/"))
            other = "vanilla" if flavour == "mint" else "mint"
            assert f"[{flavour}]" in page and f"[{other}]" not in page, "another's page"
    assert builds.count("async") == 4  # built for every request, never stored


def test_what_get_layout_context_reads_counts_for_the_page():
    alice, bob = logged_in("alice"), logged_in("bob")
    for _ in range(2):
        assert "<header>[alice]</header>" in body(alice.get("/greets/"))
        bobs = body(bob.get("/greets/"))
        assert "<header>[bob]</header>" in bobs and "alice" not in bobs
    assert len(builds) == 4


def test_what_get_panels_reads_counts_for_the_page():
    staff = logged_in(User.objects.create_user("sam", is_staff=True))
    assert "STAFF-TOOLS" in body(staff.get("/tools/"))
    for visitor in (logged_in("bob"), Client()):
        assert "STAFF-TOOLS" not in body(visitor.get("/tools/")), "a staff page was served"
    assert len(builds) == 3


@pytest.mark.parametrize("url", ["/page/", "/bare/"])
def test_with_the_cache_disabled_a_page_is_neither_stored_nor_told_cacheable(settings, url):
    settings.LAYOUTS_CBV = {"CACHE_ENABLED": False}
    client = Client()
    for _ in range(2):
        response = client.get(url)
        assert response.status_code == 200
        assert "ETag" not in response and "Age" not in response
        assert "max-age" not in response.get("Cache-Control", "")
    assert len(builds) == 2
