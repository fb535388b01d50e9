"""What a panel's cache entry holds, and how it is stored so that a warm hit reads it once.

An entry is stored as a plain tuple whose first item is :data:`TAG`: the backend pickles
it on the way in and unpickles it on the way out, and that is the only unpickling a hit
does. The hit reads the tuple where it lies, by the positions below; nothing is built
from it. A value that is not a tuple of the right shape with this release's tag
(another program's, a corrupt one, one from an older release) is not an entry
(:func:`is_entry` is false, :func:`unpack` raises :class:`BadEntry`), and the panel is
a miss. A value whose unpickling fails inside the backend costs that key alone (see
:func:`layouts_cbv.cache.guard.get_many`).

The tuple is kept small, since a cache holds one per panel and variant: beside the
panel's HTML and queue items, about 60 bytes once pickled (measured by ``make bench``).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable
from typing import Any, NamedTuple, TypeGuard, TypeVar

from django.utils.safestring import SafeString

from ..queues import Script, Style

# Tells an entry of this release from anything else under its key. Change it when a
# tuple below changes: entries of older releases become misses. A small int pickles in
# two bytes.
TAG = 9
PAGE_TAG = "lcbv:page:8"


class BadEntry(ValueError):
    """A cached value that is not a readable layouts_cbv entry."""


class Entry(NamedTuple):
    """A cached panel, as stored (see :func:`pack`)."""

    tag: int
    html: str
    queue_items: tuple[tuple[Any, ...], ...]  # as pack_items() stores them
    generation: str
    created: float  # also what tells one write of the entry from another
    fresh_until: float
    stale_for: float = 0  # seconds past fresh_until it may still be served
    cost_us: int = 0  # microseconds the render took, for early refresh
    # The panel response's (Vary headers, Cache-Control), when it had any: merged into
    # every page that serves the entry.
    headers: tuple[tuple[str, ...], str] | None = None
    # Whether the HTML holds placeholders for a request's CSRF token or CSP nonce:
    # told once, as it is stored, so a hit does not search the HTML for them.
    placeholders: bool = False

    @property
    def stale_until(self) -> float:
        return stale_until(self)

    @property
    def items(self) -> tuple[tuple[str, Any], ...]:
        """The render-queue items, as the page gets them."""
        return unpack_items(self.queue_items)

    @property
    def cost(self) -> float:
        """Seconds the render took."""
        return self.cost_us / 1e6


Stored = tuple[Any, ...]
"""An entry as stored: the tuple an :class:`Entry` packs to, read by the positions below."""

# Positions in the stored tuple, for the paths that read it where it lies.
HTML, QUEUE_ITEMS, GENERATION, CREATED, FRESH_UNTIL, STALE_FOR, COST_US, HEADERS, PLACEHOLDERS = (
    range(1, 10)
)
SIZE = len(Entry._fields)


def is_entry(value: Any) -> TypeGuard[Stored]:
    """Return whether ``value`` is an entry of this release, as stored."""
    return (
        type(value) is tuple
        and len(value) == SIZE
        and value[0] == TAG
        and type(value[HTML]) is str
        and type(value[QUEUE_ITEMS]) is tuple
    )


# Queue items are stored by position too. A script in "scripts", a stylesheet in
# "styles" and a marked-safe string go in as plain tuples led by a code for their kind,
# what is empty left out: pickled as themselves, each kind would cost the entry its
# class's module and name, some 30 bytes, and each item its queue's name. Anything else
# goes in as itself, after its queue's name.
_SCRIPT, _STYLE, _SAFE = 1, 2, 3


def pack_items(items: Iterable[tuple[str, Any]]) -> tuple[tuple[Any, ...], ...]:
    """Return render-queue ``items`` as an entry stores them (see :func:`unpack_items`)."""
    packed: list[tuple[Any, ...]] = []
    for queue, item in items:
        kind = type(item)
        if kind is Script and queue == "scripts":
            flags = item.is_async | item.is_deferred << 1
            packed.append(
                (_SCRIPT, item.src, flags, item.inline)
                if item.inline
                else (_SCRIPT, item.src, flags)
            )
        elif kind is Style and queue == "styles":
            packed.append(
                (_STYLE, item.href, item.media, item.inline)
                if item.inline
                else (_STYLE, item.href, item.media)
            )
        elif kind is SafeString:
            packed.append((_SAFE, queue, str.__str__(item)))
        else:
            packed.append((queue, item))
    return tuple(packed)


def unpack_items(packed: tuple[tuple[Any, ...], ...]) -> tuple[tuple[str, Any], ...]:
    """Return the render-queue items an entry stored as ``packed``."""
    items: list[tuple[str, Any]] = []
    for stored in packed:
        kind = stored[0]
        if kind == _SCRIPT:
            flags, inline = stored[2], stored[3] if len(stored) > 3 else ""
            items.append(("scripts", Script(stored[1], inline, bool(flags & 1), bool(flags & 2))))
        elif kind == _STYLE:
            inline = stored[3] if len(stored) > 3 else ""
            items.append(("styles", Style(stored[1], inline, stored[2])))
        elif kind == _SAFE:
            items.append((stored[1], SafeString(stored[2])))
        else:
            items.append(stored)  # type: ignore[arg-type]
    return tuple(items)


def stale_until(stored: Stored) -> float:
    """Return until when the stored entry ``stored`` may be served, fresh or stale."""
    return stored[FRESH_UNTIL] + stored[STALE_FOR]


class PageEntry(NamedTuple):
    """A whole page in its stored form (see :mod:`layouts_cbv.assembly`)."""

    tag: str
    html: str
    queue_items: tuple[tuple[str, Any], ...]
    # (baked panel, generation, time its entry was written) as the page was built with them
    baked: tuple[tuple[str, str, float], ...]
    # (cache alias, epoch) of its baked panels' aliases when it was built or last checked
    epochs: tuple[tuple[str, str | None], ...]
    created: float
    fresh_until: float
    content_type: str
    vary: str  # the page's Vary header when it was built
    # Its Cache-Control when it was stored (what its baked panels' responses said, such
    # as private), before the page cache's own max-age: every hit says it again.
    cache_control: str
    etag: str  # a digest of the stored page, the part of its validator that does not change


E = TypeVar("E", Entry, PageEntry)


def pack(entry: Entry | PageEntry) -> tuple[Any, ...]:
    """Return ``entry`` as the plain tuple to store; raise if its items cannot be pickled.

    Checked here, on the way in, so one panel that cannot be cached is not stored while
    the others written with it are.
    """
    pickle.dumps(entry.queue_items, pickle.HIGHEST_PROTOCOL)
    # The HTML goes in as a plain str: a SafeString is pickled with its class, 45 bytes
    # more per entry and a slower load on every hit. Serving reads it as safe HTML
    # (see layouts_cbv.assembly.Panels).
    return (entry[0], str.__str__(entry[1]), *entry[2:])


def unpack(value: Any, kind: type[E] = Entry) -> E:  # type: ignore[assignment]
    """Return the entry of ``kind`` stored as ``value``; raise :class:`BadEntry` otherwise."""
    if kind is Entry:
        valid = is_entry(value)
    else:
        valid = (
            type(value) is tuple
            and len(value) == len(kind._fields)
            and value[0] == PAGE_TAG
            and isinstance(value[1], str)
            and type(value[2]) is tuple
        )
    if not valid:
        raise BadEntry(f"not a layouts_cbv entry of this release: {type(value).__name__}")
    return kind._make(value)
