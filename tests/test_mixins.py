"""LayoutMixin and LayoutResponse: assembly at render time, panel merging, sync and async."""

import time

import pytest
from asgiref.sync import async_to_sync
from django.core.exceptions import ImproperlyConfigured
from django.views.generic import TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel
from layouts_cbv.exceptions import QueueNotDeclared
from layouts_cbv.response import LayoutResponse
from tests.testapp.layouts import SiteLayout
from tests.testapp.views import PageView
from tests.utils import render, text


def test_page_is_assembled_from_layout_and_content(client):
    body = text(client.get("/page/"))
    assert "<main><h1>Page</h1>" in body
    assert '<ul class="nav"><li>home</li></ul>' in body
    assert '<div class="promo">promo</div>' in body
    assert "<footer>site footer</footer>" in body


def test_response_is_lazy_so_middleware_sees_context_and_template(rf):
    response = PageView.as_view()(rf.get("/"))
    assert isinstance(response, LayoutResponse)
    assert not response.is_rendered
    assert response.template_name == ["testapp/content.html"]
    response.context_data["title"] = "Changed by middleware"
    response.render()
    assert "<h1>Changed by middleware</h1>" in text(response)


def test_test_client_sees_context_and_templates(client):
    response = client.get("/page/")
    assert response.context["title"] == "Page"
    names = [t.name for t in response.templates]
    assert "testapp/content.html" in names and "testapp/layout.html" in names


def test_label_reference_and_view_level_panel(client):
    body = text(client.get("/labelled/"))
    assert "<p>hello panel</p>" in body  # sidebar from the view, greeting CBV on a clone


def test_none_on_view_drops_layout_panel_and_fallback_renders(client):
    body = text(client.get("/no-footer/"))
    assert "site footer" not in body
    assert "<footer>fallback footer</footer>" in body


def test_view_panel_overrides_layout_panel_of_same_name():
    class View(PageView):
        promo = Panel(literal="<b>view promo</b>")

    body = text(render(View))
    assert "<b>view promo</b>" in body and "promo</div>" not in body


def test_view_inheritance_subclass_wins_and_can_drop():
    class Parent(PageView):
        sidebar = Panel(literal="parent sidebar")

    class Child(Parent):
        sidebar = Panel(literal="child sidebar")

    class Dropper(Parent):
        sidebar = None

    assert "parent sidebar" in text(render(Parent))
    assert "child sidebar" in text(render(Child)) and "parent sidebar" not in text(render(Child))
    assert "no sidebar" in text(render(Dropper))


def test_django_none_attributes_are_not_panels():
    class View(PageView):
        sidebar = Panel(literal="side")

    assert "template_name" not in View._view_panels
    assert set(render(View).context_data) >= {"title", "view"}


def test_get_panels_can_be_overridden_per_request():
    class View(PageView):
        def get_panels(self):
            panels = super().get_panels()
            if self.request.GET.get("plain"):
                panels.pop("promo")
            panels["sidebar"] = Panel(literal="chosen at request time")
            return panels

    assert "promo</div>" not in text(render(View, path="/?plain=1"))
    assert "chosen at request time" in text(render(View))


def test_layout_template_without_layout_uses_default_queues():
    class View(LayoutMixin, TemplateView):
        template_name = "testapp/content.html"
        layout_template = "testapp/bare_layout.html"
        extra_context = {"title": "Bare"}
        sidebar = Panel(literal="only mine")

    body = text(render(View))
    assert "only mine" in body and "no promo" in body and "no nav" in body
    assert '<script src="/static/content.js"></script>' in body


def test_layout_template_without_layout_has_no_other_queue():
    class View(LayoutMixin, TemplateView):
        template_name = "testapp/content.html"
        layout_template = "testapp/layout.html"  # {% renderqueue "head_extras" %}
        extra_context = {"title": "Bare"}

    with pytest.raises(QueueNotDeclared, match="its queues are 'scripts', 'styles'"):
        render(View)


def test_missing_layout_names_both_fixes():
    class View(LayoutMixin, TemplateView):
        template_name = "testapp/content.html"

    with pytest.raises(
        ImproperlyConfigured,
        match=r"View requires either 'layout' \(or 'layout_template'\) or an implementation of 'get_layout\(\)'",
    ):
        render(View)


def test_bad_layout_attribute_fails_at_class_creation():
    with pytest.raises(TypeError, match="must be a Layout subclass"):

        class View(LayoutMixin, TemplateView):
            layout = object()


def test_get_layout_context_reaches_layout_template_and_panels():
    class ContextLayout(Layout):
        template = "testapp/bare_layout.html"
        abstract = True  # keep it out of the registry

        def get_layout_context(self, request):
            return {"from_layout": "L"}

    class View(PageView):
        layout = ContextLayout
        sidebar = Panel(
            lambda request: (
                f"{request.layout_context['from_layout']}{request.layout_context['from_view']}{request.layout_context['title']}"
            )
        )

        def get_layout_context(self):
            return {"from_view": "V"}

    assert "LVPage" in text(render(View))


def test_post_page_renders_panels_on_get_clones(client):
    body = text(client.post("/whoami/", {"secret": "1"}))
    assert "role=panel method=GET post={}" in body


def test_main_request_has_main_role(rf):
    request = rf.get("/")
    PageView.as_view()(request).render()
    assert request.layout_role == "main"


def test_layout_context_is_readable_but_frozen():
    def sidebar(request):
        try:
            request.layout_context["title"] = "changed"
        except TypeError:
            return f"frozen, title={request.layout_context['title']}"
        return "mutable"

    View = type("View", (PageView,), {"sidebar": Panel(sidebar)})
    assert "frozen, title=Page" in text(render(View))


def test_sync_page_with_async_panels_under_wsgi_runs_them_concurrently(client):
    started = time.perf_counter()
    body = text(client.get("/slow-sync/"))
    elapsed = time.perf_counter() - started
    assert "<p>slow a</p>" in body and "<p>slow b</p>" in body
    assert elapsed < 0.35, f"two 200 ms async panels took {elapsed:.3f}s"


def test_async_view_under_asgi_runs_async_panels_concurrently(async_client):
    from tests.testapp.views import SLOW_EVENTS

    SLOW_EVENTS.clear()
    response = async_to_sync(async_client.get)("/async/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Async page</h1>" in body and "<p>slow a</p>" in body and "<p>slow b</p>" in body
    # Both were running at once: neither ended before the other started.
    assert [event for event, _ in SLOW_EVENTS[:2]] == ["start", "start"], SLOW_EVENTS


def test_async_view_under_wsgi(client):
    body = text(client.get("/async/"))
    assert "<h1>Async page</h1>" in body and "<p>slow b</p>" in body


def test_sync_view_under_asgi(async_client):
    response = async_to_sync(async_client.get)("/labelled/")
    assert response.status_code == 200
    assert "<p>hello panel</p>" in response.content.decode()


def test_layout_class_used_directly_is_resolved():
    class View(PageView):
        layout = SiteLayout

    assert "promo</div>" in text(render(View))


def test_rendered_response_pickles_for_cache_page(rf):
    import pickle

    response = PageView.as_view()(rf.get("/"))
    response.render()
    restored = pickle.loads(pickle.dumps(response))
    assert restored.content == response.content


def test_djangos_own_none_attributes_never_drop_a_layout_panel():
    class OddLayout(Layout):
        abstract = True
        template = "testapp/every_panel.html"
        model = Panel(literal="<p>model panel</p>")  # a panel named like a Django attribute

    class View(LayoutMixin, TemplateView):  # TemplateView says nothing of model; ListView would
        layout = OddLayout
        template_name = "testapp/content.html"

    from django.views.generic import ListView

    class Listing(LayoutMixin, ListView):  # MultipleObjectMixin sets model = None
        layout = OddLayout
        template_name = "testapp/content.html"
        queryset = []

    class Dropping(Listing):
        model = None  # the project's own None does drop it

    assert "<p>model panel</p>" in text(render(View))
    assert "<p>model panel</p>" in text(render(Listing))
    assert "<p>model panel</p>" not in text(render(Dropping))


def test_as_view_keywords_override_the_views_own_panels():
    from tests.testapp.views import LabelledView

    assert "<p>hello panel</p>" in text(render(LabelledView))
    assert "no sidebar" in text(render(LabelledView, sidebar=None))
    assert "per pattern" in text(render(LabelledView, sidebar=Panel(literal="per pattern")))
    assert "<p>hello panel</p>" in text(render(LabelledView))  # the class is untouched
