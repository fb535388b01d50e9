"""LayoutResponse: a TemplateResponse that assembles the layout when it is rendered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from .markers import fill_queues
from .queues import get_collector

if TYPE_CHECKING:
    from .pipeline import Pipeline


class LayoutResponse(TemplateResponse):
    """A TemplateResponse whose ``template_name`` is the page's content panel.

    Nothing is assembled until :meth:`render`, so middleware and tests can still read
    and change ``context_data`` and ``template_name`` as with any TemplateResponse.
    Rendering is the request's :class:`~layouts_cbv.pipeline.Pipeline`'s.
    """

    # Set by LayoutMixin.render_to_response().
    layout_pipeline: Pipeline | None = None

    @property
    def rendered_content(self) -> SafeString:
        """Render the content template, then the panels and layout around it (or a partial)."""
        pipeline = self.layout_pipeline
        if pipeline is None:
            collector = get_collector(self._request)
            collector.deferred = True
            return fill_queues(super().rendered_content, collector, {}, self._request)
        return pipeline.render(self, lambda: TemplateResponse.rendered_content.fget(self))  # type: ignore[attr-defined]

    def __getstate__(self) -> dict[str, Any]:
        # cache_page pickles rendered responses; the pipeline (and its request) must not go along.
        state = super().__getstate__()
        state.pop("layout_pipeline", None)
        return state
