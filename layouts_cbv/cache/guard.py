"""Calls to a Django cache that survive the cache server's faults, one fault at a time.

Every call answers like a miss when it fails, and what a failure costs depends on what
failed:

* **The server cannot be reached** (refused, reset, timed out): the alias is left alone
  for ``BACKOFF`` seconds, then one caller probes it while the others keep skipping it,
  so a dead or hung server costs one timeout per back-off period per process, with one
  WARNING per outage. A client that swallows errors (django-redis with
  ``IGNORE_EXCEPTIONS``, pymemcache with ``ignore_exc``) answers a hung server with a
  miss after every socket timeout: for such an alias a call that takes most of its
  socket timeout (:func:`slow_call`) counts as a failure too.
* **The server answered with an error** (Redis out of memory under ``noeviction``, a
  command refused): logged, answered like a miss, and nothing else: reads go on.
* **A value could not be read**: logged, and only that key is a miss (see
  :func:`get_many`).

A cache spread over several servers by its client (memcached with several
``LOCATION``s, Redis Cluster) is never backed off as a whole: the client sets a dead node
aside and keeps serving the others (see :doc:`caching`), so one node costs only the keys
it holds, with one WARNING per back-off period.
"""

from __future__ import annotations

import functools
import logging
import pickle
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.memcached import BaseMemcachedCache
from django.core.signals import setting_changed

from .. import conf
from . import primary

logger = logging.getLogger("layouts_cbv")

T = TypeVar("T")

SLOW_CALL = 1.0
"""Seconds after which a call to an alias that swallows errors counts as a failure of its
server, when the alias sets no socket timeout (see :func:`slow_call`)."""


class Failure:
    """What :func:`attempt` returns when a call failed: whether the server was out of reach."""

    def __init__(self, transport: bool):
        self.transport = transport


# alias -> monotonic time until which the alias is skipped
_down_until: dict[str, float] = {}
_probe_lock = threading.Lock()
# alias -> what to do again as soon as it answers (see when_back), by what it is
_pending: dict[str, dict[Hashable, Callable[[], None]]] = {}
_local = threading.local()

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
# Names of the exceptions cache clients raise when the server cannot be reached
# (redis-py, django-redis, pymemcache, Redis Cluster), besides OSError.
_TRANSPORT_NAMES = frozenset(
    {
        "ConnectionError",
        "TimeoutError",
        "ConnectionInterrupted",
        "MemcacheUnexpectedCloseError",
        "BusyLoadingError",
        "ClusterDownError",
        "MasterDownError",
        "MaxConnectionsError",
    }
)


def is_transport_error(exc: BaseException) -> bool:
    """Return whether ``exc`` says the server could not be reached (not that it refused)."""
    return isinstance(exc, OSError) or any(
        klass.__name__ in _TRANSPORT_NAMES for klass in type(exc).__mro__
    )


def is_down(alias: str) -> bool:
    """Return whether ``alias`` failed less than ``BACKOFF`` seconds ago."""
    until = _down_until.get(alias)
    return until is not None and time.monotonic() < until


def _may_call(alias: str) -> bool:
    if _down_until.get(alias) is None:
        return True
    if getattr(_local, "insisting", False):
        return True
    with _probe_lock:
        if is_down(alias):
            return False
        # The back-off is over: this caller probes the server, and everyone else keeps
        # skipping it until the probe has answered, so a hung server gets one caller.
        _down_until[alias] = time.monotonic() + float(conf.get("BACKOFF"))
        return True


def _went_down(alias: str, why: str) -> None:
    with _probe_lock:
        first = alias not in _down_until
        _down_until[alias] = time.monotonic() + float(conf.get("BACKOFF"))
    if first:
        logger.warning(
            "Cache %r %s; treating it as a miss and leaving it alone for %s seconds at a "
            "time until it answers again.",
            alias,
            why,
            conf.get("BACKOFF"),
        )


def _came_back(alias: str) -> None:
    if _down_until.pop(alias, None) is not None:
        logger.info("Cache %r answers again.", alias)
    if _pending.get(alias):
        with _probe_lock:
            again = _pending.pop(alias, {})
        for fn in again.values():
            fn()


@contextmanager
def insisting() -> Iterator[None]:
    """Within, calls try the server even while its alias is backed off.

    For writes that must not be skipped: an invalidation that a back-off dropped would
    leave what it invalidates to every process that can still reach the server.
    """
    before = getattr(_local, "insisting", False)
    _local.insisting = True
    try:
        yield
    finally:
        _local.insisting = before


def when_back(alias: str, what: Hashable, fn: Callable[[], None]) -> None:
    """Call ``fn`` as soon as a call to ``alias`` succeeds again (once per ``what``)."""
    with _probe_lock:
        _pending.setdefault(alias, {})[what] = fn


# alias -> monotonic time until which failures of its nodes are not logged again
_quiet_until: dict[str, float] = {}


def _first_in_a_while(alias: str) -> bool:
    now = time.monotonic()
    with _probe_lock:
        if now < _quiet_until.get(alias, 0.0):
            return False
        _quiet_until[alias] = now + float(conf.get("BACKOFF"))
        return True


def reset() -> None:
    """Forget every failure (for tests, and after reconfiguring caches)."""
    _down_until.clear()
    _quiet_until.clear()
    _pending.clear()
    slow_call.cache_clear()
    is_sharded.cache_clear()


@functools.cache
def is_sharded(alias: str) -> bool:
    """Return whether the alias's client spreads keys over several servers itself.

    Memcached with several ``LOCATION``\\s, and any backend that says so with a
    ``sharded = True`` attribute (:class:`~layouts_cbv.cache.redis_cluster.RedisClusterCache`).
    """
    cache = caches[alias]
    if getattr(cache, "sharded", False):
        return True
    return isinstance(cache, BaseMemcachedCache) and len(cache._servers) > 1  # type: ignore[attr-defined]


def attempt(alias: str, operation: str, fn: Callable[[Any], T]) -> T | Failure:
    """Return ``fn(cache)`` for the cache ``alias``, or a :class:`Failure` (down included)."""
    if not _may_call(alias):
        return Failure(transport=True)
    started = time.monotonic()
    try:
        result = fn(caches[alias])
    except Exception as exc:
        return _failed(alias, operation, exc)
    elapsed = time.monotonic() - started
    bound = slow_call(alias)
    if bound is not None and elapsed > bound:
        _went_down(alias, f"took {elapsed:.2f} s to answer {operation}, its errors hidden")
    else:
        _came_back(alias)
    return result


@functools.cache
def slow_call(alias: str) -> float | None:
    """Return after how many seconds a call to ``alias`` counts as a failure of its server.

    None for clients that raise their errors (they raise on a timeout too) and for
    sharded ones (their client marks dead nodes); for clients that swallow errors, 80 %
    of their socket timeout, or :data:`SLOW_CALL` without one.
    """
    options = {key.lower(): value for key, value in _config(alias).get("OPTIONS", {}).items()}
    swallows = options.get(
        "ignore_exceptions", getattr(settings, "DJANGO_REDIS_IGNORE_EXCEPTIONS", False)
    )
    if is_sharded(alias) or not (swallows or options.get("ignore_exc")):
        return None
    timeouts = [
        options.get(name)
        for name in ("socket_timeout", "timeout", "socket_connect_timeout", "connect_timeout")
    ]
    given = [float(timeout) for timeout in timeouts if isinstance(timeout, int | float)]
    return 0.8 * min(given) if given else SLOW_CALL


def _config(alias: str) -> dict[str, Any]:
    return settings.CACHES.get(alias, {})


def call(alias: str, operation: str, default: T, fn: Callable[[Any], T]) -> T:
    """Return ``fn(cache)`` for the cache ``alias``, or ``default`` when it fails or is down."""
    result = attempt(alias, operation, fn)
    return default if isinstance(result, Failure) else result


def _failed(alias: str, operation: str, exc: Exception) -> Failure:
    described = f"{type(exc).__name__}: {exc}"
    if not is_transport_error(exc):
        kind = "returned an unreadable value" if isinstance(exc, DATA_ERRORS) else "refused"
        logger.warning(
            "Cache %r %s during %s (%s); treating it as a miss.", alias, kind, operation, described
        )
        _came_back(alias)  # it answered: it is up
        return Failure(transport=False)
    if is_sharded(alias):
        # The client sets the node aside and keeps serving the others. One WARNING per
        # back-off period: a node that is away fails every call that needs it.
        if not getattr(exc, "reported", False) and _first_in_a_while(alias):
            logger.warning(
                "A server of cache %r failed during %s (%s); treating it as a miss.",
                alias,
                operation,
                described,
            )
    else:
        _went_down(alias, f"failed during {operation} ({described})")
    return Failure(transport=True)


def get_many(alias: str, keys: list[str], version: int | None) -> dict[str, Any]:
    """Return what ``alias`` holds for ``keys``; ``{}`` when the cache is out of reach.

    One value the backend cannot read fails its whole ``get_many``: the keys are then
    read one by one, so only that key is a miss.
    """
    answer = attempt(alias, "get_many", lambda c: primary.get_many(c, keys, version))
    if not isinstance(answer, Failure):
        return answer
    if answer.transport or len(keys) < 2:
        return {}
    found = {}
    for key in keys:

        def get(cache: Any, key: str = key) -> Any:
            return primary.get_many(cache, [key], version).get(key)

        value = call(alias, "get", None, get)
        if value is not None:
            found[key] = value
        if is_down(alias):
            break
    return found


def _caches_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in ("CACHES", "DJANGO_REDIS_IGNORE_EXCEPTIONS"):
        reset()


setting_changed.connect(_caches_changed, dispatch_uid="layouts_cbv.guard")
