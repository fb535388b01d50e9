"""Cache backends that count the calls each request makes, for the demo's page line.

Each call to the cache is one round trip on a networked cache (Redis, memcached); a
call that Django's base class carries out through other calls (``get_many`` on the
local-memory cache is a loop of ``get``) counts once, as it would cost one. The demo's
own bookkeeping (keys starting ``sandbox:``) is left out.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

OPERATIONS = (
    "add",
    "clear",
    "decr",
    "delete",
    "delete_many",
    "get",
    "get_many",
    "get_or_set",
    "has_key",
    "incr",
    "set",
    "set_many",
    "touch",
)
OWN_PREFIX = "sandbox:"

_calls: ContextVar[list[str] | None] = ContextVar("sandbox_cache_calls", default=None)
_depth: ContextVar[int] = ContextVar("sandbox_cache_depth", default=0)


@contextmanager
def counting() -> Iterator[list[str]]:
    """Collect the name of each cache call made in this context (not in other threads)."""
    calls: list[str] = []
    token = _calls.set(calls)
    try:
        yield calls
    finally:
        _calls.reset(token)


def _is_own(args: tuple) -> bool:
    first = args[0] if args else None
    if isinstance(first, dict):
        first = next(iter(first), None)
    elif isinstance(first, list | tuple):
        first = first[0] if first else None
    return isinstance(first, str) and first.startswith(OWN_PREFIX)


def _counted(operation: str):
    def call(self, *args, **kwargs):
        depth = _depth.get()
        token = _depth.set(depth + 1)
        try:
            return getattr(super(CountingMixin, self), operation)(*args, **kwargs)
        finally:
            _depth.reset(token)
            calls = _calls.get()
            if depth == 0 and calls is not None and not _is_own(args):
                calls.append(operation)

    call.__name__ = operation
    return call


class CountingMixin:
    """Count each outermost call to the cache in the current request's list."""


for _operation in OPERATIONS:
    setattr(CountingMixin, _operation, _counted(_operation))


class CountingLocMemCache(CountingMixin, LocMemCache):
    """Django's local-memory cache, counted."""


class CountingRedisCache(CountingMixin, RedisCache):
    """Django's Redis cache, counted."""
