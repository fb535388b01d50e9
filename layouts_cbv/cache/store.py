"""Reads and writes of panel entries: one ``get_many`` per alias, one ``set_many`` per timeout."""

from __future__ import annotations

import logging
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .. import conf
from ..sources import PanelHeaders
from . import copies, flight, generations, identity
from .aliases import key_version
from .backends import PanelCacheBackend
from .entry import TAG, BadEntry, Entry, pack, unpack
from .epochs import new_epoch
from .flight import by_alias
from .invalidation import declare
from .keys import EPOCH_KEY, GENERATION_PREFIX, generation_key, new_generation

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ..panel import Panel

logger = logging.getLogger("layouts_cbv")


_UNREAD: Any = object()


@dataclass(slots=True)
class Slot:
    """One cached panel of one page: where its entry lives and what was found there.

    The entry is unpacked only when asked for: a page served whole reads the entries
    of its baked panels with its own, but never needs them while nothing changed.
    """

    name: str
    strategy: PanelCacheBackend
    key: str
    alias: str
    generation: str | None = None
    raw: Any = None  # what the cache holds under the key, as stored (a tuple)
    held: bool = False  # this request holds its render lock
    token: str = ""  # what this request wrote to its lock, to know it again
    stored_until: float | None = None  # fresh-until of the entry this request stored
    pending: tuple[tuple[Any, ...], float | None] | None = None  # to publish, and for how long
    new_generation: bool = False  # its generation is new: publish it with the entry
    _entry: Any = _UNREAD

    def found(self, raw: Any, generation: str | None) -> None:
        """Take what one read found for this slot."""
        self.raw, self.generation, self._entry = raw, generation, _UNREAD

    @property
    def entry(self) -> Entry | None:
        """The entry found, if it is readable and of the current generation."""
        if self._entry is _UNREAD:
            self._entry = _valid_entry(self, self.raw)
        return self._entry

    @property
    def fresh_until(self) -> float | None:
        """Until when the entry found, or stored by this request, is fresh."""
        if self.stored_until is not None:
            return self.stored_until
        entry = self.entry
        return entry.fresh_until if entry is not None else None


@dataclass
class PageCache:
    """The cache side of one page: looked up together, written together."""

    slots: dict[str, Slot] = field(default_factory=dict)

    request: HttpRequest | None = None  # set by add_panels()

    # Other keys to read in the same calls (a cached page and its epochs), by alias.
    extra: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    found_extra: dict[tuple[str, str], Any] = field(default_factory=dict)

    def add_panels(self, panels: Mapping[str, Panel], request: HttpRequest) -> None:
        """Add a slot for every cached panel of ``panels``, keyed for ``request``.

        Per-user keys use the user id the session claims; :meth:`lookup` checks it.
        """
        self.request = request
        default = conf.get("CACHE_BACKEND")
        with identity.trusting(request):
            for name, panel in panels.items():
                strategy = panel.cache if panel is not None else None
                if strategy is None:
                    continue
                alias = strategy.backend or default
                declare(name, panel, alias)  # type: ignore[arg-type]
                key = _key_or_none(name, strategy, request)
                if key is not None:
                    self.slots[name] = Slot(name, strategy, key, alias)

    def lookup(self) -> None:
        """Fetch every entry, generation and extra key: one ``get_many`` per alias."""
        grouped = by_alias(self.slots.values())
        aliases = {*grouped, *self.extra}
        record = identity.unchecked_record_key(self.request) if self.request else None
        if record is not None:
            for alias in aliases:
                self.extra[alias].append(record)
        for alias in aliases:
            self._read(alias, grouped.get(alias, []))
        if record is None:
            return
        records = [self.found_extra.get((alias, record)) for alias in aliases]
        if not identity.check(self.request, records, aliases):
            self._rekey()

    def _rekey(self) -> None:
        # The session's claim was wrong: key every panel for the real user, and read
        # again what that changed. Nothing was rendered or stored in between.
        changed = []
        for slot in list(self.slots.values()):
            key = _key_or_none(slot.name, slot.strategy, self.request)  # type: ignore[arg-type]
            if key != slot.key:
                if key is None:
                    del self.slots[slot.name]
                    continue
                slot.key = key
                changed.append(slot)
        for alias, slots in by_alias(changed).items():
            self._read(alias, slots)

    def _read(self, alias: str, slots: list[Slot]) -> None:
        # The alias's epoch comes in the same call, and the generations too when this
        # process does not know them: a warm page reads its entries and one key more.
        extra = self.extra.get(alias, [])
        names = [slot.name for slot in slots]
        remembered = generations.known(alias, names)
        keys = [slot.key for slot in slots] + extra
        if EPOCH_KEY not in extra:
            keys.append(EPOCH_KEY)
        if remembered is None:
            keys += [generation_key(name) for name in names]
        found = get_many(alias, keys)
        self.found_extra.update(((alias, key), found.get(key)) for key in extra)
        epoch = found.get(EPOCH_KEY)
        if remembered is None or remembered[0] != epoch:
            if remembered is not None:  # an epoch has passed: read them again, once
                found.update(get_many(alias, [generation_key(name) for name in names]))
            read = {name: found.get(generation_key(name)) for name in names}
            generations.learn(alias, epoch, read)
        else:
            read = remembered[1]
        for slot in slots:
            slot.found(found.get(slot.key), read[slot.name])

    def state(self, name: str, now: float) -> tuple[str, Entry | None]:
        """Return how panel ``name`` stands: ``hit``, ``early``, ``stale`` or ``miss``.

        ``early`` and ``stale`` entries are served while one request refreshes them.
        """
        slot = self.slots.get(name)
        if slot is None:
            return MISS, None
        entry = slot.entry
        if entry is None or now >= entry.stale_until:  # not servable
            return MISS, None
        if now >= entry.fresh_until:
            return STALE, entry
        if slot.strategy.early_refresh and _refresh_early(entry, now):
            return EARLY, entry
        return HIT, entry

    def claim(self, names: Iterable[str]) -> dict[str, str]:
        """Take the render lock of each panel (see :func:`flight.claim`)."""
        return flight.claim(self.slots[name] for name in names)

    def store(
        self,
        name: str,
        html: str,
        queue_items: Iterable[tuple[str, Any]],
        cost: float = 0.0,
        headers: PanelHeaders | None = None,
    ) -> None:
        """Pack the freshly rendered panel ``name``, for :meth:`publish` to write."""
        slot = self.slots[name]
        if slot.generation is None:
            # First use, or the generation was evicted: start one, so entries of an
            # earlier generation can never come back.
            slot.generation, slot.new_generation = new_generation(), True
        packed = pack_for(slot, html, queue_items, cost, headers)
        if packed is not None:
            data, stored_for, slot.stored_until = packed
            slot.pending, slot.raw = (data, stored_for), data

    def publish(self, names: Iterable[str]) -> None:
        """Write the entries of ``names`` that :meth:`store` packed (one ``set_many`` per
        alias and timeout) and give up their locks, so waiters get them at once."""
        slots = [self.slots[name] for name in names if name in self.slots]
        writes: dict[tuple[str, float | None], dict[str, Any]] = defaultdict(dict)
        written = set()
        for slot in slots:
            if slot.new_generation:
                writes[(slot.alias, None)][generation_key(slot.name)] = slot.generation
                slot.new_generation = False
            if slot.pending is not None:
                data, stored_for = slot.pending
                writes[(slot.alias, stored_for)][slot.key] = data
                written.add(slot.name)
                slot.pending = None
        for (alias, timeout), values in writes.items():
            set_many(alias, values, timeout)
            if timeout is None and any(key.startswith(GENERATION_PREFIX) for key in values):
                # A new generation: processes that knew none must read it again.
                new_epoch(alias)
        for alias, group in by_alias(slot for slot in slots if slot.held).items():
            flight.release(alias, group, written)

    def hand_over(self, name: str) -> Slot:
        """Give the held lock of ``name`` to a background refresh, which releases it."""
        slot = self.slots[name]
        slot.held = False
        return slot


# Panel states: see layouts_cbv.report for the whole vocabulary.
HIT, EARLY, STALE, MISS, UNCACHED = "hit", "early", "stale", "miss", "uncached"


def _key_or_none(name: str, strategy: PanelCacheBackend, request: HttpRequest) -> str | None:
    try:
        return strategy.make_key(name, request)
    except Exception:
        logger.exception("The cache key of panel %r could not be made; it renders uncached", name)
        return None


def write_one(
    slot: Slot,
    html: str,
    queue_items: Iterable[tuple[str, Any]],
    cost: float,
    headers: PanelHeaders | None = None,
) -> None:
    """Store one refreshed entry and release its lock (for background refreshes)."""
    packed = pack_for(slot, html, queue_items, cost, headers)
    if packed is not None:
        data, stored_for, _ = packed
        set_many(slot.alias, {slot.key: data}, stored_for)
    flight.drop(slot.alias, [slot])


def _refresh_early(entry: Entry, now: float) -> bool:
    # Probabilistic early expiration ("XFetch", Vattani et al.): the nearer the expiry
    # and the costlier the render, the likelier one request refreshes ahead of time.
    return now - entry.cost * math.log(1.0 - random.random()) >= entry.fresh_until


def pack_for(
    slot: Slot,
    html: str,
    queue_items: Iterable[tuple[str, Any]],
    cost: float,
    headers: PanelHeaders | None = None,
) -> tuple[tuple[Any, ...], float | None, float] | None:
    """Return the packed entry for ``slot``, how long the cache should keep it and until
    when it is fresh.

    None when the strategy stores nothing (timeout 0) or its queue items cannot be pickled.
    """
    strategy = slot.strategy
    if strategy.timeout == 0:
        return None
    lifetime = _lifetime(strategy)
    now = time.time()
    fresh_until = now + lifetime if lifetime is not None else float("inf")
    headers = headers or PanelHeaders()
    entry = Entry(
        TAG,
        html,
        tuple(queue_items),
        slot.generation or "",
        now,
        fresh_until,
        fresh_until + strategy.stale_ttl,
        cost,
        headers.vary,
        headers.cache_control,
    )
    try:
        data = pack(entry)
    except Exception as exc:
        logger.warning("Panel %r is not cached: its output cannot be pickled (%s).", slot.name, exc)
        return None
    return data, None if lifetime is None else lifetime + strategy.stale_ttl, fresh_until


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
    return copies.get_many(alias, keys, key_version())


def set_many(alias: str, data: dict[str, Any], timeout: float | None) -> None:
    stored_for = None if timeout is None else max(1, round(timeout))
    copies.set_many(alias, data, stored_for, key_version())


def written_at(raw: Any) -> float:
    """Return when a stored entry was written (0 when it is none): what a page baking it
    in records, to tell whether it is still the same entry."""
    return raw[4] if type(raw) is tuple and len(raw) > 4 and raw[0] == TAG else 0.0
