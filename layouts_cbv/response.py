"""LayoutResponse: a TemplateResponse that assembles the layout when it is rendered."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpResponseBase
from django.template.response import SimpleTemplateResponse, TemplateResponse
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
    # The page this response became when it streams, while nothing read or set its body.
    streamed_as: StreamedPage | None = None

    def render(self) -> HttpResponseBase:  # type: ignore[override]
        """Render the page; return it, or the :class:`~layouts_cbv.streaming.StreamedPage`
        that replaces it when the page streams (Django's handler sends what this returns).
        """
        if self.streamed_as is not None:
            return self.streamed_as  # rendered already, by code that kept this response
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
        # Shared, not copied: code that called render() and goes on with this response
        # (setting a header, then returning it) changes the page that is sent.
        page.headers = self.headers
        page.cookies = self.cookies
        self.streamed_as = page
        # Closers such as the pipeline's own go with the response that is sent.
        closers: list[Any] = self._resource_closers  # type: ignore[has-type]
        page._resource_closers.extend(closers)
        self._resource_closers: list[Any] = []
        self._is_rendered = True
        return page

    @property
    def content(self) -> bytes:  # type: ignore[override]
        page = self.streamed_as
        if page is not None:
            # Code that rendered this response reads its body (to rewrite it): it gets the
            # page whole, and this response is what is sent.
            self.content = page.content
            self._resource_closers.extend(page._resource_closers)  # type: ignore[attr-defined]
        return SimpleTemplateResponse.content.fget(self)  # type: ignore[attr-defined,no-any-return]

    @content.setter
    def content(self, value: Any) -> None:
        self.streamed_as = None
        SimpleTemplateResponse.content.fset(self, value)  # type: ignore[attr-defined]

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
