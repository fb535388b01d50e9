"""What a panel's cache entry holds, and how it is stored so that a warm hit reads it once.

An entry is stored as a plain tuple whose first item is :data:`TAG`: the backend pickles
it on the way in and unpickles it on the way out, and that is the only unpickling a hit
does. A value that is not a tuple of the right shape with this release's tag (another
program's, a corrupt one, one from an older release) is not an entry: :func:`unpack`
raises :class:`BadEntry`, and the panel is a miss. A value whose unpickling fails inside
the backend costs that key alone (see :func:`layouts_cbv.cache.guard.get_many`).
"""

from __future__ import annotations

import pickle
from typing import Any, NamedTuple, TypeVar

# Tells an entry of this release from anything else under its key. Change it when a
# tuple below changes: entries of older releases become misses.
TAG = "lcbv:7"
PAGE_TAG = "lcbv:page:7"


class BadEntry(ValueError):
    """A cached value that is not a readable layouts_cbv entry."""


class Entry(NamedTuple):
    """A cached panel."""

    tag: str
    html: str
    queue_items: tuple[tuple[str, Any], ...]
    generation: str
    created: float
    fresh_until: float
    stale_until: float
    cost: float = 0.0  # seconds the render took, for early refresh
    vary: tuple[str, ...] = ()  # the panel response's Vary headers, merged into every page
    cache_control: str = ""  # the panel response's Cache-Control, for the page's

    def is_fresh(self, now: float) -> bool:
        return now < self.fresh_until

    def is_servable(self, now: float) -> bool:
        """Return whether the entry may be served, fresh or stale."""
        return now < self.stale_until


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
    etag: str  # a digest of the stored page, the part of its validator that does not change


E = TypeVar("E", Entry, PageEntry)
_TAGS: dict[type, str] = {Entry: TAG, PageEntry: PAGE_TAG}


def pack(entry: Entry | PageEntry) -> tuple[Any, ...]:
    """Return ``entry`` as the plain tuple to store; raise if its items cannot be pickled.

    Checked here, on the way in, so one panel that cannot be cached is not stored while
    the others written with it are.
    """
    pickle.dumps(entry.queue_items, pickle.HIGHEST_PROTOCOL)
    # The HTML goes in as a plain str: a SafeString is pickled with its class, 45 bytes
    # more per entry and a slower load on every hit. Serving marks it safe again.
    return (entry[0], str.__str__(entry[1]), *entry[2:])


def unpack(value: Any, kind: type[E] = Entry) -> E:  # type: ignore[assignment]
    """Return the entry of ``kind`` stored as ``value``; raise :class:`BadEntry` otherwise."""
    if (
        type(value) is not tuple
        or len(value) != len(kind._fields)
        or value[0] != _TAGS[kind]
        or not isinstance(value[1], str)
        or type(value[2]) is not tuple
    ):
        raise BadEntry(f"not a layouts_cbv entry of this release: {type(value).__name__}")
    return kind._make(value)
