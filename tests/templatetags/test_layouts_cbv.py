"""The template tags, table-driven: (template, context, expected)."""

import pytest
from django.template import Context, RequestContext, Template, TemplateSyntaxError
from django.utils.safestring import mark_safe

from layouts_cbv.assembly import PANELS_KEY


def render(source, context=None, request=None):
    template = Template("{% load layouts_cbv %}" + source)
    if request is None:
        return template.render(Context(context or {}))
    return template.render(RequestContext(request, context or {}))


@pytest.mark.parametrize(
    ("source", "panels", "expected"),
    [
        (
            '{% panel "nav" %}fallback{% endpanel %}',
            {"nav": mark_safe("<nav>x</nav>")},
            "<nav>x</nav>",
        ),
        ('{% panel "nav" %}fallback{% endpanel %}', {}, "fallback"),
        ('{% panel "nav" %}fallback{% endpanel %}', {"nav": mark_safe("  \n ")}, "fallback"),
        ("{% panel name %}fb{% endpanel %}", {"side": mark_safe("S")}, "S"),
        ('{% panel "nav" %}{{ who }}{% endpanel %}', {}, "ctx"),
    ],
)
def test_panel_tag(source, panels, expected):
    assert render(source, {PANELS_KEY: panels, "name": "side", "who": "ctx"}) == expected


def test_panel_tag_outside_a_layout_shows_its_fallback():
    # No panels in the context: a template rendered on its own, or the view's content.
    assert render('{% panel "nav" %}fallback{% endpanel %}') == "fallback"


def test_panel_tag_without_endpanel_is_a_syntax_error():
    with pytest.raises(TemplateSyntaxError):
        render('{% panel "nav" %}')


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('{% addscript "/a.js" %}{% renderscripts %}', '<script src="/a.js"></script>'),
        ('{% addscript "/a.js" async %}{% renderscripts %}', '<script src="/a.js" async></script>'),
        (
            '{% addscript "/a.js" async defer %}{% renderscripts %}',
            '<script src="/a.js" async defer></script>',
        ),
        (
            '{% addscript "/a.js" %}{% addscript "/b.js" %}{% addscript "/a.js" %}{% renderscripts %}',
            '<script src="/a.js"></script>\n<script src="/b.js"></script>',
        ),
        (
            "{% addscript src %}{% renderscripts %}",
            '<script src="/x.js?a=1&amp;b=&quot;2&quot;"></script>',
        ),
        ('{% addstyle "/s.css" %}{% renderstyles %}', '<link rel="stylesheet" href="/s.css">'),
        (
            '{% addstyle "/s.css" "print" %}{% renderstyles %}',
            '<link rel="stylesheet" href="/s.css" media="print">',
        ),
        (
            '{% enqueue "extra" %} <meta name="a"> {% endenqueue %}{% enqueue "extra" %}<meta name="a">{% endenqueue %}'
            '{% renderqueue "extra" %}',
            '<meta name="a">',
        ),
        ('{% renderqueue "nothing" %}', ""),
    ],
)
def test_queue_tags(rf, source, expected):
    assert render(source, {"src": '/x.js?a=1&b="2"'}, request=rf.get("/")) == expected


def test_queue_tags_need_the_request():
    with pytest.raises(TemplateSyntaxError, match="needs the request"):
        render('{% addscript "/a.js" %}')


def test_bad_flag_is_a_syntax_error_when_the_template_loads():
    with pytest.raises(TemplateSyntaxError, match="not sideways"):
        Template('{% load layouts_cbv %}{% addscript "/a.js" sideways %}')
