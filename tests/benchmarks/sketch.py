"""The floor for an assembled page: the least code that caches panels in one read.

A "sketch" is what a team would write by hand instead of a library: build the keys of
the page's panels, read them with one ``get_many``, render and ``set_many`` what is
missing, render the layout with the panels' HTML. It has none of layouts_cbv's
guarantees (no leak guard, no CSRF placeholders, no single flight, no invalidation of
every variant, no render queues): the benchmarks use it to tell what those cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.views.generic import TemplateView


@dataclass(frozen=True)
class SketchPanel:
    template: str
    context: dict[str, Any]
    per_user: bool = False


def panels_html(request: HttpRequest, panels: dict[str, SketchPanel]) -> dict[str, str]:
    """Return the HTML of every panel: one ``get_many``, one ``set_many`` for the misses."""
    cache = caches["default"]
    keys = {
        name: f"sketch:{name}:{request.user.pk}" if panel.per_user else f"sketch:{name}"
        for name, panel in panels.items()
    }
    found = cache.get_many(keys.values())
    panels_by_name, missing = {}, {}
    for name, key in keys.items():
        if key not in found:
            panel = panels[name]
            html = render_to_string(panel.template, panel.context, request)
            # Stored as a plain str: a SafeString pickles with its class and loads slower.
            found[key] = missing[key] = str.__str__(html)
        panels_by_name[name] = mark_safe(found[key])
    if missing:
        cache.set_many(missing, 600)
    return panels_by_name


def sketch_view(panels: dict[str, SketchPanel], layout: str, content: str, context: dict):
    """Return a function view that serves ``layout`` around ``content`` and ``panels``."""

    def view(request: HttpRequest) -> HttpResponse:
        page = {"panels": panels_html(request, panels), **context}
        page["content"] = mark_safe(render_to_string(content, context, request))
        return render(request, layout, page)

    return view


class SketchView(TemplateView):
    """The same as a class-based view: the panels come with the context."""

    panels: dict[str, SketchPanel] = {}
    content: str = ""

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["panels"] = panels_html(self.request, self.panels)
        context["content"] = mark_safe(render_to_string(self.content, context, self.request))
        return context
