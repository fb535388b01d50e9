"""Single flight: one render per cold panel per expiry, however many requests and panels.

A request that misses a panel takes its *lock* with the cache's ``add()``; only a
definite "added" holds it (some backends answer ``None`` for a key that exists). Then:

1. it renders the panels it holds and **publishes each as soon as it is rendered**: the
   entry is written and the lock released, before it waits for anything;
2. it waits for the panels others hold, as long as something it waits for keeps arriving:
   the budget, ``LOCK_WAIT``, is one per page and counts time without progress;
3. when nothing arrived for ``LOCK_WAIT``, one waiter per panel takes it over (whoever
   adds its *late* key); the others wait for that one;
4. a lock that vanishes without an entry (its holder died and the lock expired after
   ``LOCK_TIMEOUT``) is taken by one waiter, through ``add()`` again;
5. a holder that will not store what it rendered (it failed, or the leak guard refused
   it) *opens* its lock, and waiters render at once instead of waiting for nothing.

No request waits longer than ``LOCK_TIMEOUT`` in all. When the cache cannot be reached
the panel is rendered at once, unlocked.
"""

from __future__ import annotations

import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .. import conf
from . import copies, guard
from .aliases import key_version
from .entry import FRESH_UNTIL, Stored, stale_until
from .keys import generation_key, late_key, lock_key

if TYPE_CHECKING:
    from .store import PageCache, Slot


def by_alias(slots: Iterable[Slot]) -> dict[str, list[Slot]]:
    """Group ``slots`` by the cache alias they live in."""
    grouped: dict[str, list[Slot]] = {}
    for slot in slots:
        grouped.setdefault(slot.alias, []).append(slot)
    return grouped


HELD, TAKEN, UNAVAILABLE = "held", "taken", "unavailable"
OPEN = "open"
"""The value of a lock whose holder stored nothing: render it yourself."""


def claim(slots: Iterable[Slot], *, late: bool = False) -> dict[str, str]:
    """Try to take the lock (or, with ``late``, the takeover key) of each slot.

    Return for each panel ``HELD`` (added: this request renders it), ``TAKEN`` (the
    cache answered, and it was not added) or ``UNAVAILABLE`` (the cache failed).
    """
    timeout = conf.get("LOCK_TIMEOUT")
    version = key_version()
    claims = {}
    for slot in slots:
        key = (late_key if late else lock_key)(slot.key)
        token = slot.token = secrets.token_hex(4)

        def add(cache: Any, key: str = key, token: str = token) -> Any:
            return cache.add(key, token, timeout, version=version)

        added = guard.attempt(slot.alias, "add", add)
        if isinstance(added, guard.Failure):
            claims[slot.name] = UNAVAILABLE
        elif added is True:
            slot.held = True
            claims[slot.name] = HELD
        else:
            claims[slot.name] = TAKEN
    return claims


def release(alias: str, slots: list[Slot], written: set[str]) -> None:
    """Give up the locks of ``slots``: drop those whose entry was ``written``, open the others."""
    drop(alias, [slot for slot in slots if slot.name in written])
    opened = {lock_key(slot.key): OPEN for slot in slots if slot.name not in written}
    if opened:
        timeout, version = conf.get("LOCK_TIMEOUT"), key_version()
        guard.call(alias, "set_many", None, lambda c: c.set_many(opened, timeout, version=version))
    for slot in slots:
        slot.held = False


def drop(alias: str, slots: list[Slot]) -> None:
    """Delete the locks (and takeover keys) of ``slots``: anyone may render them now."""
    keys = [key for slot in slots for key in (lock_key(slot.key), late_key(slot.key))]
    if keys:
        version = key_version()
        guard.call(alias, "delete_many", None, lambda c: c.delete_many(keys, version=version))
    for slot in slots:
        slot.held = False


@dataclass
class Sighting:
    """What one poll saw of a panel another request renders."""

    entry: Stored | None  # when it may be served
    lock: Any
    late: Any


def poll(page_cache: PageCache, slots: list[Slot]) -> dict[str, Sighting]:
    """Read the entries, generations and locks of ``slots``: one ``get_many`` per alias."""
    sightings = {}
    version = key_version()
    now = time.time()
    for alias, group in by_alias(slots).items():
        keys = [key for s in group for key in (s.key, generation_key(s.name))]
        keys += [key for s in group for key in (lock_key(s.key), late_key(s.key))]
        found = copies.get_many(alias, keys, version)
        for slot in group:
            slot.found(found.get(slot.key), found.get(generation_key(slot.name)))
            entry = slot.entry
            if entry is not None and now >= stale_until(entry):
                entry = None
            sightings[slot.name] = Sighting(
                entry, found.get(lock_key(slot.key)), found.get(late_key(slot.key))
            )
    return sightings


def recheck(page_cache: PageCache, names: list[str]) -> dict[str, Stored]:
    """Return the entries of panels just locked that were published since the lookup.

    Another request may publish and release a panel between this request's lookup and
    its ``add()``: the lock is then free again, and only a second look tells that the
    render is done. Those locks are dropped at once.
    """
    slots = [page_cache.slots[name] for name in names]
    found = {name: s.entry for name, s in poll(page_cache, slots).items() if s.entry is not None}
    for alias, group in by_alias(slot for slot in slots if slot.name in found).items():
        drop(alias, group)
    return found


def refreshed(page_cache: PageCache, names: list[str]) -> set[str]:
    """Return which panels, just locked to refresh them, another request has refreshed
    since the lookup (their locks are dropped at once).

    Its refresh may have written the new entry and released the lock between this
    request's lookup and its ``add()``: refreshing again would render twice.
    """
    slots = [page_cache.slots[name] for name in names]
    seen = {slot.name: slot.fresh_until for slot in slots}
    done = [
        page_cache.slots[name]
        for name, sighting in poll(page_cache, slots).items()
        if sighting.entry is not None and sighting.entry[FRESH_UNTIL] != seen[name]
    ]
    for alias, group in by_alias(done).items():
        drop(alias, group)
    return {slot.name for slot in done}


def wait(
    page_cache: PageCache, names: list[str], render: Callable[[list[str]], None]
) -> dict[str, Stored]:
    """Wait for the panels ``names`` that others hold; return the entries that arrived.

    ``render(names)`` renders (and publishes) panels this request takes on itself.
    """
    found: dict[str, Stored] = {}
    pending = set(names)
    budget, cap = float(conf.get("LOCK_WAIT")), float(conf.get("LOCK_TIMEOUT"))
    started = progress = time.monotonic()
    seen: dict[str, tuple[Any, Any]] = {}
    misled: Counter[str] = Counter()
    pause = 0.005
    while pending:
        # Soon enough to catch a fast render, rarely enough that a crowd of waiters
        # does not hammer the cache while a slow one runs.
        time.sleep(pause)
        pause = min(pause * 1.5, 0.05)
        mine = []
        for name, sighting in poll(page_cache, [page_cache.slots[n] for n in pending]).items():
            slot = page_cache.slots[name]
            if sighting.entry is not None:
                found[name] = sighting.entry
                pending.discard(name)
                progress = time.monotonic()
            elif sighting.lock == OPEN:
                mine.append(name)
            elif slot.token in (sighting.lock, sighting.late):
                # Added after all, though the cache did not say so: it is this request's.
                slot.held = True
                mine.append(name)
            elif sighting.lock is None and sighting.late is None:
                mine += _orphaned(page_cache, name, misled)
            elif seen.get(name) != (sighting.lock, sighting.late):
                progress = time.monotonic()  # a new holder: it has just started
            seen[name] = (sighting.lock, sighting.late)
        pending -= set(mine)
        render(mine)
        now = time.monotonic()
        if pending and now - started >= cap:
            render(sorted(pending))  # every lock has expired by now: nobody is coming
            break
        if pending and now - progress >= budget:
            # Nothing arrived for a whole budget: one waiter per panel takes it over.
            claims = claim((page_cache.slots[name] for name in sorted(pending)), late=True)
            mine = sorted(name for name, claimed in claims.items() if claimed != TAKEN)
            # The takeover key is free again once an earlier taker has published: look
            # once more before rendering a copy that is already there.
            arrived = recheck(page_cache, [name for name in mine if claims[name] == HELD])
            found.update(arrived)
            pending -= set(mine)
            render([name for name in mine if name not in arrived])
            progress = time.monotonic()
    return found


def _orphaned(page_cache: PageCache, name: str, misled: Counter[str]) -> list[str]:
    # No entry and no lock: its holder gave up or died, and one waiter claims it again.
    # Or the read was torn: on a cache of several servers the entry and the lock live
    # on different ones, and one read may see the entry before it was written and the
    # lock after it was released. So, holding the lock, look once more.
    claimed = claim([page_cache.slots[name]])[name]
    if claimed == HELD and recheck(page_cache, [name]):
        return []  # published after all: the next look serves it
    if claimed != TAKEN:
        return [name]
    misled[name] += 1
    # "Taken", yet no lock to be seen, twice: a cache that forgets what it is told
    # (errors swallowed by its client). Waiting on it would wait for nothing.
    return [name] if misled[name] >= 2 else []
