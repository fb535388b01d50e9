"""The generations of panels, known per process while their alias's epoch stands.

Every entry records the generation of its panel it was written in, and is valid only in
that generation (see :func:`~layouts_cbv.cache.invalidate_all`). The generations live
in their own keys, ``layouts:gen:{panel}``. Reading one per panel on every page would
double a warm page's read; instead each process remembers the generations it read, for
as long as the alias's *epoch* (``layouts:epoch``) is the one it read them with. Every
invalidation, and every new generation, writes a new epoch, so a generation can only
change under a new epoch: a warm page reads its entries and one epoch key per alias.

A process that does not know a panel's generation reads it in the same ``get_many`` as
the entries; after an epoch change, the first page of each process reads the
generations of its panels once more, in a second one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from django.core.signals import setting_changed

from .aliases import key_version

# (alias, key version) -> (epoch, {panel name: generation or None})
_known: dict[tuple[str, int | None], tuple[Any, dict[str, str | None]]] = {}
_lock = threading.Lock()


def known(alias: str, names: Iterable[str]) -> tuple[Any, dict[str, str | None]] | None:
    """Return the epoch and generations this process knows for every panel of ``names``,
    or None when it does not know one of them.

    A panel without a generation yet is never known: the first render of it starts one,
    which this process must read rather than remember the absence of.
    """
    found = _known.get((alias, key_version()))
    if found is None or None in map(found[1].get, names):
        return None
    return found


def learn(alias: str, epoch: Any, generations: dict[str, str | None]) -> None:
    """Remember ``generations`` as read under ``epoch`` (forgetting those of other epochs)."""
    if epoch is None:
        return  # no epoch to tell a later change by: nothing to remember
    place = (alias, key_version())
    with _lock:
        current = _known.get(place)
        if current is not None and current[0] == epoch:
            current[1].update(generations)
        else:
            _known[place] = (epoch, dict(generations))


def forget() -> None:
    """Forget every generation (for tests, and after reconfiguring caches)."""
    _known.clear()


def _caches_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", "LAYOUTS_CBV"):
        forget()


setting_changed.connect(_caches_changed, dispatch_uid="layouts_cbv.generations")
