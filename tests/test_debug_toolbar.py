"""The django-debug-toolbar panel, with the real toolbar installed."""

import re

import pytest
from django.test import Client
from django.urls import path

from layouts_cbv import Panel, cache
from tests.requirements import need_module
from tests.testapp.views import PageView

PANEL_ID = "LayoutsPanel"


def reads_user(request):
    return f"<p>{request.user.is_authenticated}</p>"


View = type(
    "View",
    (PageView,),
    {  # the site layout: the toolbar needs a </body>
        "nav": Panel(literal="<nav>n</nav>", cache=cache.sitewide(60)),
        "sidebar": Panel(reads_user, cache=cache.sitewide(60)),
        "promo": Panel(literal="<p>p</p>"),
        "footer": None,
    },
)
urlpatterns = [path("page/", View.as_view())]  # the toolbar's own URLs join in the fixture


@pytest.fixture
def toolbar(settings):
    need_module("debug_toolbar", "pip install django-debug-toolbar (in the test extras)")
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "debug_toolbar"]
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "debug_toolbar.middleware.DebugToolbarMiddleware"]
    from django.urls import include

    # Imported only now: the toolbar's models need it among INSTALLED_APPS first.
    urlpatterns.append(path("__debug__/", include("debug_toolbar.urls")))
    settings.ROOT_URLCONF = __name__
    settings.DEBUG = True
    settings.LAYOUTS_CBV = {"DEBUG_ERRORS": False}
    settings.DEBUG_TOOLBAR_PANELS = ["layouts_cbv.contrib.debug_toolbar.LayoutsPanel"]
    settings.DEBUG_TOOLBAR_CONFIG = {
        "SHOW_TOOLBAR_CALLBACK": lambda request: True,
        "IS_RUNNING_TESTS": False,
    }
    yield
    urlpatterns.pop()


def panel_content(client, url):
    page = client.get(url).content.decode()
    [request_id] = re.findall(r'data-request-id="([^"]+)"', page)
    answer = client.get(
        "/__debug__/render_panel/", {"request_id": request_id, "panel_id": PANEL_ID}
    )
    return page, answer.json()["content"]


@pytest.mark.django_db
def test_panel_lists_every_layout_panel_and_how_it_was_served(toolbar):
    client = Client()
    page, first = panel_content(client, "/page/")
    assert "Layout panels" in page and "3 panels, 0 from the cache" in page
    assert "<td>nav</td>" in first and "<code>layouts:panel:nav</code>" in first
    assert "SitewideCache(timeout=60)" in first and "<td>miss</td>" in first
    assert "read request.user: not stored; use cache.per_user()" in first
    page, second = panel_content(client, "/page/")
    assert "3 panels, 1 from the cache" in page
    assert "<td>hit</td>" in second


@pytest.mark.django_db
def test_server_timing_keeps_the_panels_entries_beside_the_toolbars(toolbar, settings):
    # The toolbar writes Server-Timing from its own panels' timings, over the header the
    # response had: the layouts panel hands layouts_cbv's entries back.
    settings.LAYOUTS_CBV = {"DEBUG_ERRORS": False, "SERVER_TIMING": True}
    settings.DEBUG_TOOLBAR_PANELS = [
        "debug_toolbar.panels.timer.TimerPanel",
        "layouts_cbv.contrib.debug_toolbar.LayoutsPanel",
    ]
    timing = Client().get("/page/")["Server-Timing"]
    assert 'panel-nav;desc="miss"' in timing and 'panel-promo;desc="uncached"' in timing
    assert "TimerPanel_total_time" in timing
