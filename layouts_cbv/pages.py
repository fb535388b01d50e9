"""Whole-page caching with per-visitor holes (``page_cache = cache.per_path(600)``).

A page is stored in its stored form (see :mod:`layouts_cbv.assembly`). Panels cached
with a strategy whose key tells apart nothing the page's key does not are *baked* into
it; every other panel (uncached, conditional, cached per user on a per-path page, a
strategy that does not declare ``varies_on``, ...) is a *hole*, filled on every request
from its own cache entry or a fresh render.

The pipeline reads the page, the epochs of its baked panels' aliases (see
:mod:`layouts_cbv.cache.epochs`), and the entries of its holes and of its baked panels
in one ``get_many`` per alias. A page whose epochs are unchanged is served without
looking at its baked panels; after an invalidation the baked entries read with it tell
whether the page still holds, so even then nothing more is read.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import time
from collections.abc import Collection, Mapping
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.http import http_date, parse_etags

from . import conf, headers, nonces
from .cache import identity
from .cache.aliases import alias_of
from .cache.backends import PanelCacheBackend
from .cache.entry import PAGE_TAG, BadEntry, PageEntry, pack, unpack
from .cache.epochs import settle
from .cache.keys import EPOCH_KEY, name_part, vary_part
from .cache.store import PageCache, set_many, written_at
from .cache.variation import LANGUAGE, PERSONAL, QUERY, variation_of
from .leaks import may_store
from .panel import Panel
from .placeholders import for_storage
from .rendering import PanelOutcome

if TYPE_CHECKING:
    from .mixins import LayoutMixin

logger = logging.getLogger("layouts_cbv")

PAGE_PREFIX = "layouts:page:"
CACHEABLE_METHODS = frozenset({"GET", "HEAD"})


def key_names(strategy: PanelCacheBackend, ignore_query: bool) -> frozenset[str]:
    """Return what a page key tells apart: its strategy's names, the query string unless
    ignored, and the language when LocaleMiddleware is installed."""
    variation = variation_of(strategy)
    names = set(variation.names if variation.declared else ())
    if not ignore_query:
        names.add(QUERY)
    if conf.locale_middleware_installed():
        names.add(LANGUAGE)
    return frozenset(names)


def is_baked(panel: Panel, page_names: frozenset[str]) -> bool:
    """Return whether ``panel`` can be stored inside a page whose key tells ``page_names`` apart."""
    if panel.cache is None or panel.condition is not None:
        return False
    return variation_of(panel.cache).within(page_names)


@lru_cache(maxsize=1024)
def split(
    page_names: frozenset[str], panels: tuple[tuple[str, Panel], ...]
) -> tuple[frozenset[str], tuple[str, ...], tuple[str, ...]]:
    """Return the holes and the baked panels of a page, and the cache aliases the baked
    panels live in (``None`` standing for ``CACHE_BACKEND``).

    Declarations do not change, so each page's split is worked out once.
    """
    # A deferred panel's placeholder is part of the stored page; its panel is fetched
    # later, so it is neither baked nor a hole.
    rendered = [(name, panel) for name, panel in panels if not panel.defer]
    holes = frozenset(name for name, panel in rendered if not is_baked(panel, page_names))
    baked = tuple(name for name, _ in rendered if name not in holes)
    backends = {panel.cache.backend for name, panel in rendered if name in baked}  # type: ignore[union-attr]
    return holes, baked, tuple(sorted(backends, key=str))  # type: ignore[arg-type]


class UnstableArguments(ValueError):
    """``as_view()`` arguments that have no description stable across processes."""


def _stable(value: Any) -> str:
    # The same in every process for the same code: it goes into shared cache keys.
    if value is None or isinstance(value, str | bytes | int | float | bool):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(map(_stable, value)) + "]"
    if isinstance(value, set | frozenset):
        return "{" + ",".join(sorted(map(_stable, value))) + "}"
    if isinstance(value, dict):
        return "{" + ",".join(sorted(f"{_stable(k)}:{_stable(v)}" for k, v in value.items())) + "}"
    if inspect.isclass(value) or inspect.isroutine(value):
        line = getattr(getattr(value, "__code__", None), "co_firstlineno", "")
        return f"{value.__module__}.{value.__qualname__}@{line}"
    if isinstance(value, Panel):
        panel = (value.source.describe(), value.cache, value.condition, value.defer, value.context)
        return "Panel" + _stable(panel)
    if isinstance(value, PanelCacheBackend):
        strategy = (type(value), value.timeout, value.backend, value.stale_ttl, value.varies_on)
        return "Cache" + _stable(strategy)
    text = repr(value)
    if " at 0x" in text:
        raise UnstableArguments(text)
    return text


def arguments_part(initkwargs: Mapping[str, Any]) -> str:
    """Return the digest of a view's ``as_view()`` arguments ("" when there are none).

    Raise :class:`UnstableArguments` when one cannot be described the same way in
    every process.
    """
    if not initkwargs:
        return ""
    return hashlib.sha256(_stable(dict(initkwargs)).encode()).hexdigest()[:16]


def _escape(vary: str) -> str:
    # The separators below appear in the strategy's part only escaped, so a path that
    # holds "?" can never be taken for a path plus a query.
    return vary.replace("%", "%25").replace("?", "%3F").replace("#", "%23").replace("@", "%40")


def page_key(view: LayoutMixin, strategy: PanelCacheBackend) -> str:
    """Return the cache key of this view's page for its request:
    ``layouts:page:{view}[:{vary}[@{language}][#{arguments}][?{query}]]``."""
    request: HttpRequest = view.request  # type: ignore[attr-defined]
    name = name_part(f"{type(view).__module__}.{type(view).__qualname__}")
    vary = _escape(strategy.get_vary(request))
    if conf.locale_middleware_installed():
        vary += "@" + (translation.get_language() or "")
    arguments = arguments_part(view.layout_initkwargs)
    if arguments:
        vary += "#" + arguments
    query = request.META.get("QUERY_STRING", "")
    if query and not view.page_cache_ignore_query:
        vary += "?" + query
    return f"{PAGE_PREFIX}{name}:{vary_part(name, vary)}" if vary else PAGE_PREFIX + name


class PagePlan:
    """How the page of one request is cached: its key, its baked panels and its holes."""

    def __init__(self, view: LayoutMixin, strategy: PanelCacheBackend, panels: Mapping[str, Panel]):
        self.view = view
        self.request: HttpRequest = view.request  # type: ignore[attr-defined]
        self.strategy = strategy
        self.names = key_names(strategy, view.page_cache_ignore_query)
        self.holes, self.baked, backends = split(self.names, tuple(panels.items()))
        default = conf.get("CACHE_BACKEND")
        self.epoch_aliases = sorted({backend or default for backend in backends})
        self.alias = alias_of(strategy)
        self.key = ""
        self.epochs: tuple[tuple[str, str | None], ...] = ()

    def add_to(self, lookup: PageCache) -> None:
        """Have ``lookup`` read the page and the epochs of its baked panels' aliases."""
        with identity.trusting(self.request):  # a per-user page key is checked with the rest
            self.key = page_key(self.view, self.strategy)
        lookup.extra[self.alias].append(self.key)
        for alias in self.epoch_aliases:
            lookup.extra[alias].append(EPOCH_KEY)

    def found(self, lookup: PageCache) -> PageEntry | None:
        """Return the stored page ``lookup`` found, if it may still be served."""
        if identity.refuted(self.request):
            # Keyed for a user this is not: build the page afresh, for the real visitor.
            self.key = page_key(self.view, self.strategy)
            return None
        # The page built on a miss records these: read before its panels, they are
        # never newer than what it bakes in.
        self.epochs = tuple(
            (alias, lookup.found_extra.get((alias, EPOCH_KEY))) for alias in self.epoch_aliases
        )
        entry = self._unpacked(lookup.found_extra.get((self.alias, self.key)))
        if entry is None:
            return None
        if entry.epochs == self.epochs and None not in dict(self.epochs).values():
            return entry
        if self._baked_now(lookup) != entry.baked:
            return None  # a baked panel was invalidated, or the panels changed
        self._write(entry._replace(epochs=settle(self.epochs)))
        return entry

    def _baked_now(self, lookup: PageCache) -> tuple[tuple[str, str, float], ...]:
        slots = lookup.slots
        return tuple(
            (name, slots[name].generation or "", written_at(slots[name].raw))
            if name in slots
            else (name, "", 0.0)  # its key could not be made: it cannot be the same
            for name in self.baked
        )

    def _unpacked(self, value: Any) -> PageEntry | None:
        if value is None:
            return None
        try:
            entry: PageEntry = unpack(value, PageEntry)
        except BadEntry as exc:
            logger.warning("Cached page %r is unreadable (%s); rebuilding it.", self.key, exc)
            return None
        return entry if time.time() < entry.fresh_until else None

    def store(
        self,
        response: HttpResponse,
        stored: str,
        stored_items: list[tuple[str, Any]],
        outcomes: Mapping[str, PanelOutcome],
        reads: Collection[str],
    ) -> PageEntry | None:
        """Store the page built for this request if all of it may be shared, and return
        it (None: not stored)."""
        now = time.time()
        lifetime = self.strategy.timeout
        # The page is fresh no longer than the baked panels in it: it never needs to
        # read them to notice one expired.
        fresh_until = min(
            [now + lifetime if lifetime is not None else float("inf")]
            + [outcomes[name].fresh_until or now for name in self.baked if name in outcomes]
        )
        if response.status_code != 200 or response.cookies or fresh_until <= now:
            return None  # a cookie set for one visitor would reach none of the others
        if not self._shareable(outcomes, reads):
            return None
        baked = tuple(
            (name, outcomes[name].generation or "", outcomes[name].written_at)
            for name in self.baked
        )
        html = for_storage(stored, self.request)
        entry = PageEntry(
            PAGE_TAG,
            html,
            tuple(stored_items),
            baked,
            # Epochs not read before the panels (no lookup ran) are left out: the page
            # then checks its panels once, on its first hit.
            settle(self.epochs) if self.epochs else (),
            now,
            fresh_until,
            response.get("Content-Type", ""),
            response.get("Vary", ""),
            response.get("Cache-Control", ""),
            hashlib.blake2b(html.encode(), digest_size=12).hexdigest(),
        )
        self._write(entry)
        return entry

    def _write(self, entry: PageEntry) -> None:
        try:
            data = pack(entry)
        except Exception as exc:
            logger.warning("Page %r is not cached: it cannot be pickled (%s).", self.key, exc)
            return
        remaining = entry.fresh_until - time.time()
        set_many(self.alias, {self.key: data}, None if remaining == float("inf") else remaining)

    def _shareable(self, outcomes: Mapping[str, PanelOutcome], reads: Collection[str]) -> bool:
        for name in self.baked:
            outcome = outcomes.get(name)
            if outcome is None or outcome.failed or not (outcome.from_cache or outcome.stored):
                return False  # an error, or a panel its own cache refused, is not baked in
        label = f"page of {type(self.view).__name__}"
        return may_store(label, self.strategy, reads, also=self.names)


_warned: set[tuple[type, str]] = set()


def not_cached(view: LayoutMixin, why: str, exc: Exception) -> None:
    """Warn, once per view class and reason, that a page is rendered instead of cached."""
    if (type(view), why) in _warned:
        return
    _warned.add((type(view), why))
    logger.warning(
        "%s has page_cache, but %s (%s: %s); its pages are rendered on every request.",
        type(view).__name__,
        why,
        type(exc).__name__,
        exc,
    )


NEEDS_GET = (
    "get_panels(), get_layout() or get_layout_context() failed without the view's get(). "
    "Make those hooks work from self.request and self.kwargs alone"
)
UNSTABLE = "its as_view() arguments cannot be part of a page key"
DECORATED = (
    "its get() is decorated, and a stored page would be served before the decorator's "
    "checks ran. Decorate dispatch() instead, or use an access mixin"
)


class DecoratedHandler(Exception):
    """A view's ``get()`` is wrapped by a decorator (see :func:`decorated_handler`)."""


@cache
def decorated_handler(view_class: type) -> bool:
    """Return whether ``view_class.get`` is decorated (``method_decorator``, ``wraps``).

    The page cache answers from inside the handler it wraps, which is the decorated
    ``get``: a decorator's check (``login_required``, ``permission_required``) would run
    only when the page is built. Such a view is never served from the page cache.
    """
    return hasattr(getattr(view_class, "get", None), "__wrapped__")


def validator(page_etag: str, holes: Mapping[str, PanelOutcome], request: HttpRequest) -> str:
    """Return the ETag of a page as served: its stored form's digest, what filled each
    hole, and what of this request the page carries. Ask it once the page is filled.

    A hole served from its cache entry counts by that entry (key and time written), a
    hole rendered for this request by its HTML with this request's CSRF token and CSP
    nonce taken out: so a visitor's repeat request gets the same ETag while nothing
    changed, and no two visitors whose holes differ ever share one. What the tokens
    and nonces stood for counts instead: the CSRF secret when the page used a token (a
    new secret, as logging in makes, must not keep a form the server now refuses),
    and the nonce when it used one (a new one on every response, which a 304 would
    leave the page's scripts without).
    """
    parts = [page_etag]
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):  # get_token() was called
        parts.append(f"csrf={request.META.get('CSRF_COOKIE', '')}")
    nonce = nonces.current_nonce(request)  # only if something used it
    if nonce:
        parts.append(f"nonce={nonce}")
    for name in sorted(holes):
        outcome = holes[name]
        if outcome.from_cache:
            parts.append(f"{name}={outcome.key}@{outcome.written_at!r}")
        else:
            parts.append(f"{name}:{for_storage(outcome.html, request)}")
    digest = hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()
    return f'"{digest}"'


def add_headers(
    response: HttpResponse,
    etag: str,
    created: float,
    fresh_until: float,
    depends_on: Collection[str],
) -> None:
    """Add Age, ETag, Vary and Cache-Control (private when the page depends on the visitor)
    to a page that may be cached, which depends on ``depends_on``."""
    now = time.time()
    response["Age"] = str(max(0, int(now - created)))
    response["ETag"] = etag
    headers.add_vary(response, headers.vary_for(depends_on))
    if PERSONAL & set(depends_on):
        headers.add_cache_control(response, private=True)
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
