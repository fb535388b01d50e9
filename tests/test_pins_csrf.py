"""Pins: CSRF tokens in stored pages and cached panels are each visitor's own.

Every visitor is a separate ``Client(enforce_csrf_checks=True)`` with a CSRF cookie
of its own; a token only counts when Django's CSRF check accepts it for that cookie.
"""

import re

import pytest
from django.http import HttpResponse
from django.shortcuts import render
from django.test import Client
from django.urls import path
from django.views.decorators.csrf import csrf_protect
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.testapp.layouts import EveryPanelLayout

PLACEHOLDER = "<!--layouts_cbv:csrf-token-->"
LOOKALIKE = "A1b2" * 16  # 64 letters and digits, as a masked token is, but nobody's token
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

calls = []


class FormPage(LayoutMixin, TemplateView):
    """The view's own template has the form; the whole page is cached."""

    layout = EveryPanelLayout
    template_name = "testapp/pins_csrf_content.html"
    page_cache = cache.per_path(60)

    def get_context_data(self, **kwargs):
        calls.append("view")
        return {"title": "Form page"}

    def post(self, request, *args, **kwargs):
        return HttpResponse("accepted")


def two_forms(request):
    calls.append("panel")
    return render(request, "testapp/pins_two_forms.html", {"lookalike": LOOKALIKE})


class TwoFormsPage(LayoutMixin, TemplateView):
    """Two forms in one sitewide cached panel."""

    layout = EveryPanelLayout
    template_name = "testapp/content.html"
    extra_context = {"title": "Two forms"}
    forms = Panel(two_forms, cache=cache.sitewide(60))


@csrf_protect
def submit(request):
    return HttpResponse("accepted")


urlpatterns = [
    path("form/", FormPage.as_view()),
    path("two-forms/", TwoFormsPage.as_view()),
    path("submit/", submit),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()


def visitors(n=2):
    return [Client(enforce_csrf_checks=True) for _ in range(n)]


def test_each_visitor_of_a_stored_page_gets_a_token_that_passes_for_their_cookie():
    tokens = []
    for client in visitors(3):
        page = client.get("/form/")
        html = page.content.decode()
        assert PLACEHOLDER not in html and "layouts_cbv:csrf" not in html
        [token] = TOKEN.findall(html)
        assert "csrftoken" in client.cookies  # the cookie the token belongs to was set
        posted = client.post("/form/", {"csrfmiddlewaretoken": token})
        assert posted.status_code != 403 and posted.content == b"accepted"
        tokens.append(token)
    assert calls.count("view") == 1, "the later visitors should have been page-cache hits"
    assert len(set(tokens)) == 3


def test_two_forms_in_one_cached_panel_both_get_the_visitors_token():
    for client in visitors(2):
        html = client.get("/two-forms/").content.decode()
        assert PLACEHOLDER not in html
        tokens = TOKEN.findall(html)
        assert len(tokens) == 2
        for token in tokens:
            posted = client.post("/submit/", {"csrfmiddlewaretoken": token})
            assert posted.status_code == 200, f"a token of form {tokens.index(token) + 1}"
    assert calls.count("panel") == 1  # the second visitor's panel came from the cache


def test_a_lookalike_that_is_not_a_token_is_left_alone_in_a_cached_panel():
    for client in visitors(3):
        html = client.get("/two-forms/").content.decode()
        assert f'<p id="lookalike">{LOOKALIKE}</p>' in html
    assert calls.count("panel") == 1


# -- Tokens at the edges of what counts as one ----------------------------------------


def bare_token(request):
    from django.middleware.csrf import get_token

    calls.append("bare")
    return get_token(request)  # the whole output is exactly one token


def glued(request):
    from django.middleware.csrf import get_token

    calls.append("glued")
    token = get_token(request)
    return f'<p id="before">Z{token}</p><p id="after">{token}Z</p><p id="text">layouts_cbv:csrf-token</p>'


BareToken = type(
    "BareToken",
    (TwoFormsPage,),
    {"forms": None, "bare": Panel(bare_token, cache=cache.sitewide(60))},
)
Glued = type(
    "Glued",
    (TwoFormsPage,),
    {"forms": None, "glued": Panel(glued, cache=cache.sitewide(60))},
)
urlpatterns += [path("bare/", BareToken.as_view()), path("glued/", Glued.as_view())]
SECTION = re.compile(r'<section id="bare">([^<]*)</section>')


def test_an_output_that_is_exactly_one_token_is_the_visitors_own_token():
    for client in visitors(2):
        [token] = SECTION.findall(client.get("/bare/").content.decode())
        assert len(token) == 64
        assert client.post("/submit/", {"csrfmiddlewaretoken": token}).status_code == 200
    assert calls.count("bare") == 1


def test_a_token_glued_to_other_letters_is_not_a_token_and_is_served_as_rendered():
    first = Client().get("/glued/").content.decode()
    for client in visitors(2):
        assert client.get("/glued/").content.decode() == first
    assert calls.count("glued") == 1
    assert '<p id="text">layouts_cbv:csrf-token</p>' in first
