"""One request of a layout view, from its handler to its response.

:class:`~layouts_cbv.mixins.LayoutMixin` gives each request a :class:`Pipeline`, which
owns the data flow. It is entered three ways, each a short caller of the same steps:

``handle``
    The view's ``get``/``head``, wrapped when the view is set up, so it runs after the
    view's whole ``dispatch`` chain (access mixins, decorators) has accepted the
    request, whatever the order of the mixins. With a page cache it resolves the page,
    looks it up and serves a stored page; on a miss it runs the handler with the request
    watched (:mod:`layouts_cbv.tracking`), so the page is stored only if nothing it was
    built from depends on what its key does not tell apart.
``render``
    :class:`~layouts_cbv.response.LayoutResponse` being rendered: the content, then the
    panels, the layout around them, the stored page, the response's headers.
``render`` for a deferred panel
    The panel endpoint calls the page's view for the visitor (so its checks and its
    object lookup run as for the page) with the panel's name on the request; rendering
    then makes only that panel.

The steps, in order: :meth:`Pipeline.resolve` (the layout and the panels, once),
:meth:`Pipeline.look_up` (one ``get_many`` per cache alias for the page, its holes and
panels), :meth:`Pipeline.serve_stored` on a page-cache hit, :meth:`Pipeline.render_panels`,
assembly (:mod:`layouts_cbv.assembly`), the page store (:mod:`layouts_cbv.pages`) and
:meth:`Pipeline.finish` (headers, ``Server-Timing``, the report).
"""

from __future__ import annotations

import functools
import inspect
import time
from collections.abc import Callable, Collection, Mapping
from contextlib import nullcontext
from typing import TYPE_CHECKING, Any

from asgiref.sync import sync_to_async
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.utils.safestring import SafeString

from . import conf, deferred, headers, pages, report, signals, streaming, timing
from .assembly import assemble, gather, serve
from .cache.backends import PanelCacheBackend
from .cache.store import PageCache
from .cache.variation import variation_of
from .clone import freeze
from .holes import Hole
from .layout import Layout, get_layout
from .markers import fill_queues, marker
from .panel import Panel
from .placeholders import for_serving
from .queues import QueueCollector, declare_queues, get_collector
from .rendering import Outcomes, PanelOutcome, PanelRenderer
from .report import BAKED, DEFERRED, HOLE, STREAMED, Account
from .tracking import Watch

if TYPE_CHECKING:
    from .mixins import LayoutMixin
    from .response import LayoutResponse

DEFERRED_PANEL = "_layouts_deferred_panel"
"""Request attribute the panel endpoint sets to the name of the one panel to render."""

# The hooks a page-cache lookup calls before the view runs, as (class, method) pairs of
# their defaults: those read nothing of the request.
_HOOKS = ("get_layout", "get_panels", "get_layout_context", "get_layout_template")
_LAYOUT_HOOKS = ("get_layout_context", "get_template")


@functools.cache
def own_hooks(view_class: type) -> bool:
    """Return whether a view class (or its layout) brings hooks of its own, which may read
    the request while a page is looked up."""
    from .mixins import LayoutMixin

    if any(getattr(view_class, hook) is not getattr(LayoutMixin, hook) for hook in _HOOKS):
        return True
    reference = getattr(view_class, "layout", None)
    if reference is None:
        return False
    try:
        layout = get_layout(reference)
    except Exception:
        return True  # found at request time, if at all: assume the worst
    return any(getattr(layout, hook) is not getattr(Layout, hook) for hook in _LAYOUT_HOOKS)


class Pipeline:
    """The way of one request of a layout view through layouts_cbv."""

    def __init__(self, view: LayoutMixin):
        self.view = view
        self.request: HttpRequest = view.request  # type: ignore[attr-defined]
        self.deferred_name: str | None = vars(self.request).get(DEFERRED_PANEL)
        self.strategy: PanelCacheBackend | None = None  # the page cache, when it applies
        self.layout: Layout | None = None
        self.panels: dict[str, Panel] = {}
        self.with_page: dict[str, Panel] = {}  # rendered with the page: all but deferred
        self.deferred: list[str] = []  # fetched by the browser
        self.stream_flagged: list[str] = []  # declared stream=True
        self.page: pages.PagePlan | None = None
        self.lookup: PageCache | None = None
        self.looked_up = False
        self.watch: Watch | None = None
        self.hook_reads: set[str] = set()

    # Entry: the view's handler ------------------------------------------------------

    def wrap(self, handler: Callable[..., Any]) -> Callable[..., Any]:
        """Return ``handler`` (a bound ``get``) entered through this pipeline."""
        # Not functools.wraps: nothing reads the wrapper's name, and copying it costs a
        # little on every request.
        if inspect.iscoroutinefunction(handler):

            async def handle_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                if self.page_applies():
                    stored = await sync_to_async(self.serve_stored)()
                    if stored is not None:
                        return stored
                if self.page is None:
                    return await handler(request, *args, **kwargs)
                self.watch = Watch(request)
                try:
                    response = await handler(request, *args, **kwargs)
                except BaseException:
                    self.stop_watching()
                    raise
                return self.watch_until_rendered(response)

            return handle_async

        def handle(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if self.page_applies():
                stored = self.serve_stored()
                if stored is not None:
                    return stored
            if self.page is None:
                return handler(request, *args, **kwargs)
            self.watch = Watch(request)
            try:
                response = handler(request, *args, **kwargs)
            except BaseException:
                self.stop_watching()
                raise
            return self.watch_until_rendered(response)

        return handle

    def page_applies(self) -> bool:
        """Decide whether this request may be served from, or stored in, the page cache."""
        view, request = self.view, self.request
        if (
            request.method not in pages.CACHEABLE_METHODS
            or self.deferred_name is not None
            or not conf.get("CACHE_ENABLED")
        ):
            return False
        strategy = view.get_page_cache()
        if strategy is None or self.is_partial():
            return False
        if pages.decorated_handler(type(view)):  # type: ignore[arg-type]
            pages.not_cached(view, pages.DECORATED, pages.DecoratedHandler(type(view).__name__))
            return False
        try:
            pages.arguments_part(view.layout_initkwargs)
        except pages.UnstableArguments as exc:
            pages.not_cached(view, pages.UNSTABLE, exc)
            return False
        self.strategy = strategy
        return True

    def is_partial(self) -> bool:
        """Return whether to answer with the content alone (asked once, never watched)."""
        if not hasattr(self, "_partial"):
            self._partial = self.view.is_partial()
        return self._partial

    def watch_until_rendered(self, response: Any) -> Any:
        """Keep watching while this pipeline's own response renders; stop otherwise."""
        if getattr(response, "layout_pipeline", None) is self and not response.is_rendered:
            response._resource_closers.append(self.stop_watching)  # never rendered: let go
        else:
            self.stop_watching()
        return response

    def stop_watching(self) -> None:
        if self.watch is not None:
            self.watch.end()

    # Steps ----------------------------------------------------------------------------

    def layout_class(self) -> type[Layout]:
        """Return the view's ``get_layout()``, asked once per request; from then on the
        request's queue names are checked against its queues."""
        if not hasattr(self, "_layout_class"):
            self._layout_class = self.view.get_layout()
            declare_queues(self.request, self._layout_class)
        return self._layout_class

    def resolve(self) -> None:
        """Resolve the layout and the panels, once per request."""
        if self.layout is not None:
            return
        view = self.view
        self.layout = self.layout_class()(view)
        # Afresh: a page cache that fell back to rendering resolved them before get().
        self.panels, self.with_page, self.deferred, self.stream_flagged = {}, {}, [], []
        # One pass: pages of many panels pay for each look at every panel.
        for name, panel in view.get_panels().items():
            if not panel:
                continue
            self.panels[name] = panel
            if panel.defer:
                self.deferred.append(name)
            else:
                self.with_page[name] = panel
            if panel.stream:
                self.stream_flagged.append(name)
        if self.strategy is not None:
            self.page = pages.PagePlan(view, self.strategy, self.panels)

    def look_up(self, panels: Mapping[str, Panel]) -> None:
        """Read what is cached for ``panels`` and the page: one ``get_many`` per alias."""
        if self.looked_up:
            return
        self.looked_up = True
        if not conf.get("CACHE_ENABLED"):
            return
        lookup = PageCache()
        lookup.add_panels(panels, self.request)
        if self.page is not None:
            self.page.add_to(lookup)
        lookup.lookup()
        self.lookup = lookup

    def serve_stored(self) -> HttpResponseBase | None:
        """Return the stored page with its holes filled, or None to run the view."""
        # What the view's hooks read goes into the page as much as what its get() reads;
        # Django's and layouts_cbv's own hooks read nothing of the request.
        hooks = Watch(self.request) if own_hooks(type(self.view)) else None  # type: ignore[arg-type]
        try:
            # On a hit the view's get() never runs: hooks that need what it sets (such
            # as self.object) cannot work here, and the page is rendered instead.
            self.resolve()
            context = self.panel_context({})
        except Exception as exc:
            pages.not_cached(self.view, pages.NEEDS_GET, exc)
            self.strategy, self.layout, self.page = None, None, None
            return None
        finally:
            if hooks is not None:
                hooks.end()
                self.hook_reads = hooks.reads.found
        page = self.page
        assert page is not None and self.layout is not None
        self.look_up(self.with_page)
        entry = page.found(self.lookup) if self.lookup is not None else None
        if entry is None:
            return None
        holes = {name: self.panels[name] for name in page.holes}
        pending = streaming.placeable(entry.html, self.not_ready(holes))
        ready = {name: panel for name, panel in holes.items() if name not in pending}
        outcomes = self.render_panels(ready, context) if ready else Outcomes()
        request = self.request
        stored = for_serving(entry.html, request)
        response: HttpResponseBase
        if pending:
            stream = self.stream(
                stored, list(entry.queue_items), outcomes, pending, context, outcomes
            )
            response = streaming.StreamedPage(stream, content_type=entry.content_type or None)
        else:
            html = serve(stored, list(entry.queue_items), outcomes, self.layout.queues, request)
            response = HttpResponse(html, content_type=entry.content_type or None)
        if entry.vary:
            headers.add_vary(response, [name.strip() for name in entry.vary.split(",")])
        if entry.cache_control:  # a new response: nothing to merge it with yet
            response["Cache-Control"] = entry.cache_control
        roles = {
            **dict.fromkeys(page.holes, HOLE),
            **dict.fromkeys(page.baked, BAKED),
            **self.deferred_roles(),
            **dict.fromkeys(pending, STREAMED),
        }
        self.finish(response, outcomes, roles, page="hit")
        if pending:
            self.streamed_headers(response, outcomes, pending)
            return response
        etag = pages.validator(entry.etag, outcomes, request)
        pages.add_headers(
            response,  # type: ignore[arg-type]
            etag,
            entry.created,
            entry.fresh_until,
            self.depends_on(outcomes),
        )
        return pages.not_modified(response, request)  # type: ignore[arg-type]

    def render_panels(
        self,
        panels: Mapping[str, Panel],
        context: Mapping[str, Any],
        on_outcome: Callable[[PanelOutcome], None] | None = None,
    ) -> Outcomes:
        """Render or serve ``panels`` from the lookup, each on its own clone."""
        assert self.layout is not None
        renderer = PanelRenderer(self.request, context, self.layout.error_template)
        # Panels note their own reads on their clones; they are not the page's.
        with self.watch.reads.paused() if self.watch is not None else nullcontext():
            return renderer.render_all(panels, self.lookup, on_outcome)

    def not_ready(
        self, panels: Mapping[str, Panel], among: Collection[str] | None = None
    ) -> list[str]:
        """Return which of ``panels`` (of those ``among``) to stream: those streamed
        that are not in the cache.

        Only a full page for a GET streams, and not when django-debug-toolbar is to
        show on it (it cannot on a streamed response).
        """
        request = self.request
        if request.method != "GET" or self.deferred_name is not None:
            return []
        streamed = panels if self.view.get_stream_panels() else self.stream_flagged
        names = [name for name in streamed if name in panels and (among is None or name in among)]
        if not names or streaming.toolbar_shown(request):
            return []
        lookup, now = self.lookup, time.time()
        return [
            name
            for name in names
            if lookup is None or name not in lookup.slots or lookup.state(name, now)[1] is None
        ]

    def stream(
        self,
        stored: str,
        stored_items: list[tuple[str, Any]],
        holes: Mapping[str, PanelOutcome],
        pending: list[str],
        context: Mapping[str, Any],
        account: Outcomes,
    ) -> streaming.Stream:
        """Return the stream of a page whose ``pending`` panels are sent when ready.

        ``holes`` are filled now; the panels rendered later join ``account``, the
        outcomes the page's report tells.
        """
        assert self.layout is not None
        html, collector = gather(stored, stored_items, holes, only=set(holes))
        # A streamed form's token must match the CSRF cookie, which goes out first.
        get_token(self.request)

        def render(names: list[str], report: Callable[[PanelOutcome], None]) -> None:
            panels = {name: self.panels[name] for name in names}
            account.update(self.render_panels(panels, context, report))

        return streaming.Stream(self.request, html, collector, self.layout.queues, pending, render)

    def streamed_headers(
        self,
        response: HttpResponseBase,
        ready: Mapping[str, PanelOutcome],
        pending: Collection[str],
    ) -> None:
        """Decide, before the first byte, the headers the streamed panels would add.

        What a panel reads is known only once it is rendered, after the headers are
        sent: a streamed page is private, and varies on what its parts declare.
        """
        depends_on = set(self.depends_on(ready)) if self.strategy is not None else set()
        for name in pending:
            depends_on |= variation_of(self.panels[name].cache).depends_on
        headers.add_vary(response, headers.vary_for(depends_on))
        headers.add_cache_control(response, private=True)
        # Proxies such as nginx would otherwise hold the chunks back.
        response["X-Accel-Buffering"] = "no"

    def finish(
        self,
        response: HttpResponseBase,
        outcomes: Outcomes,
        roles: Mapping[str, str],
        page: str | None = None,
    ) -> None:
        """Give ``response`` its panels' headers, and record the page's one account.

        The account is made only when something asks for it: a listener of the baked
        panels' signal, ``Server-Timing``, or a reader of :func:`report.records`.
        """
        headers.apply(response, outcomes.header_parts())
        keys = self.lookup.keys if self.lookup is not None else {}
        panels = self.panels

        def accounts() -> list[Account]:
            return [
                Account(
                    name,
                    panel,
                    outcomes.get(name),
                    roles.get(name, ""),
                    keys.get(name, ""),
                )
                for name, panel in panels.items()
                if name in outcomes or name in roles
            ]

        if signals.panel_cache_hit.receivers and BAKED in roles.values():
            for account in accounts():
                if account.role == BAKED:
                    # Served with the page from its own cached copy: a hit, as the page
                    # tells it.
                    signals.panel_cache_hit.send(
                        Panel,
                        name=account.name,
                        panel=account.panel,
                        request=self.request,
                        key=account.key,
                        state=BAKED,
                    )
        report.record(self.request, accounts)
        if conf.get("SERVER_TIMING"):
            timing.apply(response, accounts(), page)

    # Entry: the response being rendered ---------------------------------------------

    def render(
        self, response: LayoutResponse, render_content: Callable[[], str], stream: bool = False
    ) -> SafeString | streaming.Stream:
        """Return the body of ``response``: the whole page, a partial, or one deferred
        panel; or, when ``stream`` allows and the page streams, its :class:`Stream`."""
        try:
            if self.deferred_name is not None:
                return self.render_deferred(response)
            return self.render_page(response, render_content, stream)
        finally:
            self.stop_watching()

    def render_page(
        self, response: LayoutResponse, render_content: Callable[[], str], stream: bool
    ) -> SafeString | streaming.Stream:
        request = self.request
        collector = get_collector(request)
        collector.deferred = True
        self.layout_class()  # the content's queue names are checked as it renders
        content = SafeString(render_content())
        self.resolve()
        layout = self.layout
        assert layout is not None
        # Full pages vary on the partial headers too, or a cache could serve one for the other.
        headers.add_vary(response, self.view.partial_vary_headers())
        if self.is_partial():
            return fill_queues(content, collector, layout.queues, request)
        context = self.layout_context(response.context_data or {})
        placeholders: dict[str, Any] = {
            name: deferred.placeholder(self.view, name, self.panels[name].defer)
            for name in self.deferred
        }
        rendered = self.with_page
        self.look_up(rendered)
        page = self.page
        # With a page cache, what is baked into the stored page is rendered first.
        pending = (
            self.not_ready(rendered, page.holes if page is not None else None) if stream else []
        )
        if pending:
            placeholders.update((name, Hole(name)) for name in pending)
            rendered = {name: panel for name, panel in rendered.items() if name not in pending}
        panel_context = self.panel_context(context)
        outcomes = self.render_panels(rendered, panel_context)
        holes = page.holes if page is not None else frozenset()
        assembled = assemble(
            request,
            layout,
            self.view.get_layout_template(layout),
            outcomes,
            content,
            context,
            response.using,
            holes,
            placeholders,
        )
        filled = assembled.holes
        if pending:
            pending, filled = self.place_now(
                assembled.stored, pending, panel_context, outcomes, filled
            )
        # The queues and holes are filled for this visitor alone, never stored.
        body: SafeString | streaming.Stream
        with self.watch.reads.paused() if self.watch is not None else nullcontext():
            if pending:
                body = self.stream(
                    assembled.stored,
                    assembled.stored_items,
                    filled,
                    pending,
                    panel_context,
                    outcomes,
                )
            elif filled:
                body = serve(
                    assembled.stored,
                    assembled.stored_items,
                    filled,
                    layout.queues,
                    request,
                )
            else:  # the request collected every queue item already
                body = fill_queues(assembled.stored, collector, layout.queues, request)
        roles = {**self.deferred_roles(), **dict.fromkeys(pending, STREAMED)}
        self.finish(response, outcomes, roles, page="miss" if page else None)
        if page is not None and self.watch is not None:
            reads = self.watch.reads.found | self.hook_reads
            stored = page.store(response, assembled.stored, assembled.stored_items, outcomes, reads)
            if stored is not None and not pending:
                hole_outcomes = {name: outcomes[name] for name in holes if name in outcomes}
                etag = pages.validator(stored.etag, hole_outcomes, request)
                pages.add_headers(
                    response,
                    etag,
                    stored.created,
                    stored.fresh_until,
                    self.depends_on(hole_outcomes),
                )
        if pending:
            self.streamed_headers(response, filled, pending)
        return body

    def place_now(
        self,
        stored: str,
        pending: list[str],
        context: Mapping[str, Any],
        outcomes: Outcomes,
        holes: dict[str, PanelOutcome],
    ) -> tuple[list[str], dict[str, PanelOutcome]]:
        """Render now the ``pending`` panels that no chunk could put in place (see
        :func:`streaming.placeable`); return those still to stream, and the holes to fill
        in the page with these."""
        later = streaming.placeable(stored, pending)
        now = {name: self.panels[name] for name in pending if name not in later}
        if not now:
            return pending, holes
        rendered = self.render_panels(now, context)
        outcomes.update(rendered)
        return later, {**holes, **rendered}

    def render_deferred(self, response: LayoutResponse) -> SafeString:
        """Return the one panel the panel endpoint asked for, with its scripts and styles."""
        self.resolve()
        assert self.layout is not None
        name = self.deferred_name
        panel = self.panels.get(name)  # type: ignore[arg-type]
        if panel is None or not panel.defer:
            raise deferred.BadReference(
                f"{type(self.view).__name__} has no deferred panel {name!r}"
            )
        context = self.layout_context(response.context_data or {})
        self.look_up({name: panel})  # type: ignore[dict-item]
        outcomes = self.render_panels({name: panel}, context)  # type: ignore[dict-item]
        outcome = outcomes[name]  # type: ignore[index]
        # The panel's scripts and styles come with it: the page has already been rendered.
        collector = QueueCollector()
        collector.extend(outcome.queue_items)
        queued = "".join(marker(queue) for queue in collector.names())
        body = fill_queues(outcome.html + queued, collector, self.layout.queues, self.request)
        self.finish(response, outcomes, {})
        headers.add_cache_control(response, private=True)
        return body

    # Helpers ------------------------------------------------------------------------

    def deferred_roles(self) -> dict[str, str]:
        return dict.fromkeys(self.deferred, DEFERRED)

    def layout_context(self, context_data: Mapping[str, Any]) -> Mapping[str, Any]:
        """Return the layout template's context: the view's, then the layout contexts."""
        return freeze({**context_data, **self.extra_context()})

    def panel_context(self, context: Mapping[str, Any]) -> Mapping[str, Any]:
        """Return what panels see in ``request.layout_context``.

        With a page cache, only the layout contexts: a hole must render the same whether
        the page was just built or served from the cache, where the view never ran.
        """
        return freeze(self.extra_context()) if self.page is not None else context

    def extra_context(self) -> dict[str, Any]:
        if not hasattr(self, "_extra_context"):
            assert self.layout is not None
            self._extra_context = {
                **self.layout.get_layout_context(self.request),
                **self.view.get_layout_context(),
            }
        return self._extra_context

    def depends_on(self, holes: Mapping[str, PanelOutcome]) -> frozenset[str]:
        """Return what the page as served depends on: its own key and its holes."""
        found = set(variation_of(self.strategy).depends_on)
        for outcome in holes.values():
            found |= outcome.depends_on
        return frozenset(found)
