"""CSP nonces in cached panels get the current request's nonce on every hit."""

import copy
import re

import django
import pytest
from django.test import Client
from django.urls import path

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

renders = []


def inline_script(request):
    from django.shortcuts import render

    renders.append(1)
    return render(request, "testapp/nonce_script.html")


View = type(
    "View",
    (PageView,),
    {"layout": EveryPanelLayout, "scripted": Panel(inline_script, cache=cache.sitewide(60))},
)
urlpatterns = [path("page/", View.as_view())]
NONCE_ATTR = re.compile(r'<script nonce="([^"]*)">')


def header_nonces(response, header):
    return re.findall(r"'nonce-([^']+)'", response.get(header, ""))


def assert_every_page_uses_its_own_nonce(header):
    seen = set()
    for _ in range(3):
        response = Client().get("/page/")
        [nonce] = NONCE_ATTR.findall(response.content.decode())
        assert header_nonces(response, header) == [nonce]
        seen.add(nonce)
    assert len(renders) == 1  # served from the cache after the first
    assert len(seen) == 3


def test_django_csp(settings):
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "csp.middleware.CSPMiddleware"]
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"script-src": ["'self'", "'nonce-placeholder'"]}
    }
    from csp.constants import NONCE, SELF

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    renders.clear()
    assert_every_page_uses_its_own_nonce("Content-Security-Policy")


@pytest.mark.skipif(django.VERSION < (6, 0), reason="Django's own CSP support starts in 6.0")
def test_djangos_own_csp(settings):
    from django.utils.csp import CSP

    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [
        *settings.MIDDLEWARE,
        "django.middleware.csp.ContentSecurityPolicyMiddleware",
    ]
    settings.SECURE_CSP = {"script-src": [CSP.SELF, CSP.NONCE]}
    templates = copy.deepcopy(settings.TEMPLATES)  # a new value, so Django rebuilds the engine
    templates[0]["OPTIONS"]["context_processors"].append("django.template.context_processors.csp")
    settings.TEMPLATES = templates
    renders.clear()
    assert_every_page_uses_its_own_nonce("Content-Security-Policy")


def test_no_csp_middleware_leaves_an_empty_nonce(settings):
    settings.ROOT_URLCONF = __name__
    renders.clear()
    for _ in range(2):
        body = Client().get("/page/").content.decode()
        assert "layouts_cbv" not in body


CachedPageView = type(
    "CachedPageView",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        "page_cache": cache.per_path(60),
        "scripted": Panel(inline_script, cache=cache.sitewide(60)),
    },
)
urlpatterns.append(path("cached-page/", CachedPageView.as_view()))


def test_a_page_holding_a_nonce_never_answers_304(settings):
    # Its body carries this response's nonce, which the policy header names: a 304
    # would keep an earlier body, whose scripts the new policy blocks.
    settings.ROOT_URLCONF = __name__
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "csp.middleware.CSPMiddleware"]
    from csp.constants import NONCE, SELF

    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    client = Client()
    client.get("/cached-page/")  # built and stored
    served = client.get("/cached-page/")
    again = client.get("/cached-page/", headers={"if-none-match": served["ETag"]})
    assert again.status_code == 200
    [nonce] = NONCE_ATTR.findall(again.content.decode())
    assert header_nonces(again, "Content-Security-Policy") == [nonce]
