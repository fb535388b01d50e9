"""Read where it was written: Django's RedisCache with replicas is read from its primary.

With several ``LOCATION``\\s, Django's ``RedisCache`` writes to the first server and reads
from one of the others at random. A replica that lags would hide an invalidation, a lock
or a user's new password from layouts_cbv for as long as it lags. So layouts_cbv reads
its own keys (entries, generations, epochs, locks, user records) from the primary, in
one ``MGET``, and leaves the replicas to the rest of the site's cache reads.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient


def has_replicas(cache: BaseCache) -> bool:
    """Return whether ``cache`` is Django's RedisCache reading from replicas that may lag.

    Subclasses with a client of their own (Redis Cluster, a sharding client) choose
    their servers themselves and are left to it.
    """
    return (
        isinstance(cache, RedisCache)
        and cache._class is RedisCacheClient  # type: ignore[attr-defined]
        and len(cache._servers) > 1  # type: ignore[attr-defined]
    )


def get_many(cache: BaseCache, keys: list[str], version: int | None = None) -> dict[str, Any]:
    """Return ``cache.get_many(keys)``, read from the primary when it has replicas."""
    if not has_replicas(cache):
        return cache.get_many(keys, version=version)
    made = {cache.make_and_validate_key(key, version=version): key for key in keys}
    client = cache._cache  # type: ignore[attr-defined]  # Django's RedisCacheClient
    values = client.get_client(None, write=True).mget(list(made))
    return {
        made[key]: client._serializer.loads(value)
        for key, value in zip(made, values, strict=True)
        if value is not None
    }
