"""Calls to a Django cache that survive the cache server's death.

Any exception is logged at WARNING and answered like a miss. After a failure the
alias is left alone for ``BACKOFF`` seconds, so a dead or hung server costs one
timeout per back-off period rather than one per request.
"""

from __future__ import annotations

import logging
import pickle
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import caches

from .. import conf

logger = logging.getLogger("layouts_cbv")

T = TypeVar("T")

# alias -> monotonic time until which the alias is skipped
_down_until: dict[str, float] = {}


_probe_lock = threading.Lock()


def is_down(alias: str) -> bool:
    """Return whether ``alias`` failed less than ``BACKOFF`` seconds ago."""
    until = _down_until.get(alias)
    return until is not None and time.monotonic() < until


def _may_call(alias: str) -> bool:
    if _down_until.get(alias) is None:
        return True
    with _probe_lock:
        if is_down(alias):
            return False
        # The back-off is over: this caller probes the server, and everyone else keeps
        # skipping it until the probe has answered, so a hung server gets one caller.
        mark_down(alias)
        return True


def mark_down(alias: str) -> None:
    _down_until[alias] = time.monotonic() + float(conf.get("BACKOFF"))


def reset() -> None:
    """Forget every failure (for tests, and after reconfiguring caches)."""
    _down_until.clear()


# Errors that come from a value rather than from the server: the server is fine.
DATA_ERRORS = (
    pickle.UnpicklingError,
    EOFError,
    ImportError,
    AttributeError,
    ValueError,
    TypeError,
    IndexError,
    KeyError,
)


def call(alias: str, operation: str, default: T, fn: Callable[[Any], T]) -> T:
    """Return ``fn(cache)`` for the cache ``alias``, or ``default`` when it fails or is down."""
    if not _may_call(alias):
        return default
    try:
        result = fn(caches[alias])
    except DATA_ERRORS as exc:
        logger.warning(
            "Cache %r returned an unreadable value during %s (%s: %s); treating it as a miss.",
            alias,
            operation,
            type(exc).__name__,
            exc,
        )
        _down_until.pop(alias, None)
        return default
    except Exception as exc:
        mark_down(alias)
        logger.warning(
            "Cache %r failed during %s (%s: %s); treating it as a miss and leaving it alone "
            "for %s seconds.",
            alias,
            operation,
            type(exc).__name__,
            exc,
            conf.get("BACKOFF"),
        )
        return default
    _down_until.pop(alias, None)
    return result
