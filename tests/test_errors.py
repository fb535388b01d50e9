"""Error isolation: a failing panel never takes the page down, unless DEBUG_ERRORS says so."""

import logging
import traceback

import pytest
from django.http import HttpResponse, HttpResponseRedirect

from layouts_cbv import Panel
from layouts_cbv.exceptions import PanelRenderError
from layouts_cbv.queues import add_script
from tests.testapp.views import PageView
from tests.utils import render, text


def boom(request):
    add_script(request, "/from-failed-panel.js")
    raise RuntimeError("database password is hunter2")


async def async_boom(request):
    raise RuntimeError("async failure")


def view_with(**panels):
    return type("View", (PageView,), panels)


def test_failing_panel_renders_error_template_rest_of_page_is_fine(caplog):
    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        response = render(view_with(sidebar=Panel(boom)))
    body = text(response)
    assert response.status_code == 200
    assert '<div class="layouts-panel-error" data-panel="sidebar">' in body
    assert "<h1>Page</h1>" in body and "promo</div>" in body
    assert "hunter2" not in body and "RuntimeError" not in body
    assert "/from-failed-panel.js" not in body  # a failed panel adds nothing to the queues
    [record] = [r for r in caplog.records if r.name == "layouts_cbv"]
    assert record.levelno == logging.ERROR and "'sidebar'" in record.getMessage()
    assert record.exc_info[0] is RuntimeError and record.exc_info[2] is not None


def test_async_panel_failure_is_logged_with_its_traceback(caplog):
    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        body = text(render(view_with(sidebar=Panel(async_boom))))
    assert 'data-panel="sidebar"' in body
    [record] = [r for r in caplog.records if r.name == "layouts_cbv"]
    frames = [frame.name for frame in traceback.extract_tb(record.exc_info[2])]
    assert "async_boom" in frames  # a real traceback, down to the failing function


@pytest.mark.parametrize(
    "response",
    [
        HttpResponse("nope", status=404),
        HttpResponse("err", status=500),
        HttpResponseRedirect("/elsewhere/"),
    ],
)
def test_error_status_and_redirect_are_panel_errors(response):
    body = text(render(view_with(sidebar=Panel(lambda request: response))))
    assert 'data-panel="sidebar"' in body and "nope" not in body


def test_debug_errors_raises_panel_render_error_naming_the_panel(settings):
    settings.LAYOUTS_CBV = {"DEBUG_ERRORS": True}
    with pytest.raises(PanelRenderError, match="'sidebar'") as info:
        render(view_with(sidebar=Panel(boom)))
    assert info.value.panel_name == "sidebar"
    assert isinstance(info.value.__cause__, RuntimeError)


def test_debug_errors_follows_debug_by_default(settings):
    settings.DEBUG = True
    with pytest.raises(PanelRenderError):
        render(view_with(sidebar=Panel(async_boom)))
    settings.DEBUG = False
    assert 'data-panel="sidebar"' in text(render(view_with(sidebar=Panel(async_boom))))


def test_debug_errors_off_overrides_debug(settings):
    settings.DEBUG = True
    settings.LAYOUTS_CBV = {"DEBUG_ERRORS": False}
    assert 'data-panel="sidebar"' in text(render(view_with(sidebar=Panel(boom))))


def test_condition_that_raises_is_logged_and_treated_as_false(caplog):
    def condition(request):
        raise ValueError("bad condition")

    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        body = text(render(view_with(sidebar=Panel(literal="shown", condition=condition))))
    assert "no sidebar" in body and "shown" not in body
    assert any(r.exc_info and r.exc_info[0] is ValueError for r in caplog.records)


def test_layout_error_template_can_be_replaced():
    from tests.testapp.layouts import SiteLayout

    class Friendly(SiteLayout):
        abstract = True
        error_template = "testapp/promo.html"

    body = text(render(view_with(layout=Friendly, sidebar=Panel(boom))))
    assert '<aside id="sidebar"><div class="promo">promo</div>' in body
