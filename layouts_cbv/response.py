"""LayoutResponse: a TemplateResponse that assembles the layout when it is rendered."""

from __future__ import annotations

from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from . import deferred, headers, pages, timing
from .assembly import assemble, serve
from .clone import freeze
from .leaks import Reads, watching
from .markers import fill_queues
from .queues import get_collector

if TYPE_CHECKING:
    from .mixins import LayoutMixin


class LayoutResponse(TemplateResponse):
    """A TemplateResponse whose ``template_name`` is the page's content panel.

    Nothing is assembled until :meth:`render`, so middleware and tests can still read
    and change ``context_data`` and ``template_name`` as with any TemplateResponse.
    """

    # Set by LayoutMixin.render_to_response().
    layout_view: LayoutMixin | None = None

    @property
    def rendered_content(self) -> SafeString:
        """Render the content template, then the panels and layout around it (or a partial)."""
        view = self.layout_view
        request = self._request
        collector = get_collector(request)
        collector.deferred = True
        if view is None:
            return fill_queues(super().rendered_content, collector, {}, request)
        plan = pages.PagePlan(view, view.get_panels()) if pages.applies(view) else None
        # What the view's own template reads matters only to a page that will be stored.
        with watching(request) if plan else nullcontext(Reads()) as content_reads:
            content = super().rendered_content
        layout = view.get_layout()(view)
        # Full pages vary on the partial headers too, or a cache could serve one for the other.
        headers.add_vary(self, view.partial_vary_headers())
        if view.is_partial():
            return fill_queues(content, collector, layout.queues, request)
        layout_context = freeze(self.layout_context(view, layout))
        template = view.get_layout_template(layout)
        panels = plan.panels if plan else view.get_panels()
        holes = plan.holes if plan else ()
        placeholders = {
            name: deferred.placeholder(view, name, panel.defer)
            for name, panel in panels.items()
            if panel is not None and panel.defer
        }
        assembled = assemble(
            request,
            layout,
            template,
            panels,
            content,
            layout_context,
            self.using,
            holes,
            placeholders,
        )
        headers.apply(self, assembled.outcomes)
        timing.apply(self, assembled.outcomes, deferred=placeholders, page="miss" if plan else None)
        html = serve(
            assembled.stored, assembled.stored_items, assembled.holes, layout.queues, request
        )
        if plan is not None:
            plan.store(assembled, self, html, content_reads.found)
        return html

    def __getstate__(self) -> dict[str, Any]:
        # cache_page pickles rendered responses; the view (and its request) must not go along.
        state = super().__getstate__()
        state.pop("layout_view", None)
        return state

    def layout_context(self, view: LayoutMixin, layout: Any) -> dict[str, Any]:
        return {
            **(self.context_data or {}),
            **layout.get_layout_context(self._request),
            **view.get_layout_context(),
        }
