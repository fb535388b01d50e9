"""Per-panel caching strategies.

``cache.sitewide(3600)``, ``cache.per_user(900)`` and friends return
:class:`PanelCacheBackend` instances to pass as ``Panel(..., cache=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from .backends import (
    CustomCache,
    PanelCacheBackend,
    PerHostCache,
    PerPathCache,
    PerSessionCache,
    PerUserCache,
    PerUserPerPathCache,
    SitewideCache,
)
from .invalidation import invalidate, invalidate_all

__all__ = [
    "CustomCache",
    "PanelCacheBackend",
    "PerHostCache",
    "PerPathCache",
    "PerSessionCache",
    "PerUserCache",
    "PerUserPerPathCache",
    "SitewideCache",
    "custom",
    "invalidate",
    "invalidate_all",
    "per_host",
    "per_path",
    "per_session",
    "per_user",
    "per_user_per_path",
    "sitewide",
]


def sitewide(timeout: int | None, **options: Any) -> SitewideCache:
    """Cache one entry shared by everyone."""
    return SitewideCache(timeout, **options)


def per_user(timeout: int | None, **options: Any) -> PerUserCache:
    """Cache one entry per user (``anonymous`` for every visitor not logged in)."""
    return PerUserCache(timeout, **options)


def per_path(timeout: int | None, **options: Any) -> PerPathCache:
    """Cache one entry per URL path."""
    return PerPathCache(timeout, **options)


def per_host(timeout: int | None, **options: Any) -> PerHostCache:
    """Cache one entry per host the site answers to, for panels that print their own URL."""
    return PerHostCache(timeout, **options)


def per_user_per_path(timeout: int | None, **options: Any) -> PerUserPerPathCache:
    """Cache one entry per user and path."""
    return PerUserPerPathCache(timeout, **options)


def per_session(timeout: int | None, **options: Any) -> PerSessionCache:
    """Cache one entry per session (``no-session`` when there is none)."""
    return PerSessionCache(timeout, **options)


def custom(
    key_func: Callable[[HttpRequest], str], timeout: int | None, **options: Any
) -> CustomCache:
    """Cache one entry per value of ``key_func(request)``."""
    return CustomCache(key_func, timeout, **options)
