"""Panel declarations: every source form, context=, condition=, and errors where declared."""

import pytest
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.views import View
from django.views.generic import TemplateView

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text


def page_with(**panels):
    return text(render(type("View", (PageView,), panels)))


def greet(request, name="world"):
    return f"<i>hi {name}</i>"


class Greeting(View):
    def get(self, request, name="world"):
        return HttpResponse(f"<i>cbv {name}</i>")


class Templated(TemplateView):
    template_name = "testapp/greeting.html"


@pytest.mark.parametrize(
    ("panel", "expected"),
    [
        (Panel("testapp:promo"), '<div class="promo">promo</div>'),  # registry name
        (Panel("fragment", context={"slug": "abc"}), "<p>fragment abc GET</p>"),  # URL name
        (Panel(url_name="fragment", context={"slug": "xyz"}), "<p>fragment xyz GET</p>"),
        (Panel(greet), "<i>hi world</i>"),  # callable
        (Panel(greet, context={"name": "ada"}), "<i>hi ada</i>"),  # context= as kwargs
        (Panel(Greeting), "<i>cbv world</i>"),  # class-based view
        (Panel(Greeting, context={"name": "bob"}), "<i>cbv bob</i>"),
        (Panel(Templated), "<p>hello panel</p>"),  # unrendered TemplateResponse
        (Panel(template="testapp/greeting.html"), "<p>hello panel</p>"),
        (Panel(template="testapp/promo.html", context={}), "promo"),
        (Panel(literal="<em>literal</em>"), "<em>literal</em>"),
        (Panel(lambda request: TemplateResponse(request, "testapp/promo.html")), "promo"),
    ],
)
def test_source_forms(panel, expected):
    assert expected in page_with(sidebar=panel)


def test_template_panel_gets_context():
    body = page_with(
        sidebar=Panel(template="testapp/content.html", context={"title": "From context"})
    )
    assert "<h1>From context</h1>" in body


def test_registry_name_wins_over_url_name(settings):
    from layouts_cbv import registry

    registry.register("fragment", template="testapp/promo.html")
    try:
        assert "promo</div>" in page_with(sidebar=Panel("fragment", context={"slug": "a"}))
    finally:
        registry.unregister("fragment")


def test_condition_false_skips_panel_and_shows_fallback():
    body = page_with(
        sidebar=Panel(literal="shown", condition=lambda request: "show" in request.GET)
    )
    assert "no sidebar" in body and "shown" not in body
    assert "shown" in text(
        render(
            type(
                "V",
                (PageView,),
                {"sidebar": Panel(literal="shown", condition=lambda r: "show" in r.GET)},
            ),
            path="/?show=1",
        )
    )


def test_a_panel_whose_condition_is_false_is_not_among_the_layouts_panels():
    # EveryPanelLayout writes a <section> for each entry of the template's ``panels``.
    body = page_with(
        layout=EveryPanelLayout, sidebar=Panel(literal="shown", condition=lambda r: False)
    )
    assert 'id="sidebar"' not in body and "shown" not in body


def test_empty_output_shows_fallback():
    assert "no sidebar" in page_with(sidebar=Panel(lambda request: None))
    assert "no sidebar" in page_with(sidebar=Panel(literal="   "))


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({}, TypeError, "exactly one source"),
        ({"source": "a", "template": "b.html"}, TypeError, "got source, template"),
        ({"template": "b.html", "literal": "x"}, TypeError, "exactly one source"),
        ({"source": 42}, TypeError, "must be a name, a callable or a class-based view"),
        ({"source": dict}, TypeError, "is a class but not a Django View"),
        ({"source": ""}, ValueError, "cannot be empty"),
        ({"template": 3}, TypeError, "template= must be a string"),
        ({"literal": "x", "context": ["a"]}, TypeError, "context= must be a mapping"),
        ({"literal": "x", "cache": 60}, TypeError, "cache= must be a PanelCacheBackend"),
        ({"literal": "x", "condition": True}, TypeError, "condition= must be a callable"),
        ({"literal": "x", "defer": "yes"}, TypeError, "defer= must be True, False or .esi."),
    ],
)
def test_bad_declarations_fail_where_declared(kwargs, error, message):
    with pytest.raises(error, match=message):
        Panel(**kwargs)


def test_cache_strategy_is_accepted():
    panel = Panel(literal="x", cache=cache.sitewide(60))
    assert panel.cache.timeout == 60


def test_content_is_a_reserved_name():
    from layouts_cbv import LayoutMixin

    with pytest.raises(TypeError, match="named 'content'"):

        class View(LayoutMixin, TemplateView):
            content = Panel(literal="x")
