"""Reads and writes of panel entries: one ``get_many`` per alias, one ``set_many`` per timeout."""

from __future__ import annotations

import logging
import math
import random
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..placeholders import holds_any
from ..sources import PanelHeaders
from . import copies, flight, generations, identity, plans
from .aliases import key_version
from .backends import PanelCacheBackend
from .entry import (
    COST_US,
    CREATED,
    FRESH_UNTIL,
    GENERATION,
    STALE_FOR,
    TAG,
    Entry,
    Stored,
    is_entry,
    pack,
    pack_items,
)
from .epochs import new_epoch
from .flight import by_alias
from .keys import EPOCH_KEY, generation_key, new_generation

if TYPE_CHECKING:
    from django.http import HttpRequest

    from ..panel import Panel

logger = logging.getLogger("layouts_cbv")


@dataclass(slots=True)
class Slot:
    """One cached panel of one page: where its entry lives and what was found there."""

    name: str
    strategy: PanelCacheBackend
    key: str
    alias: str
    generation: str | None = None
    raw: Any = None  # what the cache holds under the key, as stored (a tuple)
    # The entry found, as stored (read by the positions in .entry), when it is one of
    # this release and of the current generation.
    entry: Stored | None = None
    held: bool = False  # this request holds its render lock
    token: str = ""  # what this request wrote to its lock, to know it again
    stored_until: float | None = None  # fresh-until of the entry this request stored
    pending: tuple[Stored, float | None] | None = None  # to publish, and for how long
    new_generation: bool = False  # its generation is new: publish it with the entry

    def found(self, raw: Any, generation: str | None) -> None:
        """Take what one read found for this slot."""
        self.raw, self.generation = raw, generation
        self.entry = valid_entry(self.name, self.key, raw, generation)

    @property
    def fresh_until(self) -> float | None:
        """Until when the entry found, or stored by this request, is fresh."""
        if self.stored_until is not None:
            return self.stored_until
        entry = self.entry
        return entry[FRESH_UNTIL] if entry is not None else None


@dataclass
class PageCache:
    """The cache side of one page: looked up together, written together.

    A panel served from what the lookup found costs nothing but its entries in the
    dicts below; its :class:`Slot` is made only when it needs more (a lock, a write, a
    second look), through :attr:`slots`.
    """

    request: HttpRequest | None = None  # set by add_panels()

    # The page's cached panels: each one's key for this request, its plan (shared by
    # every request of the same panels: never changed here), the entry the lookup
    # found under its key (None: none, or not a current one), anything else it found
    # there, and the generations that were current, by alias.
    keys: dict[str, str] = field(default_factory=dict)
    plan: plans.Plan = plans.EMPTY  # of the page's panels, shared by every request of them
    _entries: dict[str, Stored | None] = field(default_factory=dict)
    _other: dict[str, Any] = field(default_factory=dict)
    _generations: dict[str, Mapping[str, str | None]] = field(default_factory=dict)
    _slots: dict[str, Slot] = field(default_factory=dict)

    # Other keys to read in the same calls (a cached page and its epochs), by alias.
    extra: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    found_extra: dict[tuple[str, str], Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.slots = Slots(self)

    def add_panels(self, panels: Mapping[str, Panel], request: HttpRequest) -> None:
        """Key every cached panel of ``panels`` for ``request``.

        Per-user keys use the user id the session claims; :meth:`lookup` checks it.
        """
        self.request = request
        plan = self.plan = plans.plan(panels)
        keys = self.keys = dict(plan.fixed_keys)
        if len(keys) < len(plan.by_name):
            with identity.trusting(request):
                for name, planned in plan.by_name.items():
                    if planned.key is None:
                        key = _key_or_none(name, planned.strategy, request)
                        if key is not None:
                            keys[name] = key

    @property
    def planned(self) -> dict[str, plans.Planned]:
        """The plan of each cached panel of the page, by name."""
        return self.plan.by_name

    def lookup(self) -> None:
        """Fetch every entry, generation and extra key: one ``get_many`` per alias."""
        grouped = (
            self.plan.by_alias
            if len(self.keys) == len(self.planned)  # every panel keyed: the usual case
            else plans.by_alias(self.planned, self.keys)
        )
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
        for name, key in list(self.keys.items()):
            new_key = _key_or_none(name, self.planned[name].strategy, self.request)  # type: ignore[arg-type]
            if new_key == key:
                continue
            if new_key is None:
                del self.keys[name]
                self._entries.pop(name, None)
                self._other.pop(name, None)
                continue
            self.keys[name] = new_key
            changed.append(name)
        # What was read under a changed key is read again, replacing it.
        for alias, names in plans.by_alias(self.planned, changed).items():
            self._read(alias, names)

    def _read(self, alias: str, names: list[str]) -> None:
        # The alias's epoch comes in the same call, and the generations too when this
        # process does not know them: a warm page reads its entries and one key more.
        extra = self.extra.get(alias, [])
        remembered = generations.known(alias, names)
        keys = [self.keys[name] for name in names] + extra
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
        known = self._generations.get(alias)
        self._generations[alias] = read if known is None or known is read else {**known, **read}
        keyed, entries = self.keys, self._entries
        for name in names:
            raw = found.get(keyed[name])
            # Each entry is checked once, as it is read: the usual case, an entry of
            # this release and the current generation, in one line.
            if is_entry(raw) and raw[GENERATION] == read[name]:
                entries[name] = raw
            else:
                entries[name] = valid_entry(name, keyed[name], raw, read[name])  # None
                if raw is not None:
                    self._other[name] = raw

    def entry(self, name: str) -> Stored | None:
        """Return the entry the lookup found for panel ``name``, as stored, if it is one
        of this release and of the current generation."""
        slot = self._slots.get(name)
        return slot.entry if slot is not None else self._entries.get(name)

    def slot(self, name: str) -> Slot:
        """Return the slot of the cached panel ``name``, made from the lookup when first
        asked for."""
        slot = self._slots.get(name)
        if slot is None:
            planned = self.planned[name]
            slot = Slot(name, planned.strategy, self.keys[name], planned.alias)
            entry = slot.entry = self._entries.get(name)
            slot.raw = entry if entry is not None else self._other.get(name)
            slot.generation = self._generations.get(planned.alias, {}).get(name)
            self._slots[name] = slot  # from now on, what the slot holds is the panel's
        return slot

    def state(self, name: str, now: float) -> tuple[str, Stored | None]:
        """Return how panel ``name`` stands (``hit``, ``early``, ``stale`` or ``miss``) and
        its entry as stored, when it may be served.

        ``early`` and ``stale`` entries are served while one request refreshes them.
        """
        # On a warm page no panel has a slot: the lookup's entries are the panels'.
        entry = self.entry(name) if self._slots else self._entries.get(name)
        if entry is None:
            return MISS, None
        fresh_until = entry[FRESH_UNTIL]
        if now < fresh_until:
            if name in self.plan.early and _refresh_early(entry, now):
                return EARLY, entry
            return HIT, entry
        if now < fresh_until + entry[STALE_FOR]:
            return STALE, entry
        return MISS, None

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
        started = {slot.alias for slot in slots if slot.new_generation}
        written = set()
        for slot in slots:
            if slot.new_generation:
                slot.new_generation = False
                if not _started(slot):
                    slot.pending = None  # not stored: see _started()
            if slot.pending is not None:
                data, stored_for = slot.pending
                writes[(slot.alias, stored_for)][slot.key] = data
                written.add(slot.name)
                slot.pending = None
        for (alias, timeout), values in writes.items():
            set_many(alias, values, timeout)
        for alias in started:
            # A new generation: processes that knew none must read it again.
            new_epoch(alias)
        for alias, group in by_alias(slot for slot in slots if slot.held).items():
            flight.release(alias, group, written)

    def hand_over(self, name: str) -> Slot:
        """Give the held lock of ``name`` to a background refresh, which releases it."""
        slot = self.slots[name]
        slot.held = False
        return slot


class Slots(Mapping[str, Slot]):
    """The cached panels of a page as :class:`Slot` objects, each made when first asked
    for (see :class:`PageCache`)."""

    def __init__(self, page_cache: PageCache):
        self._page_cache = page_cache

    def __getitem__(self, name: str) -> Slot:
        if name not in self._page_cache.keys:
            raise KeyError(name)
        return self._page_cache.slot(name)

    def __contains__(self, name: object) -> bool:
        return name in self._page_cache.keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._page_cache.keys)

    def __len__(self) -> int:
        return len(self._page_cache.keys)


def valid_entry(name: str, key: str, raw: Any, generation: str | None) -> Stored | None:
    """Return ``raw``, found under panel ``name``'s ``key``, when it is an entry of this
    release and of ``generation``; None otherwise (a miss)."""
    if raw is None:
        return None
    if not is_entry(raw):
        logger.warning(
            "Cache entry %r of panel %r is unreadable (not a layouts_cbv entry of this "
            "release: %s); treating it as a miss.",
            key,
            name,
            type(raw).__name__,
        )
        return None
    if generation is None or raw[GENERATION] != generation:
        return None  # invalidated by invalidate_all(), or its generation was evicted
    return raw


# Panel states: see layouts_cbv.report for the whole vocabulary.
HIT, EARLY, STALE, MISS, UNCACHED = "hit", "early", "stale", "miss", "uncached"
WAITED = "waited"


def _started(slot: Slot) -> bool:
    """Start the generation ``slot`` made up for its first entry; False when another one
    began meanwhile.

    Added, not set: an ``invalidate_all()`` while the panel rendered, or another first
    render, started one of its own, which wins. This render was built from what was read
    before that, so it is not stored (its entry, under a generation that lost, would be a
    miss and would push out the winner's). Copies that disagree (a server came back
    with an old one, so the lookup found none) are set right with this one instead.
    """
    key, version = generation_key(slot.name), key_version()
    if copies.add(slot.alias, key, slot.generation, None, version):
        return True
    if get_many(slot.alias, [key]).get(key) is not None:
        return False
    return copies.write(slot.alias, key, slot.generation, version)


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


def _refresh_early(entry: Stored, now: float) -> bool:
    # Probabilistic early expiration ("XFetch", Vattani et al.): the nearer the expiry
    # and the costlier the render, the likelier one request refreshes ahead of time.
    cost = entry[COST_US] / 1e6
    return now - cost * math.log(1.0 - random.random()) >= entry[FRESH_UNTIL]


def pack_for(
    slot: Slot,
    html: str,
    queue_items: Iterable[tuple[str, Any]],
    cost: float,
    headers: PanelHeaders | None = None,
) -> tuple[Stored, float | None, float] | None:
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
        pack_items(queue_items),
        slot.generation or "",
        now,
        fresh_until,
        strategy.stale_ttl,
        round(cost * 1e6),
        (headers.vary, headers.cache_control) if headers.vary or headers.cache_control else None,
        holds_any(html),
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


def get_many(alias: str, keys: list[str]) -> dict[str, Any]:
    """Return what ``alias`` holds for ``keys``; ``{}`` when the cache fails."""
    return copies.get_many(alias, keys, key_version())


def set_many(alias: str, data: dict[str, Any], timeout: float | None) -> None:
    stored_for = None if timeout is None else max(1, round(timeout))
    copies.set_many(alias, data, stored_for, key_version())


def written_at(raw: Any) -> float:
    """Return when a stored entry was written (0 when it is none): what a page baking it
    in records, to tell whether it is still the same entry."""
    return raw[CREATED] if is_entry(raw) else 0.0
