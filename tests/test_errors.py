"""Error isolation: a failing panel never takes the page down, unless DEBUG_ERRORS says so."""

import logging
import traceback

import pytest
from django.http import HttpResponse, HttpResponseRedirect
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.urls import NoReverseMatch

from layouts_cbv import Panel, cache, errors
from layouts_cbv.exceptions import PanelRenderError
from layouts_cbv.queues import add_script
from tests.testapp.layouts import SiteLayout
from tests.testapp.views import PageView
from tests.utils import render, text


@pytest.fixture(autouse=True)
def _forget_logged():
    errors._logged.clear()


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


BROKEN_ERROR_TEMPLATES = [
    ("testapp/no_such_error_template.html", TemplateDoesNotExist),
    ("testapp/error_bad_url.html", NoReverseMatch),  # raises while it renders
    ("testapp/error_bad_syntax.html", TemplateSyntaxError),
]


def with_error_template(name):
    return type("BrokenErrors", (SiteLayout,), {"abstract": True, "error_template": name})


def failures(caplog):
    return [r for r in caplog.records if r.name == "layouts_cbv" and r.levelno == logging.ERROR]


@pytest.mark.parametrize(("error_template", "raised"), BROKEN_ERROR_TEMPLATES)
def test_a_broken_error_template_leaves_the_panel_slot_empty(caplog, error_template, raised):
    View = view_with(layout=with_error_template(error_template), sidebar=Panel(boom))
    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        bodies = [text(render(View)) for _ in range(2)]
    for body in bodies:
        assert '<aside id="sidebar">no sidebar</aside>' in body  # the {% panel %} fallback
        assert "<h1>Page</h1>" in body and "promo</div>" in body
        assert "hunter2" not in body
    panel_failures, template_failures = [], []
    for record in failures(caplog):
        is_panel = record.exc_info[0] is RuntimeError
        (panel_failures if is_panel else template_failures).append(record)
    assert len(panel_failures) == 2  # every failure of the panel itself is logged
    [record] = template_failures  # the broken template once per panel per process
    assert record.exc_info[0] is raised and record.exc_info[2] is not None
    assert record.getMessage().startswith(
        f"The error template {error_template!r} failed to render for panel 'sidebar' "
        f"({raised.__name__}: "
    )
    assert record.getMessage().endswith(
        "; the panel's place is left empty. Logged once per panel per process."
    )


def test_each_panel_with_a_broken_error_template_is_logged():
    View = view_with(
        layout=with_error_template("testapp/no_such_error_template.html"),
        sidebar=Panel(boom),
        promo=Panel(async_boom),
    )
    body = text(render(View))
    assert "<aside>no promo</aside>" in body and "no sidebar" in body
    assert errors._logged == {
        ("sidebar", "testapp/no_such_error_template.html"),
        ("promo", "testapp/no_such_error_template.html"),
    }


@pytest.mark.parametrize(("error_template", "raised"), BROKEN_ERROR_TEMPLATES)
def test_debug_errors_raises_the_panel_error_not_the_template_one(settings, error_template, raised):
    settings.LAYOUTS_CBV = {"DEBUG_ERRORS": True}
    View = view_with(layout=with_error_template(error_template), sidebar=Panel(boom))
    with pytest.raises(PanelRenderError, match="'sidebar' failed to render: database") as info:
        render(View)
    assert isinstance(info.value.__cause__, RuntimeError)


built = []


class CachedPage(PageView):
    page_cache = cache.per_path(600)
    nav = Panel(literal="<p>baked nav</p>", cache=cache.sitewide(600))
    sidebar = Panel(boom)  # uncached: a hole of the stored page, rendered on every serve

    def get_context_data(self, **kwargs):
        built.append(self.request.path)
        return super().get_context_data(**kwargs)


@pytest.mark.parametrize(("error_template", "raised"), BROKEN_ERROR_TEMPLATES)
def test_a_hole_of_a_cached_page_with_a_broken_error_template(caplog, error_template, raised):
    View = type("BrokenErrorsPage", (CachedPage,), {"layout": with_error_template(error_template)})
    built.clear()
    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        responses = [render(View, "/cached/") for _ in range(3)]
    assert built == ["/cached/"]  # stored once, then served from the page cache
    for response in responses:
        assert response.status_code == 200
        body = text(response)
        assert '<aside id="sidebar">no sidebar</aside>' in body
        assert "<p>baked nav</p>" in body and "<h1>Page</h1>" in body
    assert [r.exc_info[0] for r in failures(caplog)] == [RuntimeError, raised] + [RuntimeError] * 2


def test_a_hole_of_a_cached_page_with_a_working_error_template():
    built.clear()
    bodies = [text(render(CachedPage, "/cached/")) for _ in range(2)]
    assert built == ["/cached/"]
    for body in bodies:
        assert '<aside id="sidebar"><div class="layouts-panel-error" data-panel="sidebar">' in body
