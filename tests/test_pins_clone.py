"""Pins: each panel renders on a GET clone of its own, and the page's headers tell what
its panels depend on.

A panel of a POST page sees a GET (its method and its ``META``) and the layout context;
a panel reading the user does not hide the page's own read of it; a part that depends
on a header adds it to ``Vary``, and ``Cookie`` is added to a ``Vary`` the view already
set.
"""

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.backends.cache import SessionStore
from django.test import Client, RequestFactory
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache

from .integrity.common import EVERY_PANEL, body, logged_in

builds = []


def account(request):
    return f"<p>account of {request.user.username or 'anonymous'}</p>"


def method(request):
    return f"<p>{request.method} {request.META['REQUEST_METHOD']}</p>"


class Page(LayoutMixin, TemplateView):
    layout_template = EVERY_PANEL
    template_name = "integrity/build.html"

    def get_context_data(self, **kwargs):
        builds.append(type(self).__name__)
        return {"build": len(builds)}


class UserTwice(Page):
    """A stored page whose layout shows the user, as one of its panels does."""

    layout_template = "integrity/layout_user.html"
    page_cache = cache.per_path(60)
    account = Panel(account)


class Form(Page):
    how = Panel(method)
    section = Panel(lambda request: f"<p>section {request.layout_context['section']}</p>")

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)

    def get_layout_context(self):
        return {"section": "shop"}


class ByCountry(Page):
    country = Panel(lambda request: f"<p>{request.headers.get('X-Country', '')}</p>")


class SetsVary(Page):
    mine = Panel(lambda request: f"<p>mine {request.user.username}</p>", cache=cache.per_user(60))

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response["Vary"] = "Accept-Language"
        return response


urlpatterns = [
    path("user-twice/", UserTwice.as_view()),
    path("form/", Form.as_view()),
    path("country/", ByCountry.as_view()),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    builds.clear()


def vary(response):
    return {part.strip() for part in response["Vary"].split(",")}


def test_a_panel_reading_the_user_does_not_hide_the_pages_own_read_of_it():
    alice, bob = logged_in("alice"), logged_in("bob")
    assert "<header>[alice]</header>" in body(alice.get("/user-twice/"))
    page = body(bob.get("/user-twice/"))
    assert "<header>[bob]</header>" in page and "alice" not in page, "bob got alice's page"
    assert len(builds) == 2


def test_a_panel_of_a_post_page_renders_on_a_get_with_the_layout_context():
    page = body(Client().post("/form/", {"quantity": "3"}))
    assert "<p>GET GET</p>" in page
    assert "<p>section shop</p>" in page


def test_a_panel_that_reads_a_header_adds_it_to_vary():
    response = Client().get("/country/", headers={"X-Country": "FR"})
    assert "<p>FR</p>" in body(response)
    assert "X-Country" in vary(response)


def test_cookie_is_added_to_the_vary_the_view_set():
    # Without SessionMiddleware, which would add Vary: Cookie on its own.
    request = RequestFactory().get("/")
    request.user, request.session = User(pk=1, username="alice"), SessionStore()
    response = SetsVary.as_view()(request)
    response.render()
    assert "mine alice" in body(response)
    assert vary(response) == {"Accept-Language", "Cookie"}
