"""Assemble a page: the content panel, the other panels, the layout template, the queues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from .layout import CONTENT, Layout
from .markers import fill_queues
from .panel import Panel
from .queues import get_collector
from .rendering import PanelOutcome, PanelRenderer

# Template context key the {% panel %} tag reads, safe from clashes with view context.
PANELS_KEY = "_layouts_cbv_panels"


def assemble(
    request: HttpRequest,
    layout: Layout,
    template: str | list[str],
    panels: Mapping[str, Panel],
    content: SafeString,
    layout_context: Mapping[str, Any],
    using: str | None = None,
) -> tuple[SafeString, list[PanelOutcome]]:
    """Render every panel and the layout template around ``content``; fill the queues.

    Return the page and the panels' outcomes, whose headers the response takes on.
    """
    renderer = PanelRenderer(request, layout_context, layout.error_template)
    outcomes = renderer.render_all(panels)
    collector = get_collector(request)
    html_by_name = {CONTENT: content}
    for name, outcome in outcomes.items():
        if not outcome.skipped:
            html_by_name[name] = outcome.html
            collector.extend(outcome.queue_items)
    context = {**layout_context, "panels": html_by_name, PANELS_KEY: html_by_name, "layout": layout}
    page = render_to_string(template, context, request, using=using)
    return fill_queues(page, collector, layout.queues, request), list(outcomes.values())
