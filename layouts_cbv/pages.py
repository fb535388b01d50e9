"""Whole-page caching with per-visitor holes (``page_cache = cache.per_path(600)``).

A page is stored in its stored form (see :mod:`layouts_cbv.assembly`). Panels cached
with a strategy that varies no more finely than the page's are *baked* into it; every
other panel (uncached, conditional, cached per user when the page is per path, ...) is a
*hole*, filled on every request from its own cache entry or a fresh render. One
``get_many`` per alias reads the page, the epoch of its baked panels' aliases (see
:mod:`layouts_cbv.cache.epochs`) and the entries of its holes; a baked panel
invalidated since the page was stored makes the page rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_etags

from . import conf, headers, report, timing
from .assembly import Assembled, serve
from .cache import identity
from .cache.aliases import alias_of
from .cache.backends import CustomCache, PanelCacheBackend, with_language
from .cache.entry import BadEntry, PageEntry, pack, unpack
from .cache.epochs import settle
from .cache.keys import EPOCH_KEY, name_part, vary_part
from .cache.store import PageCache, fingerprint, set_many
from .clone import freeze
from .headers import PERSONAL
from .panel import Panel
from .placeholders import for_serving, for_storage
from .rendering import PanelOutcome, PanelRenderer

if TYPE_CHECKING:
    from .mixins import LayoutMixin

logger = logging.getLogger("layouts_cbv")

PAGE_PREFIX = "layouts:page:"
CACHEABLE_METHODS = frozenset({"GET", "HEAD"})


def applies(view: LayoutMixin) -> bool:
    """Return whether this request may be served from, or stored in, the page cache."""
    request = view.request  # type: ignore[attr-defined]
    return (
        view.get_page_cache() is not None
        and request.method in CACHEABLE_METHODS
        and conf.get("CACHE_ENABLED")
        and not view.is_partial()
    )


def is_baked(panel: Panel, page: PanelCacheBackend) -> bool:
    """Return whether ``panel`` can be stored inside a page cached with ``page``."""
    strategy = panel.cache
    if strategy is None or panel.condition is not None:
        return False
    if isinstance(strategy, CustomCache) and not strategy.varies_on_declared:
        return False  # nobody said what it varies on: assume it is personal
    return strategy.varies_on <= page.varies_on


@lru_cache(maxsize=1024)
def split(
    strategy: PanelCacheBackend, panels: tuple[tuple[str, Panel], ...]
) -> tuple[frozenset[str], tuple[str, ...], frozenset[str | None]]:
    """Return the holes and the baked panels of a page cached with ``strategy``, and
    the ``backend=`` of the baked panels' strategies (None: ``CACHE_BACKEND``).

    Declarations do not change, so each page's split is worked out once.
    """
    # A deferred panel's placeholder is part of the stored page; its panel is fetched
    # later, so it is neither baked nor a hole.
    rendered = [(name, panel) for name, panel in panels if not panel.defer]
    holes = frozenset(name for name, panel in rendered if not is_baked(panel, strategy))
    baked = tuple(name for name, _ in rendered if name not in holes)
    backends = frozenset(panel.cache.backend for name, panel in rendered if name in baked)  # type: ignore[union-attr]
    return holes, baked, backends


def page_key(view: LayoutMixin, strategy: PanelCacheBackend) -> str:
    """Return the cache key of this view's page for its request."""
    request = view.request  # type: ignore[attr-defined]
    name = name_part(f"{type(view).__module__}.{type(view).__qualname__}")
    vary = strategy.get_vary(request)
    query = request.META.get("QUERY_STRING", "")
    if query and not view.page_cache_ignore_query:
        vary = f"{vary}?{query}"
    vary = with_language(vary)
    return f"{PAGE_PREFIX}{name}:{vary_part(name, vary)}" if vary else PAGE_PREFIX + name


class PagePlan:
    """Which panels of one page are baked and which are holes, and where it is stored."""

    def __init__(self, view: LayoutMixin, panels: Mapping[str, Panel | None]):
        self.view = view
        self.strategy: PanelCacheBackend = view.get_page_cache()  # type: ignore[assignment]
        self.panels = {name: panel for name, panel in panels.items() if panel is not None}
        self.holes, baked, backends = split(self.strategy, tuple(self.panels.items()))
        self.baked = {name: self.panels[name] for name in baked}
        self.alias = alias_of(self.strategy)
        self._key: str | None = None
        default = conf.get("CACHE_BACKEND")
        self.epoch_aliases = sorted({backend or default for backend in backends})

    @property
    def key(self) -> str:
        """The page's cache key for this request (the lookup's, once it checked it)."""
        if self._key is None:
            self._key = page_key(self.view, self.strategy)
        return self._key

    def lookup(self) -> tuple[PageEntry | None, PageCache]:
        """Read the page, its epochs and its holes: one ``get_many`` per alias.

        Only when an epoch changed since the page was stored are its baked panels
        checked one by one, in a second read.
        """
        page_cache = PageCache()
        holes = {name: self.panels[name] for name in self.holes}
        request = self.view.request  # type: ignore[attr-defined]
        page_cache.add_panels(holes, request)
        with identity.trusting(request):  # a per-user page key is checked with the holes'
            self._key = page_key(self.view, self.strategy)
        page_cache.extra[self.alias].append(self.key)
        for alias in self.epoch_aliases:
            page_cache.extra[alias].append(EPOCH_KEY)
        page_cache.lookup()
        if identity.refuted(request):
            self._key = None  # keyed for a user this is not: build the page afresh
            return None, page_cache
        epochs = tuple(
            (alias, page_cache.found_extra.get((alias, EPOCH_KEY))) for alias in self.epoch_aliases
        )
        # The page built on a miss records these: read before its panels, they are
        # never newer than what it bakes in.
        self.view._layouts_epochs = epochs  # type: ignore[attr-defined]
        entry = self._unpacked(page_cache.found_extra.get((self.alias, self.key)))
        if entry is None or (entry.epochs == epochs and None not in dict(epochs).values()):
            return entry, page_cache
        if not self._baked_unchanged(entry):
            return None, page_cache  # a baked panel was invalidated, or the panels changed
        self._write(replace(entry, epochs=settle(epochs)))
        return entry, page_cache

    def _unpacked(self, value: Any) -> PageEntry | None:
        if value is None:
            return None
        try:
            entry: PageEntry = unpack(value, PageEntry)
        except BadEntry as exc:
            logger.warning("Cached page %r is unreadable (%s); rebuilding it.", self.key, exc)
            return None
        return entry if time.time() < entry.fresh_until else None

    def _baked_unchanged(self, entry: PageEntry) -> bool:
        # The baked panels' entries and generations, read as any page reads its panels
        # (keyed under the session's claim, which the lookup just made has checked).
        page_cache = PageCache()
        page_cache.add_panels(self.baked, self.view.request)  # type: ignore[attr-defined]
        page_cache.lookup()
        slots = page_cache.slots
        current = tuple(
            (name, slots[name].generation or "", fingerprint(slots[name].raw))
            if name in slots
            else (name, "", "")  # its key could not be made: it cannot be the same
            for name in self.baked
        )
        return current == entry.baked

    def store(
        self, assembled: Assembled, response: HttpResponse, html: str, content_reads: set[str]
    ) -> None:
        """Store the page built for this request, if all of it may be shared, and give
        the response the page's headers."""
        request = self.view.request  # type: ignore[attr-defined]
        outcomes = {outcome.name: outcome for outcome in assembled.outcomes}
        lifetime = self.strategy.timeout
        now = time.time()
        # The page is fresh no longer than the baked panels in it: it never needs to
        # read them to notice one expired.
        fresh_until = min(
            [now + lifetime if lifetime is not None else float("inf")]
            + [outcomes[name].fresh_until or now for name in self.baked if name in outcomes]
        )
        personal = is_personal(assembled.holes.values())
        if response.status_code != 200 or fresh_until <= now:
            return
        if not self._shareable(outcomes, content_reads):
            return
        add_headers(response, html, now, fresh_until, personal)
        baked = tuple(
            (name, outcomes[name].generation or "", outcomes[name].fingerprint)
            for name in self.baked
        )
        seen = getattr(self.view, "_layouts_epochs", ())
        entry = PageEntry(
            for_storage(assembled.stored, request),
            tuple(assembled.stored_items),
            baked,
            # Epochs not read before the panels (no lookup ran) are left out: the page
            # then checks its panels once, on its first hit.
            settle(seen) if seen else (),
            now,
            fresh_until,
            response.get("Content-Type", ""),
            response.get("Vary", ""),
            personal,
        )
        self._write(entry)

    def _write(self, entry: PageEntry) -> None:
        try:
            data = pack(entry)
        except Exception as exc:
            logger.warning("Page %r is not cached: it cannot be pickled (%s).", self.key, exc)
            return
        remaining = entry.fresh_until - time.time()
        set_many(self.alias, {self.key: data}, None if remaining == float("inf") else remaining)

    def _shareable(self, outcomes: Mapping[str, PanelOutcome], content_reads: set[str]) -> bool:
        from .leaks import may_store

        for name in self.baked:
            outcome = outcomes.get(name)
            if outcome is None or outcome.failed or not (outcome.from_cache or outcome.stored):
                return False  # an error, or a panel its own cache refused, is not baked in
        return may_store(f"page of {type(self.view).__name__}", self.strategy, content_reads)


def is_personal(holes: Any) -> bool:
    """Return whether any filled hole depends on who is asking."""
    return any(outcome.varies_on & PERSONAL for outcome in holes)


def serve_cached(view: LayoutMixin) -> HttpResponse | None:
    """Return the page from the cache with its holes filled, or None on a miss."""
    request: HttpRequest = view.request  # type: ignore[attr-defined]
    try:
        # On a hit the view's get() never runs: hooks that need what it sets (such as
        # self.object) cannot work here, and the page is rendered as usual instead.
        plan = PagePlan(view, view.get_panels())
        layout = view.get_layout()(view)
        layout_context = freeze({**layout.get_layout_context(request), **view.get_layout_context()})
    except Exception as exc:
        needs_get(view, exc)
        return None
    entry, page_cache = plan.lookup()
    if entry is None:
        return None
    renderer = PanelRenderer(request, layout_context, layout.error_template)
    holes = renderer.render_all({name: plan.panels[name] for name in plan.holes}, page_cache)
    html = serve(
        for_serving(entry.html, request), list(entry.queue_items), holes, layout.queues, request
    )
    response = HttpResponse(html, content_type=entry.content_type or None)
    if entry.vary:
        headers.add_vary(response, [v.strip() for v in entry.vary.split(",")])
    headers.apply(response, holes.values())
    deferred = {name: panel for name, panel in plan.panels.items() if panel.defer}
    report.add_others(request, plan.baked, "baked")
    report.add_others(request, deferred, "deferred")
    timing.apply(response, holes.values(), holes=plan.holes, deferred=deferred, page="hit")
    add_headers(response, html, entry.created, entry.fresh_until, is_personal(holes.values()))
    return not_modified(response, request)


_warned: set[type] = set()


def needs_get(view: LayoutMixin, exc: Exception) -> None:
    """Warn, once per view class, that its hooks cannot run on a page-cache hit."""
    if type(view) in _warned:
        return
    _warned.add(type(view))
    logger.warning(
        "%s has page_cache, but get_panels(), get_layout() or get_layout_context() failed "
        "without the view's get() (%s: %s); its pages are rendered on every request. Make "
        "those hooks work from self.request and self.kwargs alone.",
        type(view).__name__,
        type(exc).__name__,
        exc,
    )


def add_headers(
    response: HttpResponse, html: str, created: float, fresh_until: float, personal: bool
) -> None:
    """Add Age, ETag and Cache-Control (private when a hole is personal) to a page."""
    now = time.time()
    response["Age"] = str(max(0, int(now - created)))
    response["ETag"] = '"' + hashlib.blake2b(html.encode(), digest_size=16).hexdigest() + '"'
    if personal:
        headers.add_cache_control(response, private=True)
        headers.add_vary(response, ["Cookie"])
    elif fresh_until != float("inf"):
        remaining = max(0, int(fresh_until - now))
        headers.add_cache_control(response, max_age=remaining)
        response["Expires"] = http_date(now + remaining)


def not_modified(response: HttpResponse, request: HttpRequest) -> HttpResponse:
    """Return a 304 instead of ``response`` when the browser already has this ETag."""
    asked = request.META.get("HTTP_IF_NONE_MATCH")
    if not asked or response["ETag"] not in parse_etags(asked):
        return response
    answer = HttpResponseNotModified()
    for header in ("ETag", "Cache-Control", "Expires", "Vary", "Age"):
        if header in response:
            answer[header] = response[header]
    return answer
