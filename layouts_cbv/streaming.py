"""Streamed pages: the shell at once, then each slow panel into its place when it is ready.

A view with ``stream_panels = True`` (or a panel declared with ``stream=True``) is sent
as one streaming response. The first chunk is the page with every panel that is ready
(from the cache, or not streamed) in place, and each streamed panel that still has to
render left as its ``{% panel %}`` fallback between two comments. Then comes one chunk
per panel, in the order they finish, and last the rest of the document with the render
queues, so what a streamed panel queued still appears, once.

A chunk carries the panel's HTML as the text of a ``<noscript>`` element and a small
inline script (with the page's CSP nonce) that parses it and puts it in place of the
fallback. With scripting off, browsers show a ``<noscript>``'s content instead: the
panel then appears where its chunk landed, near the end of the page, and the page still
shows every panel.

Nothing is sent until the status and the headers are decided: they come from the view's
response, the panels that are ready and what the streamed ones declare
(:meth:`Stream.headers`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse
from django.utils.html import escape

from . import holes as hole_marks
from . import nonces
from .markers import MARKER, fill_queues
from .queues import QueueCollector, RenderQueue

if TYPE_CHECKING:
    from .rendering import PanelOutcome

TOOLBAR_MIDDLEWARE = "debug_toolbar.middleware.DebugToolbarMiddleware"

# Defined once, with the first chunk: find the panel's comments (at each place the layout
# prints it), put the panel there, and leave the DOM as a page sent whole would have it.
# The <noscript>'s text is parsed in a <template> (which parses table rows and list
# items as they are) only when it is text: it starts with the RAW sentinel. A page
# parsed where scripts are off (a DOMParser, as Turbo Drive and htmx's history restore
# do) holds the panel's elements there instead, whose text must never become markup
# (escaped "&lt;img onerror=...&gt;" would): they are moved as they are.
_PLACE = (
    "window.layoutsCbvPlace=function(s){"
    "var n=s.previousElementSibling,name=n.getAttribute('data-layouts-stream'),"
    "m=n.previousElementSibling,f=n.firstChild,t=document.createElement('template'),"
    "o='layouts_cbv:hole:'+name,c='layouts_cbv:/hole:'+name,"
    "w=document.createTreeWalker(document.body||document,NodeFilter.SHOW_COMMENT),p=[],a,x,e;"
    "if(m&&m.tagName==='TEMPLATE'&&m.getAttribute('data-layouts-stream')===name)t=m;"
    "else if(f&&f.nodeType===3&&f.data.slice(0,7)==='<!---->')t.innerHTML=f.data.slice(7);"
    "else{if(f&&f.nodeType===8)f.remove();while(n.firstChild)t.content.appendChild(n.firstChild)}"
    "while((x=w.nextNode())){if(x.data===o)a=x;else if(x.data===c&&a){p.push([a,x]);a=null}}"
    "e=t.content.textContent.trim()||t.content.querySelector('*');"
    "p.forEach(function(q){var a=q[0],b=q[1];"
    "if(e){while(a.nextSibling!==b)a.nextSibling.remove();a.replaceWith(t.content.cloneNode(true))}"
    "else a.remove();b.remove()});"
    "if(m===t)m.remove();n.remove();s.remove()};document.currentScript.remove();"
)
RAW = "<!---->"
"""Starts every chunk's ``<noscript>``: text where scripts are on, an empty comment
(nothing shown) where they are off."""

_NOSCRIPT_END = re.compile(r"</noscript", re.I)
_NOSCRIPT_TAG = re.compile(r"</?noscript\b[^>]*>", re.I)
# Elements whose content the browser parses as text (or, for <template>, out of the
# document): a hole's comments there are no comments the script can find.
_TEXT_ELEMENT = re.compile(
    r"<(/?)(?:script|style|title|textarea|noscript|template|xmp|iframe|noembed|noframes)\b",
    re.I,
)


class Stream:
    """One streamed page: its shell, the panels still to render, and its tail.

    ``render`` renders the named panels (on the request's pipeline) and calls its
    ``report`` argument with each outcome as soon as that panel is done.
    """

    def __init__(
        self,
        request: HttpRequest,
        page: str,
        collector: QueueCollector,
        queues: Mapping[str, RenderQueue],
        pending: list[str],
        render: Callable[[list[str], Callable[[PanelOutcome], None]], None],
    ):
        self.request = request
        self.collector = collector
        self.queues = queues
        self.pending = pending
        self.render = render
        self.shell, self.tail = split(page, pending)
        self.done: dict[str, PanelOutcome] = {}
        # Made now: the nonce must be in the CSP header, sent before any chunk.
        self.nonce = nonces.current_nonce(request, generate=True)

    # The two ways out: chunks, or (when something reads the body) the page whole.

    def chunks(self) -> Iterator[str]:
        """Yield the shell, each panel as it is rendered (in turn), and the tail."""
        shell, emitted = self._fill(self.shell)
        yield shell
        for name in self.pending:
            outcomes: list[PanelOutcome] = []
            self.render([name], outcomes.append)
            for outcome in outcomes:
                yield self._chunk(outcome)
        yield self._tail(emitted)

    async def achunks(self) -> AsyncIterator[str]:
        """Yield the shell, then each panel as it finishes (rendered together), and the tail."""
        # Queue templates run context processors, which may use the database: in the
        # request's sync thread, as on a page sent whole, never on the event loop.
        shell, emitted = await sync_to_async(self._fill)(self.shell)
        yield shell
        loop = asyncio.get_running_loop()
        arrived: asyncio.Queue[PanelOutcome] = asyncio.Queue()

        def report(outcome: PanelOutcome) -> None:
            loop.call_soon_threadsafe(arrived.put_nowait, outcome)

        # In Django's one sync thread, as a sync view would render: async panels still
        # run together, on this loop.
        rendering = asyncio.ensure_future(sync_to_async(self.render)(self.pending, report))
        try:
            for _ in self.pending:
                getter = asyncio.ensure_future(arrived.get())
                await asyncio.wait({getter, rendering}, return_when=asyncio.FIRST_COMPLETED)
                if not getter.done():
                    getter.cancel()
                    rendering.result()  # it failed: raise what it raised
                    break  # it reported fewer outcomes than panels (a bug): stop cleanly
                yield self._chunk(getter.result())
            await rendering
        finally:
            if not rendering.done():
                rendering.cancel()
        yield await sync_to_async(self._tail)(emitted)

    def whole(self) -> str:
        """Return the page as it would be sent without streaming."""
        self.render(self.pending, self._keep)
        html = hole_marks.fill(
            self.shell + self.tail,
            {name: outcome.html for name, outcome in self.done.items() if not outcome.skipped},
            only=self.pending,
        )
        return fill_queues(html, self._collector(), self.queues, self.request)

    # Parts --------------------------------------------------------------------------

    def _keep(self, outcome: PanelOutcome) -> None:
        self.done[outcome.name] = outcome

    def _chunk(self, outcome: PanelOutcome) -> str:
        self._keep(outcome)
        # Nothing to show: the fallback stays, the script only drops the comments.
        html = "" if outcome.skipped or not outcome.html.strip() else outcome.html
        first = len(self.done) == 1
        script = f"<script{self._nonce_attr()}>{_PLACE}</script>" if first else ""
        name = escape(outcome.name)
        holder = f'<noscript data-layouts-stream="{name}">{RAW}{html}</noscript>'
        if _NOSCRIPT_END.search(html):
            # A <noscript>'s text ends at the first "</noscript": the script reads the
            # panel from a <template>; browsers without scripts show the <noscript>, with
            # the panel's own <noscript> tags taken out (they would show their content).
            holder = (
                f'<template data-layouts-stream="{name}">{html}</template>'
                f'<noscript data-layouts-stream="{name}">{RAW}{_NOSCRIPT_TAG.sub("", html)}'
                "</noscript>"
            )
        call = f"<script{self._nonce_attr()}>layoutsCbvPlace(document.currentScript)</script>"
        return script + holder + call

    def _tail(self, emitted: Mapping[str, set[int]]) -> str:
        collector = self._collector()
        # Queues already sent with the shell get what the streamed panels added to them
        # here; the queues in the tail are filled whole.
        extra = []
        for name, sent in emitted.items():
            late = [item for item in collector.items(name) if id(item) not in sent]
            if late:
                extra.append((self.queues.get(name) or RenderQueue()).render(late, self.request))
        return "".join(extra) + fill_queues(self.tail, collector, self.queues, self.request)

    def _collector(self) -> QueueCollector:
        collector = QueueCollector()
        collector.extend(self.collector.record)
        for outcome in self.done.values():
            if not outcome.skipped:
                collector.extend(outcome.queue_items)
        return collector

    def _fill(self, html: str) -> tuple[str, dict[str, set[int]]]:
        emitted: dict[str, set[int]] = {}  # queue name -> ids of the items rendered in it
        return fill_queues(html, self.collector, self.queues, self.request, emitted), emitted

    def _nonce_attr(self) -> str:
        return f' nonce="{escape(self.nonce)}"' if self.nonce else ""


def placeable(page: str, pending: list[str]) -> list[str]:
    """Return which of ``pending`` the browser can put in place later: those ``page``
    prints, each time where its comments are comments of the document (not inside a
    tag's attributes, ``<title>``, ``<script>``, ``<textarea>``...).

    The others must be rendered before the page is sent: a panel the layout does not
    print (``{% if user.is_staff %}``) would otherwise reach the visitor in its chunk,
    and one in an attribute or a title would never be placed.
    """
    found = []
    for name in pending:
        opening = f"<!--layouts_cbv:hole:{name}-->"
        at = page.find(opening)
        if at < 0:
            continue
        while at >= 0 and _in_text(page, at):
            at = page.find(opening, at + len(opening))
        if at < 0:
            found.append(name)
    return found


def _in_text(page: str, at: int) -> bool:
    if page.rfind("<", 0, at) > page.rfind(">", 0, at):
        return False  # inside a tag
    # The last such tag before the hole tells: an opening one has not been closed.
    tags = [match.group(1) for match in _TEXT_ELEMENT.finditer(page, 0, at)]
    return not tags or bool(tags[-1])


def split(page: str, pending: list[str]) -> tuple[str, str]:
    """Cut ``page`` where the streamed panels' chunks go: at the first render queue after
    the last of their places (scripts at the end of ``<body>`` wait for them) that is
    in the page's text (not one printed inside a ``<script>`` or an attribute), else
    before ``</body>``, else at the end."""
    after = 0
    for name in pending:
        end = page.rfind(f"<!--layouts_cbv:/hole:{name}-->")
        if end >= 0:
            after = max(after, end)
    for queue in MARKER.finditer(page, after):
        if _in_text(page, queue.start()):
            return page[: queue.start()], page[queue.start() :]
    body = page.lower().rfind("</body>", after)
    if body >= 0:
        return page[:body], page[body:]
    return page, ""


class StreamedPage(StreamingHttpResponse):
    """A page sent in chunks (see :mod:`layouts_cbv.streaming`).

    Code that reads ``content`` before the page is sent (a middleware that does not
    check ``streaming``) gets the page whole, as if it had never been streamed.
    """

    def __init__(self, stream: Stream, *args: Any, **kwargs: Any):
        self.stream = stream
        self.started = False
        self._whole: bytes | None = None
        source = self._aiterate() if isinstance(stream.request, ASGIRequest) else self._iterate()
        super().__init__(source, *args, **kwargs)
        self.wrapped = False  # set when a middleware replaces the chunks

    def _set_streaming_content(self, value: Any) -> None:
        super()._set_streaming_content(value)
        self.wrapped = True

    def _iterate(self) -> Iterator[str]:
        self.started = True
        if not self._scripts_run():
            yield self.stream.whole()
            return
        yield from self.stream.chunks()

    async def _aiterate(self) -> AsyncIterator[str]:
        self.started = True
        if not self._scripts_run():
            yield await sync_to_async(self.stream.whole)()
            return
        async for chunk in self.stream.achunks():
            yield chunk

    def _scripts_run(self) -> bool:
        # Asked when the body starts, once every middleware has set its headers.
        return scripts_run(self.get("Content-Security-Policy"), self.stream.nonce)

    @property  # type: ignore[override]
    def content(self) -> bytes:
        if self._whole is None:
            if self.started:
                return super().content  # type: ignore[no-any-return]  # raises, as Django's
            if self.wrapped and self.has_header("Content-Encoding"):
                # The chunks were compressed (GZipMiddleware, listed after the reader),
                # and the headers say so: the body is what comes out of the compressor.
                self._sent_whole(b"".join(self._drained()))
            else:
                self._sent_whole(self.stream.whole())
        assert self._whole is not None
        return self._whole

    @content.setter
    def content(self, value: Any) -> None:
        # A middleware that rewrites the body gets a page that is no longer streamed.
        self._sent_whole(value)

    def _drained(self) -> list[bytes]:
        content = self.streaming_content
        if not self.is_async:
            return list(content)

        async def drain() -> list[bytes]:
            return [chunk async for chunk in content]  # type: ignore[attr-defined]

        # A sync middleware under ASGI runs in a thread, where this may wait for the loop.
        return async_to_sync(drain)()

    def _sent_whole(self, value: Any) -> None:
        self._whole = value if isinstance(value, bytes) else self.make_bytes(value)
        self.streaming = False  # type: ignore[misc]
        self.streaming_content = [self._whole]
        self.started = True


def scripts_run(policy: str | None, nonce: str | None) -> bool:
    """Return whether a page under the Content-Security-Policy ``policy`` runs the
    chunks' inline scripts, which carry ``nonce``.

    Where they cannot (django-csp's default ``default-src 'self'``, a policy without
    this nonce, Trusted Types), a browser would show every streamed panel's fallback
    for good: the page is then sent whole, in one chunk.
    """
    for one in (policy or "").split(","):  # several policies: each must allow them
        directives: dict[str, list[str]] = {}
        for directive in one.split(";"):
            name, *sources = directive.split() or [""]
            directives.setdefault(name.lower(), sources)
        if "require-trusted-types-for" in directives:
            return False  # the script sets innerHTML, which Trusted Types refuses
        names = [n for n in ("script-src-elem", "script-src", "default-src") if n in directives]
        if not names:
            continue
        sources = directives[names[0]]
        if nonce and f"'nonce-{nonce}'" in sources:
            continue
        keywords = [source.lower() for source in sources]
        # 'unsafe-inline' counts only in a list without nonces, hashes or 'strict-dynamic'.
        if "'unsafe-inline'" in keywords and not any(
            source.startswith(("'nonce-", "'sha", "'strict-dynamic'")) for source in keywords
        ):
            continue
        return False
    return True


def toolbar_shown(request: HttpRequest) -> bool:
    """Return whether django-debug-toolbar will show on this response (it cannot on a
    streamed one, so such pages are sent whole)."""
    if TOOLBAR_MIDDLEWARE not in settings.MIDDLEWARE:
        return False
    try:
        from debug_toolbar.middleware import get_show_toolbar
        from debug_toolbar.toolbar import DebugToolbar
    except ImportError:
        return False
    if DebugToolbar.is_toolbar_request(request):
        return False
    return bool(get_show_toolbar(async_mode=False)(request))
