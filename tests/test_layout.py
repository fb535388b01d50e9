"""The Layout base class and the layout registry."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from layouts_cbv import Layout, Panel
from layouts_cbv.layout import get_layout, label_of
from layouts_cbv.layout import registry as layouts
from layouts_cbv.queues import RenderQueue, ScriptQueue, StyleQueue
from tests.testapp.layouts import BaseLayout, SiteLayout


def test_concrete_layout_without_template_names_the_class():
    with pytest.raises(TypeError, match=r"NoTemplate must set 'template'"):

        class NoTemplate(Layout):
            pass


def test_abstract_layout_needs_no_template_and_is_not_registered():
    class Base(Layout):
        abstract = True

    assert Base not in layouts.all()


def test_subclass_of_abstract_layout_must_set_template():
    with pytest.raises(TypeError, match="must set 'template'"):

        class Child(BaseLayout):
            pass


def test_panels_and_queues_are_inherited_subclass_wins():
    assert list(SiteLayout.panels) == ["nav", "promo", "footer"]
    assert set(SiteLayout.queues) == {"scripts", "styles", "head_extras"}
    assert isinstance(SiteLayout.queues["scripts"], ScriptQueue)
    assert isinstance(SiteLayout.queues["styles"], StyleQueue)

    class Child(SiteLayout):
        abstract = True
        promo = Panel(literal="other")
        footer = None
        head_extras = RenderQueue(template="x.html")

    assert Child.panels["promo"].source.html == "other"
    assert "footer" not in Child.panels
    assert Child.queues["head_extras"].template == "x.html"


def test_registered_under_app_label_and_class_name():
    assert label_of(SiteLayout) == "testapp.SiteLayout"
    assert get_layout("testapp.SiteLayout") is SiteLayout
    assert get_layout(SiteLayout) is SiteLayout


def test_layout_outside_an_installed_app_is_labelled_by_module_path():
    class Outside(Layout):
        template = "x.html"

    try:
        assert label_of(Outside) == "tests.test_layout.Outside"
        assert get_layout("tests.test_layout.Outside") is Outside
    finally:
        layouts.remove(Outside)


def test_unknown_label_suggests_close_matches():
    with pytest.raises(ImproperlyConfigured, match=r"Did you mean 'testapp.SiteLayout'"):
        get_layout("testapp.SiteLayot")


def test_hooks_default_to_template_and_empty_context(rf):
    layout = SiteLayout()
    request = rf.get("/")
    assert layout.get_template(request) == "testapp/layout.html"
    assert layout.get_layout_context(request) == {}


def test_get_template_hook_picks_the_template(rf):
    from tests.testapp.views import PageView
    from tests.utils import text

    class Alternative(SiteLayout):
        abstract = True

        def get_template(self, request):
            return "testapp/promo.html" if "alt" in request.GET else self.template

    View = type("View", (PageView,), {"layout": Alternative})
    response = View.as_view()(rf.get("/?alt=1"))
    response.render()
    assert text(response).strip() == '<div class="promo">promo</div>'


def test_bad_template_type_is_refused():
    with pytest.raises(TypeError, match="template name"):

        class Bad(Layout):
            template = 42


def test_same_class_name_in_two_apps_never_overwrites():
    from sandbox.blog.layouts import BlogLayout as Blogs
    from tests.testapp.layouts import BlogLayout as Tests

    assert get_layout("blog.BlogLayout") is Blogs
    assert get_layout("testapp.BlogLayout") is Tests
    assert "blog.BlogLayout" in layouts.by_label() and "testapp.BlogLayout" in layouts.by_label()
