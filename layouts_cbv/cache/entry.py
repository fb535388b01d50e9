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
FORMAT = 3


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


_FIELDS = tuple(field.name for field in fields(Entry))


def pack(entry: Entry) -> bytes:
    """Return ``entry`` as bytes; raise if something in it cannot be pickled."""
    values = tuple(getattr(entry, name) for name in _FIELDS)
    return pickle.dumps((MAGIC, FORMAT, *values), pickle.HIGHEST_PROTOCOL)


def unpack(value: Any) -> Entry:
    """Return the entry packed in ``value``; raise :class:`BadEntry` for anything else."""
    if not isinstance(value, bytes):
        raise BadEntry(f"not a layouts_cbv entry: {type(value).__name__}")
    try:
        loaded = pickle.loads(value)
    except Exception as exc:
        raise BadEntry(f"cannot be unpickled: {exc!r}") from exc
    if not (
        isinstance(loaded, tuple)
        and len(loaded) == 2 + len(_FIELDS)
        and loaded[:2] == (MAGIC, FORMAT)
    ):
        raise BadEntry("not a layouts_cbv entry of this release")
    entry = Entry(*loaded[2:])
    if not (
        isinstance(entry.html, str)
        and isinstance(entry.queue_items, tuple)
        and isinstance(entry.vary, tuple)
        and isinstance(entry.cache_control, str)
    ):
        raise BadEntry("the entry's fields have the wrong types")
    return entry
