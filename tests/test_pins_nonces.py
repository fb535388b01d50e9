"""Pins: CSP nonces in cached panels (django-csp) are each response's own, and only used ones.

A nonce goes into the ``Content-Security-Policy`` header only when something on the
page used it; a cached panel must neither keep an old nonce nor make one needlessly.
"""

import re

import pytest
from django.shortcuts import render
from django.test import Client
from django.urls import path

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

renders = []
LOOKALIKES = "layouts_cbv:csp-nonce and layouts_cbv:csrf-token"


def scripts(request):
    renders.append("scripts")
    return render(request, "testapp/pins_two_scripts.html", {"text": LOOKALIKES})


def plain(request):
    renders.append("plain")
    return "<p>no script here</p>"


Scripts = type(
    "Scripts",
    (PageView,),
    {"layout": EveryPanelLayout, "scripted": Panel(scripts, cache=cache.sitewide(60))},
)
Plain = type(
    "Plain",
    (PageView,),
    {"layout": EveryPanelLayout, "plain": Panel(plain, cache=cache.sitewide(60))},
)
urlpatterns = [path("scripts/", Scripts.as_view()), path("plain/", Plain.as_view())]
NONCE_ATTR = re.compile(r'<script nonce="([^"]*)">')


@pytest.fixture(autouse=True)
def django_csp(settings):
    from csp.constants import NONCE, SELF

    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "csp.middleware.CSPMiddleware"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    renders.clear()


def header_nonces(response):
    return re.findall(r"'nonce-([^']+)'", response["Content-Security-Policy"])


def test_every_nonce_of_a_cached_panel_is_the_responses_own():
    seen = set()
    for _ in range(3):
        response = Client().get("/scripts/")
        nonces = NONCE_ATTR.findall(response.content.decode())
        assert len(nonces) == 2 and nonces[0] == nonces[1]
        assert header_nonces(response) == [nonces[0]]
        seen.add(nonces[0])
    assert len(seen) == 3 and renders == ["scripts"]


def test_text_that_looks_like_a_placeholder_is_served_as_it_was():
    for _ in range(2):
        assert f"<p>{LOOKALIKES}</p>" in Client().get("/scripts/").content.decode()
    assert renders == ["scripts"]


def test_a_cached_panel_without_a_nonce_adds_none_to_the_header():
    for _ in range(2):
        response = Client().get("/plain/")
        assert header_nonces(response) == []
        assert "csrftoken" not in response.cookies  # nor a CSRF cookie it never needed
    assert renders == ["plain"]
