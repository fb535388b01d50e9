"""Render queues through a whole page: order, deduplication, escaping, custom templates."""

import re

import pytest
from django.utils.safestring import mark_safe

from layouts_cbv import Layout, Panel
from layouts_cbv.exceptions import PanelRenderError, QueueNotDeclared
from layouts_cbv.queues import RenderQueue, add_script, add_style, add_to_queue, get_collector
from tests.testapp.views import PageView
from tests.utils import render, text


def scripts_of(body):
    return re.findall(r"<script[^>]*></script>", body)


def test_content_then_panels_in_declaration_order_then_deduplicated(client):
    body = text(client.get("/page/"))
    assert scripts_of(body) == [
        '<script src="/static/content.js"></script>',
        '<script src="/static/nav.js"></script>',
    ]
    # renderstyles sits in <head>, above the nav panel that added the style.
    assert '<head><link rel="stylesheet" href="/static/nav.css"></head>' in body


def test_items_from_several_panels_are_deduplicated_in_first_seen_order():
    def one(request):
        add_script(request, "/shared.js")
        add_script(request, "/one.js")
        return "one"

    def two(request):
        add_script(request, "/two.js")
        add_script(request, "/shared.js")
        return "two"

    View = type("View", (PageView,), {"promo": Panel(one), "sidebar": Panel(two)})
    body = text(render(View))
    assert scripts_of(body) == [
        '<script src="/static/content.js"></script>',
        '<script src="/static/nav.js"></script>',
        '<script src="/shared.js"></script>',
        '<script src="/one.js"></script>',
        '<script src="/two.js"></script>',
    ]


def test_inline_items_deduplicate_ignoring_surrounding_whitespace(rf):
    request = rf.get("/")
    add_script(request, inline="console.log(1)")
    add_script(request, inline="\n  console.log(1)  \n")
    add_style(request, inline="p{}")
    add_style(request, inline=" p{} ")
    collector = get_collector(request)
    assert [s.__html__() for s in collector.items("scripts")] == ["<script>console.log(1)</script>"]
    assert [s.__html__() for s in collector.items("styles")] == ["<style>p{}</style>"]


def test_attribute_values_are_escaped(rf):
    request = rf.get("/")
    add_script(request, '"><script>alert(1)</script>')
    add_style(request, "/a.css", media='"onload="x')
    html = RenderQueue().render(
        get_collector(request).items("scripts") + get_collector(request).items("styles")
    )
    assert "<script>alert(1)" not in html
    assert "&quot;&gt;&lt;script&gt;" in html
    assert 'media="&quot;onload=&quot;x"' in html


def test_plain_strings_in_custom_queues_are_escaped_safe_strings_are_not(rf):
    request = rf.get("/")
    add_to_queue(request, "extra", "<b>user text</b>")
    add_to_queue(request, "extra", mark_safe("<i>trusted</i>"))
    html = RenderQueue().render(get_collector(request).items("extra"))
    assert html == "&lt;b&gt;user text&lt;/b&gt;\n<i>trusted</i>"


def test_render_queue_with_template():
    class MetaLayout(Layout):
        abstract = True
        template = "testapp/layout.html"
        head_extras = RenderQueue(template="testapp/meta_queue.html")

    def meta(request):
        add_to_queue(request, "head_extras", {"name": "robots", "content": "noindex"})
        add_to_queue(request, "head_extras", {"name": "robots", "content": "noindex"})
        return "meta"

    View = type("View", (PageView,), {"layout": MetaLayout, "sidebar": Panel(meta)})
    body = text(render(View))
    assert body.count('<meta name="robots" content="noindex">') == 1


@pytest.mark.parametrize(
    ("call", "kwargs"),
    [
        (add_script, {}),
        (add_script, {"src": "a", "inline": "b"}),
        (add_style, {}),
        (add_style, {"href": "a", "inline": "b"}),
    ],
)
def test_either_src_or_inline(rf, call, kwargs):
    with pytest.raises(ValueError, match="not both or neither"):
        call(rf.get("/"), **kwargs)


def test_render_queue_template_must_be_a_name():
    with pytest.raises(TypeError):
        RenderQueue(template=3)


class WrappedLayout(Layout):
    abstract = True  # keep it out of the registry
    template = "testapp/layout.html"
    head_extras = RenderQueue(template="testapp/wrapped_queue.html")


def test_an_empty_queue_renders_nothing_not_even_its_template():
    View = type("View", (PageView,), {"layout": WrappedLayout})
    assert "queue-wrapper" not in text(render(View))

    def meta(request):
        add_to_queue(request, "head_extras", mark_safe('<meta name="x">'))
        return "meta"

    Filled = type("Filled", (View,), {"sidebar": Panel(meta)})
    assert '<div class="queue-wrapper"><meta name="x"></div>' in text(render(Filled))


def render_with_head_queue(template, *styles):
    """Render a page whose head_extras queue has ``template``; its panel queues a meta
    tag there, and ``styles``."""

    # A layout of its own per template: layouts are registered by class name.
    HeadLayout = type(
        f"HeadLayout_{template.replace('/', '_').replace('.', '_')}",
        (Layout,),
        {
            "abstract": True,
            "template": "testapp/layout.html",
            "head_extras": RenderQueue(template=template),
        },
    )

    def meta(request):
        add_to_queue(request, "head_extras", mark_safe('<meta name="x">'))
        for href in styles:
            add_style(request, href)
        return "meta"

    return text(render(type("View", (PageView,), {"layout": HeadLayout, "sidebar": Panel(meta)})))


def test_a_queue_whose_template_renders_another_queue_gets_it_filled():
    # The queue's template runs while markers are filled: its {% renderstyles %} leaves
    # a marker there too, which must be filled like the page's own.
    body = render_with_head_queue("testapp/styled_queue.html", "/box.css")
    assert "<!--layouts_cbv:queue:" not in body
    assert (
        '<div class="queue-wrapper"><meta name="x"><link rel="stylesheet" href="/box.css">' in body
    )


def test_a_queue_whose_template_renders_itself_renders_once():
    body = render_with_head_queue("testapp/self_queue.html")
    assert "<!--layouts_cbv:queue:" not in body
    assert body.count('<meta name="x">') == 1


class DefaultMeta(RenderQueue):
    """A queue of its own making: a default when no panel added anything."""

    def render(self, items, request=None):
        return super().render(items, request) or mark_safe('<meta name="robots" content="all">')


class DefaultMetaLayout(Layout):
    abstract = True
    template = "testapp/layout.html"
    head_extras = DefaultMeta()


def test_a_queue_with_its_own_render_is_asked_even_when_empty():
    View = type("View", (PageView,), {"layout": DefaultMetaLayout})
    assert '<meta name="robots" content="all">' in text(render(View))


def test_text_that_looks_like_a_broken_marker_leaves_the_markers_after_it_working():
    # Not a marker (a space in the name), above {% renderscripts %} in the layout.
    broken = "<!--layouts_cbv:queue:not a name-->"
    View = type("View", (PageView,), {"sidebar": Panel(literal=f"<p>{broken}</p>")})
    body = text(render(View))
    assert f"<p>{broken}</p>" in body
    assert '<script src="/static/nav.js"></script>' in body
    assert "<!--layouts_cbv:queue:scripts-->" not in body


def test_empty_queue_with_a_template_renders_nothing_outside_a_layout(rf):
    assert RenderQueue(template="testapp/wrapped_queue.html").render([], rf.get("/")) == ""


DECLARED = "its queues are 'head_extras', 'scripts', 'styles'. Did you mean 'head_extras'?"


def test_a_panel_adding_to_an_undeclared_queue_fails_naming_the_declared_ones(settings):
    settings.LAYOUTS_CBV = {"DEBUG_ERRORS": True}

    def typo(request):
        add_to_queue(request, "head_extra", "x")
        return "never shown"

    View = type("View", (PageView,), {"layout": WrappedLayout, "sidebar": Panel(typo)})
    with pytest.raises(PanelRenderError) as raised:
        render(View)
    cause = raised.value.__cause__
    assert isinstance(cause, QueueNotDeclared)
    assert str(cause) == (
        "Render queue 'head_extra' is not declared on layout "
        f"'{__name__}.WrappedLayout'; {DECLARED}"
    )


def test_a_panel_adding_to_an_undeclared_queue_is_an_isolated_panel_error():
    def typo(request):
        add_to_queue(request, "head_extra", "x")
        return "never shown"

    View = type("View", (PageView,), {"layout": WrappedLayout, "sidebar": Panel(typo)})
    body = text(render(View))
    assert "never shown" not in body and "<h1>Page</h1>" in body


def test_a_view_adding_to_an_undeclared_queue_before_rendering_fails_when_it_renders():
    class View(PageView):
        layout = WrappedLayout

        def get(self, request, *args, **kwargs):
            add_to_queue(request, "head_extra", "x")  # the layout is not known yet
            return super().get(request, *args, **kwargs)

    with pytest.raises(QueueNotDeclared, match=re.escape(DECLARED)):
        render(View)


@pytest.mark.parametrize(
    "where",
    [
        {"template_name": "testapp/enqueue_typo.html"},  # {% enqueue %} in the content
        {"layout_template": "testapp/typo_layout.html"},  # {% renderqueue %} in the layout
    ],
    ids=["enqueue", "renderqueue"],
)
def test_an_undeclared_queue_name_in_a_template_raises(where):
    View = type("View", (PageView,), {"layout": WrappedLayout, **where})
    with pytest.raises(QueueNotDeclared, match=re.escape(DECLARED)):
        render(View)


def test_queue_names_are_not_checked_outside_a_layout(rf):
    request = rf.get("/")
    add_to_queue(request, "anything", "x")
    assert get_collector(request).items("anything") == ["x"]
