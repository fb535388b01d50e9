"""LayoutResponse: a TemplateResponse that assembles the layout when it is rendered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpResponseBase
from django.template.response import TemplateResponse
from django.utils.safestring import SafeString

from .markers import fill_queues
from .queues import get_collector
from .streaming import Stream, StreamedPage

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

    def render(self) -> HttpResponseBase:  # type: ignore[override]
        """Render the page; return it, or the :class:`~layouts_cbv.streaming.StreamedPage`
        that replaces it when the page streams (Django's handler sends what this returns).
        """
        pipeline = self.layout_pipeline
        if pipeline is None or self.is_rendered:
            return super().render()
        body = pipeline.render(self, self.render_content_panel, stream=True)
        if isinstance(body, str):
            self.content = body
            answer: HttpResponseBase = self
        else:
            answer = self._streamed(body)
        for callback in self._post_render_callbacks:
            answer = callback(answer) or answer
        return answer

    def _streamed(self, stream: Stream) -> StreamedPage:
        page = StreamedPage(stream, status=self.status_code, reason=self.reason_phrase)
        for name, value in self.headers.items():
            page.headers[name] = value
        page.cookies = self.cookies
        # Closers such as the pipeline's own go with the response that is sent.
        closers: list[Any] = self._resource_closers  # type: ignore[has-type]
        page._resource_closers.extend(closers)
        self._resource_closers: list[Any] = []
        self._is_rendered = True
        return page

    def render_content_panel(self) -> str:
        """Return the HTML of the page's content panel: the view's template, rendered."""
        return TemplateResponse.rendered_content.fget(self)  # type: ignore[attr-defined,no-any-return]

    @property
    def rendered_content(self) -> SafeString:
        """Render the content template, then the panels and layout around it (or a partial)."""
        pipeline = self.layout_pipeline
        if pipeline is None:
            collector = get_collector(self._request)
            collector.deferred = True
            return fill_queues(super().rendered_content, collector, {}, self._request)
        return pipeline.render(self, self.render_content_panel)  # type: ignore[return-value]

    def __getstate__(self) -> dict[str, Any]:
        # cache_page pickles rendered responses; the pipeline (and its request) must not go along.
        state = super().__getstate__()
        state.pop("layout_pipeline", None)
        return state
