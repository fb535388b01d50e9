"""The leak guard: a render that read what its key does not tell apart is not stored.

What counts as reading is :mod:`layouts_cbv.tracking`'s; what a strategy's key tells
apart is its :func:`~layouts_cbv.cache.variation.variation_of`. Messages and cookies
are never stored: no strategy varies on them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection

from django.core.exceptions import ImproperlyConfigured

from . import conf
from .cache.backends import PanelCacheBackend
from .cache.variation import HOST, PATH, SESSION, USER, variation_of
from .tracking import COOKIES, MESSAGES, describe

logger = logging.getLogger("layouts_cbv")


class UnsafeVary(ImproperlyConfigured):
    """A render read what its cache strategy does not vary on (raised under STRICT_VARY)."""


def unsafe_reads(
    strategy: PanelCacheBackend, found: Collection[str], also: Collection[str] = ()
) -> list[str]:
    """Return what of ``found`` the key of ``strategy`` (with ``also``) does not tell apart."""
    return sorted(set(found) - variation_of(strategy).allowed - set(also))


_warned: set[tuple[str, type]] = set()
_warned_lock = threading.Lock()


def may_store(
    label: str, strategy: PanelCacheBackend, found: Collection[str], also: Collection[str] = ()
) -> bool:
    """Return whether ``label`` (``"Panel 'nav'"``, ``"page of ArticleView"``) may be stored
    after reading ``found``; ``also`` names inputs its key varies on besides the strategy's.

    If not, warn once per label and strategy class per process, or raise
    :class:`UnsafeVary` under ``STRICT_VARY``.
    """
    unsafe = unsafe_reads(strategy, found, also)
    if not unsafe:
        return True
    message = refusal(label, strategy, unsafe)
    if conf.get("STRICT_VARY"):
        raise UnsafeVary(message)
    with _warned_lock:
        first = (label, type(strategy)) not in _warned
        _warned.add((label, type(strategy)))
    if first:
        logger.warning(message)
    return False


def refusal(label: str, strategy: PanelCacheBackend, unsafe: list[str]) -> str:
    """Return why ``label`` was not stored, and what to do about it."""
    name = type(strategy).__name__
    because = (
        f"its cache strategy {name} does not declare varies_on"
        if not variation_of(strategy).declared
        else f"its cache strategy {name} does not vary on {' or '.join(unsafe)}"
    )
    return (
        f"{label} read {' and '.join(describe(what) for what in unsafe)} while rendering, "
        f"but {because}; it was not stored, so no visitor can see another's. To cache "
        f"it, {suggest(strategy, unsafe)}."
    )


def suggest(strategy: PanelCacheBackend, unsafe: list[str]) -> str:
    """Return what to do about a render that read ``unsafe`` (``"use cache.per_user()"``)."""
    if MESSAGES in unsafe:
        return "show messages in a panel without cache= (messages are never cached)"
    if COOKIES in unsafe:
        return (
            "read cookies in a panel without cache=, or keep the value in the session "
            "and use cache.per_session() (cookies are never cached)"
        )
    if not variation_of(strategy).declared:
        return (
            f"declare varies_on on {type(strategy).__name__} (the request inputs its output "
            f"depends on, which its get_vary() tells apart), or {_builtin(strategy, unsafe)}"
        )
    return _builtin(strategy, unsafe)


def _builtin(strategy: PanelCacheBackend, unsafe: list[str]) -> str:
    if SESSION in unsafe:
        return "use cache.per_session()"
    if USER in unsafe:
        if PATH in strategy.varies_on:
            return "use cache.per_user_per_path()"
        return "use cache.per_user()"
    if HOST in unsafe:
        return "use cache.per_host(), or a strategy whose varies_on has 'host'"
    wanted = ", ".join(repr(name) for name in sorted({*strategy.varies_on, *unsafe}))
    return (
        f"use a strategy whose varies_on is {{{wanted}}}, such as "
        "cache.custom(key_func, timeout, varies_on=...)"
    )
