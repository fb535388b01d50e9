"""What looking up a set of panels takes that is the same on every request.

Which panels are cached, in which alias, and the keys that no request changes (a
sitewide panel's, without LocaleMiddleware) are worked out once per set of panels and
remembered; a request adds only what depends on it (see
:meth:`~layouts_cbv.cache.store.PageCache.add_panels`). Working them out also declares
the panels for invalidation (:func:`~layouts_cbv.cache.invalidation.declare`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from .. import conf
from .backends import PanelCacheBackend
from .invalidation import declare
from .variation import variation_of

if TYPE_CHECKING:
    from ..panel import Panel

KEPT = 512
"""Plans remembered at most: views that make new panels on every request would
otherwise fill memory with plans used once."""


class Planned(NamedTuple):
    """One cached panel of a set."""

    name: str
    strategy: PanelCacheBackend
    alias: str
    key: str | None  # the same for every request, when it is
    depends_on: frozenset[str]  # what its entries may depend on


class Plan(NamedTuple):
    """The cached panels of a set, in order, their fixed keys, their names by alias, the
    names of those whose strategy refreshes early, and what they may depend on (each
    distinct set once)."""

    by_name: dict[str, Planned]
    fixed_keys: dict[str, str]
    by_alias: dict[str, list[str]]
    early: frozenset[str]
    depends_on: dict[frozenset[str], None]


EMPTY = Plan({}, {}, {}, frozenset(), {})
"""The plan of no cached panels."""

# (default alias, locale middleware installed, names, panels) -> plan. The key holds
# the panels themselves, so an id is never mistaken for a later object's.
_plans: dict[tuple[Any, ...], Plan] = {}


def plan(panels: Mapping[str, Panel | None]) -> Plan:
    """Return the plan of ``panels``; shared by every request of them: read, never change."""
    default = conf.get("CACHE_BACKEND")
    memo = (default, conf.locale_middleware_installed(), tuple(panels), tuple(panels.values()))
    found = _plans.get(memo)
    if found is None:
        planned = {each.name: each for each in _planned(panels, default)}
        fixed = {name: each.key for name, each in planned.items() if each.key is not None}
        early = frozenset(name for name, each in planned.items() if each.strategy.early_refresh)
        depends_on = dict.fromkeys(each.depends_on for each in planned.values())
        found = Plan(planned, fixed, by_alias(planned, planned), early, depends_on)
        if len(_plans) >= KEPT:
            _plans.clear()
        _plans[memo] = found
    return found


def _planned(panels: Mapping[str, Panel | None], default: str) -> list[Planned]:
    planned = []
    for name, panel in panels.items():
        strategy = panel.cache if panel is not None else None
        if strategy is None:
            continue
        alias = strategy.backend or default
        declare(name, panel, alias)  # type: ignore[arg-type]
        key = strategy.fixed_key(name)
        planned.append(Planned(name, strategy, alias, key, variation_of(strategy).depends_on))
    return planned


def by_alias(planned: Mapping[str, Planned], names: Iterable[str]) -> dict[str, list[str]]:
    """Return ``names`` (cached panels of ``planned``) grouped by alias, in order."""
    grouped: dict[str, list[str]] = {}
    for name in names:
        grouped.setdefault(planned[name].alias, []).append(name)
    return grouped


def forget() -> None:
    """Forget every plan (for tests that reset what is declared)."""
    _plans.clear()
