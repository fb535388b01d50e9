"""Epochs: one key per cache alias that every invalidation changes.

A cached page records the epoch of each alias its baked panels live in. While those
epochs stay the same, no baked panel can have been invalidated, so a warm page reads
one key per alias instead of an entry and a generation per baked panel.
"""

from __future__ import annotations

from . import copies
from .aliases import key_version
from .keys import EPOCH_KEY, new_generation

Epochs = tuple[tuple[str, str | None], ...]  # (alias, epoch or None when there is none)


def new_epoch(alias: str) -> bool:
    """Start a new epoch in ``alias``: pages built before it check their panels again.
    Return False if it could not be written.

    Call it after the entries changed, never before: a page built in between would
    record the new epoch with the old content.
    """
    return copies.write(alias, EPOCH_KEY, new_generation(), key_version())


def settle(epochs: Epochs) -> Epochs:
    """Return ``epochs`` with each missing one started (evicted, or never set).

    ``add`` never replaces an epoch an invalidation set meanwhile; the epoch proposed
    here is recorded either way, and a mismatch only costs the page one full check.
    """
    return tuple((alias, epoch or _start(alias)) for alias, epoch in epochs)


def _start(alias: str) -> str:
    epoch = new_generation()
    copies.add(alias, EPOCH_KEY, epoch, None, key_version())
    return epoch
