"""Read one panel entry as it is stored, for ``manage.py layouts_cache inspect``."""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass
from typing import Any

from . import copies
from .aliases import key_version
from .entry import BadEntry, Entry, unpack
from .invalidation import aliases_for
from .keys import generation_key, panel_key


@dataclass
class StoredEntry:
    alias: str
    key: str
    size: int | None = None
    entry: Entry | None = None
    current: bool = False
    problem: str = ""

    def age(self, now: float | None = None) -> float | None:
        return None if self.entry is None else (now or time.time()) - self.entry.created


def inspect_entry(panel_name: str, vary: str | None = None) -> list[StoredEntry]:
    """Return what every alias of ``panel_name`` holds for ``vary`` (None: the sitewide entry)."""
    key = panel_key(panel_name, vary or "")
    found = []
    for alias in sorted(aliases_for(panel_name)):
        values = copies.get_many(alias, [key, generation_key(panel_name)], key_version())
        found.append(_read(alias, key, values.get(key), values.get(generation_key(panel_name))))
    return found


def _read(alias: str, key: str, value: Any, generation: Any) -> StoredEntry:
    stored = StoredEntry(alias, key)
    if value is None:
        return stored
    stored.size = len(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
    try:
        stored.entry = unpack(value)
    except BadEntry as exc:
        stored.problem = str(exc)
        return stored
    stored.current = generation is not None and stored.entry.generation == generation
    return stored
