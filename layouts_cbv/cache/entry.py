"""What a panel's cache entry holds, and how it is packed so bad entries are only misses.

Entries are pickled here, into bytes, before Django's backend stores them: a corrupt,
foreign or outdated entry then fails in :func:`unpack`, one key at a time, instead of
failing the whole ``get_many`` of the page inside the backend.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, fields
from typing import Any

MAGIC = "layouts_cbv"
# Bump when the tuple below changes: entries of older releases become misses.
FORMAT = 6


class BadEntry(ValueError):
    """A cached value that is not a readable layouts_cbv entry."""


@dataclass(frozen=True)
class Entry:
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


@dataclass(frozen=True)
class PageEntry:
    """A whole page in its stored form (see :mod:`layouts_cbv.assembly`)."""

    html: str
    queue_items: tuple[tuple[str, Any], ...]
    # (baked panel, generation, fingerprint of its entry) as the page was built with them
    baked: tuple[tuple[str, str, str], ...]
    # (cache alias, epoch) of its baked panels' aliases when it was built or last checked
    epochs: tuple[tuple[str, str | None], ...]
    created: float
    fresh_until: float
    content_type: str
    vary: str  # the page's Vary header when it was built


def _fields(cls: type) -> tuple[str, ...]:
    return _FIELD_NAMES[cls]


def pack(entry: Entry | PageEntry) -> bytes:
    """Return ``entry`` as bytes; raise if something in it cannot be pickled."""
    values = tuple(getattr(entry, name) for name in _fields(type(entry)))
    return pickle.dumps((MAGIC, FORMAT, type(entry).__name__, *values), pickle.HIGHEST_PROTOCOL)


def unpack(value: Any, kind: type = Entry) -> Any:
    """Return the entry of ``kind`` packed in ``value``; raise :class:`BadEntry` otherwise."""
    if not isinstance(value, bytes):
        raise BadEntry(f"not a layouts_cbv entry: {type(value).__name__}")
    try:
        loaded = pickle.loads(value)
    except Exception as exc:
        raise BadEntry(f"cannot be unpickled: {exc!r}") from exc
    if not (
        isinstance(loaded, tuple)
        and len(loaded) == 3 + len(_fields(kind))
        and loaded[:3] == (MAGIC, FORMAT, kind.__name__)
    ):
        raise BadEntry("not a layouts_cbv entry of this release")
    entry = kind(*loaded[3:])
    if not (isinstance(entry.html, str) and isinstance(entry.queue_items, tuple)):
        raise BadEntry("the entry's fields have the wrong types")
    return entry


# Field names, in order, of each kind of entry: computed once, not per read.
_FIELD_NAMES: dict[type, tuple[str, ...]] = {
    kind: tuple(field.name for field in fields(kind)) for kind in (Entry, PageEntry)
}
