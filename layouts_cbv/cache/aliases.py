"""Which cache alias, and which key version, panel entries live in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import conf

if TYPE_CHECKING:
    from .backends import PanelCacheBackend


def alias_of(strategy: PanelCacheBackend) -> str:
    """Return the cache alias a strategy stores in."""
    return strategy.backend or conf.get("CACHE_BACKEND")


def key_version() -> int | None:
    """Return the version every panel key is stored with (None: the alias's own)."""
    return conf.get("KEY_VERSION")
