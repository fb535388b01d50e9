"""Invalidation: one entry, every variant of a panel, or on model changes.

Panel names are what users invalidate by, so every cached panel declaration is
remembered here with the cache alias it uses.

An invalidation made inside a database transaction takes effect at once and again when
the transaction commits: until then other connections still read the old rows, and a
panel rendered from them meanwhile must not outlive the commit.

An invalidation is never skipped: it tries the cache server even while its alias is
backed off after a fault (other processes may reach the server and serve what it
invalidates), and one that fails is logged as an ERROR and made again as soon as the
alias answers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connections, transaction
from django.db.models.signals import post_delete, post_save

from .. import conf
from . import copies, guard
from .aliases import alias_of, key_version
from .backends import with_language
from .epochs import new_epoch
from .keys import generation_key, new_generation, panel_key

if TYPE_CHECKING:
    from ..panel import Panel

logger = logging.getLogger("layouts_cbv")

# panel name -> cache aliases its declarations use
_aliases: dict[str, set[str]] = defaultdict(set)
_connected: set[tuple[str, type]] = set()


def declare(name: str, panel: Panel, alias: str | None = None) -> None:
    """Remember that a panel cached under ``name`` (in ``alias``, when known) exists, and
    wire its ``invalidate_on``."""
    strategy = panel.cache
    if strategy is None:
        return
    _aliases[name].add(alias or alias_of(strategy))
    for model in strategy.invalidate_on:
        if (name, model) not in _connected:  # asked on every page: connect once
            _connect(name, model)
            _connected.add((name, model))


def declare_all(panels: Mapping[str, Panel | None]) -> None:
    """Remember every cached panel of a layout or view class."""
    for name, panel in panels.items():
        if panel is not None:
            declare(name, panel)


def _connect(name: str, model: type) -> None:
    def receiver(using: str | None = None, **kwargs: Any) -> None:
        invalidate_all(name, using=using)

    uid = f"layouts_cbv:{name}:{model._meta.label}"  # type: ignore[attr-defined]
    post_save.connect(receiver, sender=model, weak=False, dispatch_uid=uid)
    post_delete.connect(receiver, sender=model, weak=False, dispatch_uid=uid)


def aliases_for(name: str) -> set[str]:
    """Return the aliases panel ``name`` is cached in (the default alias if none is known)."""
    return set(_aliases.get(name) or {conf.get("CACHE_BACKEND")})


def declared_names() -> list[str]:
    """Return every cached panel name declared so far, sorted."""
    return sorted(_aliases)


def invalidate(panel_name: str, vary: str | None = None, *, using: str | None = None) -> None:
    """Delete one entry of ``panel_name``: the one for ``vary`` (None: the sitewide one).

    With LocaleMiddleware installed, the entry of every language in ``LANGUAGES`` goes.
    Inside a transaction it is done again when the transaction commits: on database
    ``using``, or on every database with a transaction open in this thread.
    """
    keys = [panel_key(panel_name, vary) for vary in _with_languages(vary or "")]

    def delete(alias: str) -> bool:
        version = key_version()
        gone = copies.delete_everywhere(alias, keys, version)
        if not gone:
            # A server that could not be reached may still hold the entry, and serve it
            # when it comes back: every variant goes instead.
            gone = _start_generation(alias, panel_name, version)
        return new_epoch(alias) and gone

    what = f"entry {vary!r} of panel {panel_name!r}" if vary else f"panel {panel_name!r}"
    _now_and_on_commit(panel_name, what, delete, using)


def _with_languages(vary: str) -> list[str]:
    if not conf.locale_middleware_installed():
        return [vary]
    return [with_language(vary, code) for code, _ in settings.LANGUAGES]


def invalidate_all(panel_name: str, *, using: str | None = None) -> None:
    """Drop every variant of ``panel_name`` (all users, all paths), on every backend.

    Inside a transaction it is done again when the transaction commits (see
    :func:`invalidate`).
    """

    def start_generation(alias: str) -> bool:
        started = _start_generation(alias, panel_name, key_version())
        return new_epoch(alias) and started

    _now_and_on_commit(
        panel_name, f"every variant of panel {panel_name!r}", start_generation, using
    )


def _start_generation(alias: str, panel_name: str, version: int | None) -> bool:
    # On a sharded cache the generation goes to every server (see copies).
    return copies.write(alias, generation_key(panel_name), new_generation(), version)


def _now_and_on_commit(
    panel_name: str, what: str, change: Callable[[str], bool], using: str | None
) -> None:
    def invalidation() -> None:
        for alias in aliases_for(panel_name):
            _insisted(alias, what, change)

    invalidation()
    databases = (
        [using] if using is not None else [c.alias for c in connections.all(initialized_only=True)]
    )
    for database in databases:
        if connections[database].in_atomic_block:
            transaction.on_commit(invalidation, using=database)


def _insisted(alias: str, what: str, change: Callable[[str], bool]) -> None:
    """Make ``change`` in ``alias`` past any back-off; if it fails, again when it answers."""
    with guard.insisting():
        done = change(alias)
    if not done:
        logger.error(
            "Could not invalidate %s in cache %r; it may be served until it expires. "
            "Trying again as soon as the cache answers.",
            what,
            alias,
        )
        guard.when_back(alias, what, lambda: _insisted(alias, what, change))
