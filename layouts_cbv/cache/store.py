"""Reads and writes of panel entries: one ``get_many`` per alias, one ``set_many`` per timeout."""

from __future__ import annotations

import logging
import random
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import conf
from . import guard
from .backends import PanelCacheBackend
from .entry import BadEntry, Entry, pack, unpack
from .keys import generation_key, new_generation

logger = logging.getLogger("layouts_cbv")


def alias_of(strategy: PanelCacheBackend) -> str:
    """Return the cache alias a strategy stores in."""
    return strategy.backend or conf.get("CACHE_BACKEND")


def key_version() -> int | None:
    """Return the version every panel key is stored with (None: the alias's own)."""
    return conf.get("KEY_VERSION")


@dataclass
class Slot:
    """One cached panel of one page: where its entry lives and what was found there."""

    name: str
    strategy: PanelCacheBackend
    key: str
    alias: str
    generation: str | None = None
    entry: Entry | None = None


@dataclass
class PageCache:
    """The cache side of one page: looked up together, written together."""

    slots: dict[str, Slot] = field(default_factory=dict)
    _writes: dict[tuple[str, int | None], dict[str, bytes]] = field(
        default_factory=lambda: defaultdict(dict)
    )

    def add(self, name: str, strategy: PanelCacheBackend, key: str) -> None:
        self.slots[name] = Slot(name, strategy, key, alias_of(strategy))

    def lookup(self) -> None:
        """Fetch every entry and generation, one ``get_many`` per alias."""
        by_alias: dict[str, list[Slot]] = defaultdict(list)
        for slot in self.slots.values():
            by_alias[slot.alias].append(slot)
        for alias, slots in by_alias.items():
            keys = [s.key for s in slots] + [generation_key(s.name) for s in slots]
            found = get_many(alias, keys)
            for slot in slots:
                slot.generation = found.get(generation_key(slot.name))
                slot.entry = _valid_entry(slot, found.get(slot.key))

    def hit(self, name: str, now: float) -> Entry | None:
        """Return the fresh entry of panel ``name``, if the lookup found one."""
        slot = self.slots.get(name)
        if slot is None or slot.entry is None or not slot.entry.is_fresh(now):
            return None
        return slot.entry

    def store(self, name: str, html: str, queue_items: Iterable[tuple[str, Any]]) -> None:
        """Queue the freshly rendered panel ``name`` for the page's write."""
        slot = self.slots[name]
        strategy = slot.strategy
        if strategy.timeout == 0:
            return
        if slot.generation is None:
            # First use, or the generation was evicted: start one, so entries of an
            # earlier generation can never come back.
            slot.generation = new_generation()
            self._writes[(slot.alias, None)][generation_key(name)] = slot.generation
        lifetime = _lifetime(strategy)
        now = time.time()
        fresh_until = now + lifetime if lifetime is not None else float("inf")
        entry = Entry(
            html,
            tuple(queue_items),
            slot.generation,
            now,
            fresh_until,
            fresh_until + strategy.stale_ttl,
        )
        try:
            packed = pack(entry)
        except Exception as exc:
            logger.warning("Panel %r is not cached: its output cannot be pickled (%s).", name, exc)
            return
        stored_for = None if lifetime is None else lifetime + strategy.stale_ttl
        self._writes[(slot.alias, stored_for)][slot.key] = packed

    def flush(self) -> None:
        """Write what :meth:`store` queued, one ``set_many`` per alias and timeout."""
        for (alias, timeout), data in self._writes.items():
            set_many(alias, data, timeout)
        self._writes.clear()


def _lifetime(strategy: PanelCacheBackend) -> float | None:
    if strategy.timeout is None:
        return None
    if not strategy.jitter:
        return strategy.timeout
    # Spread expiry below the declared timeout, so panels cached together expire apart.
    return strategy.timeout * (1 - random.random() * strategy.jitter)


def _valid_entry(slot: Slot, value: Any) -> Entry | None:
    if value is None:
        return None
    try:
        entry = unpack(value)
    except BadEntry as exc:
        logger.warning(
            "Cache entry %r of panel %r is unreadable (%s); treating it as a miss.",
            slot.key,
            slot.name,
            exc,
        )
        return None
    if slot.generation is None or entry.generation != slot.generation:
        return None  # invalidated by invalidate_all(), or its generation was evicted
    return entry


def get_many(alias: str, keys: list[str]) -> dict[str, Any]:
    """Return what ``alias`` holds for ``keys``; ``{}`` when the cache fails."""
    version = key_version()
    return guard.call(alias, "get_many", {}, lambda c: c.get_many(keys, version=version))


def set_many(alias: str, data: dict[str, Any], timeout: float | None) -> None:
    version = key_version()
    stored_for = None if timeout is None else max(1, round(timeout))
    guard.call(
        alias, "set_many", None, lambda c: c.set_many(data, timeout=stored_for, version=version)
    )
