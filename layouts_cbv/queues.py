"""Render queues: scripts, styles and custom items that panels ask the page to render.

Items are collected per request, deduplicated in first-seen order, cached with the
panel that added them and replayed when that panel is served from the cache. On a layout
page every queue named must be one its layout declares: a typo raises
:class:`~layouts_cbv.exceptions.QueueNotDeclared` instead of losing the items.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from .exceptions import QueueNotDeclared

__all__ = [
    "RenderQueue",
    "Script",
    "ScriptQueue",
    "Style",
    "StyleQueue",
    "add_script",
    "add_style",
    "add_to_queue",
]

REQUEST_ATTR = "_layouts_cbv_queues"
# The layout whose queues the request's queue names are checked against. Panel clones
# copy it with the request's other attributes: their items go to the same page.
DECLARED_ATTR = "_layouts_cbv_declared_queues"


@dataclass(frozen=True)
class Script:
    """A script tag: an external ``src`` or an ``inline`` body."""

    src: str = ""
    inline: str = ""
    is_async: bool = False
    is_deferred: bool = False

    def dedup_key(self) -> Hashable:
        return ("script", self.src) if self.src else ("script-inline", self.inline.strip())

    def __reduce__(self) -> tuple[Any, ...]:
        # Cached with their panel: by position, not by field name, which halves their size.
        return (Script, (self.src, self.inline, self.is_async, self.is_deferred))

    def __html__(self) -> str:
        if not self.src:
            return format_html("<script>{}</script>", mark_safe(self.inline))
        flags = (" async" if self.is_async else "") + (" defer" if self.is_deferred else "")
        return format_html('<script src="{}"{}></script>', self.src, mark_safe(flags))

    __str__ = __html__


@dataclass(frozen=True)
class Style:
    """A stylesheet link (``href``) or an ``inline`` style block."""

    href: str = ""
    inline: str = ""
    media: str = ""

    def dedup_key(self) -> Hashable:
        return (
            ("style", self.href, self.media) if self.href else ("style-inline", self.inline.strip())
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (Style, (self.href, self.inline, self.media))

    def __html__(self) -> str:
        if not self.href:
            return format_html("<style>{}</style>", mark_safe(self.inline))
        if self.media:
            return format_html(
                '<link rel="stylesheet" href="{}" media="{}">', self.href, self.media
            )
        return format_html('<link rel="stylesheet" href="{}">', self.href)

    __str__ = __html__


def dedup_key(item: Any) -> Hashable:
    """Return what makes two queue items the same item."""
    if hasattr(item, "dedup_key"):
        return item.dedup_key()
    if isinstance(item, str):
        # The same snippet indented differently is still the same snippet.
        return ("str", item.strip())
    try:
        hash(item)
    except TypeError:
        return ("repr", repr(item))
    return ("obj", item)


class RenderQueue:
    """A named queue of items rendered together, by ``template`` when one is given.

    The template receives ``items`` (the deduplicated list) and ``queue`` (this object).
    Without a template, each item is rendered escaped unless it is already safe HTML.
    """

    def __init__(self, template: str | None = None):
        if template is not None and not isinstance(template, str):
            raise TypeError(f"RenderQueue template must be a template name, not {template!r}.")
        self.template = template

    def render(self, items: list[Any], request: HttpRequest | None = None) -> SafeString:
        if not items:
            return mark_safe("")  # an empty queue leaves no wrapper behind
        if self.template:
            context = {"items": items, "queue": self}
            return mark_safe(render_to_string(self.template, context, request))
        return mark_safe("\n".join(conditional_escape(item) for item in items))

    def __repr__(self) -> str:
        return f"<{type(self).__name__} template={self.template!r}>"


class ScriptQueue(RenderQueue):
    """The queue of ``<script>`` tags, filled by :func:`add_script` and ``{% addscript %}``."""


class StyleQueue(RenderQueue):
    """The queue of stylesheets, filled by :func:`add_style` and ``{% addstyle %}``."""


class QueueCollector:
    """The render-queue items gathered while rendering one request (or one panel clone)."""

    def __init__(self) -> None:
        self._queues: dict[str, dict[Hashable, Any]] = {}
        # Every add in order, so a panel's items can be cached and replayed as they came.
        self.record: list[tuple[str, Any]] = []
        # While a layout is assembled, render tags leave markers that are filled at the end.
        self.deferred = False
        # Names add_to_queue() was given before the page's layout was known.
        self.unchecked: set[str] = set()

    def add(self, name: str, item: Any) -> None:
        self.record.append((name, item))
        self._queues.setdefault(name, {}).setdefault(dedup_key(item), item)

    def extend(self, entries: Iterable[tuple[str, Any]]) -> None:
        for name, item in entries:
            self.add(name, item)

    def items(self, name: str) -> list[Any]:
        return list(self._queues.get(name, {}).values())

    def names(self) -> list[str]:
        return list(self._queues)


def get_collector(request: HttpRequest) -> QueueCollector:
    """Return the queue collector of ``request``, creating it on first use."""
    collector = getattr(request, REQUEST_ATTR, None)
    if collector is None:
        collector = QueueCollector()
        setattr(request, REQUEST_ATTR, collector)
    return collector


def add_script(
    request: HttpRequest,
    src: str = "",
    *,
    inline: str | None = None,
    is_async: bool = False,
    is_deferred: bool = False,
) -> None:
    """Queue a script for the page: an external ``src`` or an ``inline`` body."""
    if bool(src) == bool(inline):
        raise ValueError("add_script() takes either a src or inline=, not both or neither.")
    script = Script(src=src, inline=inline or "", is_async=is_async, is_deferred=is_deferred)
    get_collector(request).add("scripts", script)


def add_style(
    request: HttpRequest, href: str = "", *, inline: str | None = None, media: str = ""
) -> None:
    """Queue a stylesheet for the page: an ``href`` or an ``inline`` block."""
    if bool(href) == bool(inline):
        raise ValueError("add_style() takes either an href or inline=, not both or neither.")
    get_collector(request).add("styles", Style(href=href, inline=inline or "", media=media))


def add_to_queue(request: HttpRequest, name: str, item: Any) -> None:
    """Queue any item in the render queue called ``name``.

    Raise :class:`~layouts_cbv.exceptions.QueueNotDeclared` when the page's layout does
    not declare ``name``; before the layout is known (in a view's handler), when it is.
    """
    collector = get_collector(request)
    if getattr(request, DECLARED_ATTR, None) is None:
        collector.unchecked.add(name)
    else:
        check_declared(request, name)
    collector.add(name, item)


def declare_queues(request: HttpRequest, layout: Any) -> None:
    """Check the queue names used on ``request`` against ``layout.queues`` from now on,
    and those given to :func:`add_to_queue` already.

    The first layout declared wins: a layout view rendered as another page's panel adds
    its items to that page's queues.
    """
    if getattr(request, DECLARED_ATTR, None) is not None:
        return
    setattr(request, DECLARED_ATTR, layout)
    collector = getattr(request, REQUEST_ATTR, None)
    if collector is not None and collector.unchecked:
        for name in sorted(collector.unchecked):
            check_declared(request, name)


def check_declared(request: HttpRequest, name: str) -> None:
    """Raise :class:`~layouts_cbv.exceptions.QueueNotDeclared` if the layout declared on
    ``request`` has no queue ``name`` (nothing is checked where no layout is)."""
    layout = getattr(request, DECLARED_ATTR, None)
    if layout is not None and name not in layout.queues:
        raise QueueNotDeclared(name, _owner(layout), list(layout.queues))


def _owner(layout: Any) -> str:
    from .layout import Layout, label_of

    if layout is Layout:
        return "this page (a view with layout_template only has 'scripts' and 'styles')"
    return f"layout {label_of(layout)!r}"
