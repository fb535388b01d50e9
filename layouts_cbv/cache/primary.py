"""Read where it was written, with one client: layouts_cbv's own reads from Django's RedisCache.

With several ``LOCATION``\\s, Django's ``RedisCache`` writes to the first server and reads
from one of the others at random. A replica that lags would hide an invalidation, a lock
or a user's new password from layouts_cbv for as long as it lags. So layouts_cbv reads
its own keys (entries, generations, epochs, locks, user records) from the primary, in
one ``MGET``, and leaves the replicas to the rest of the site's cache reads.

Django's ``RedisCache`` also makes a new redis-py client for every call, and redis-py
fills a table of some 170 response callbacks for each: on loopback that costs about as
much as the round trip itself, on every page. layouts_cbv's reads keep one client per
cache object instead (Django keeps a cache object per thread), on the same connection
pool, with the same keys and the same serializer.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import BaseCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

_READER = "_layouts_cbv_reader"


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


def reads_itself(cache: BaseCache) -> bool:
    """Return whether layouts_cbv reads ``cache`` with its own kept client.

    Django's RedisCache with its own client, read from its primary: always with
    replicas; on one server unless a subclass brings its own ``get_many``, which is
    called as usual.
    """
    if not (isinstance(cache, RedisCache) and cache._class is RedisCacheClient):  # type: ignore[attr-defined]
        return False
    return has_replicas(cache) or type(cache).get_many is RedisCache.get_many


def get_many(cache: BaseCache, keys: list[str], version: int | None = None) -> dict[str, Any]:
    """Return ``cache.get_many(keys)``, read from the primary when it has replicas."""
    if not reads_itself(cache):
        return cache.get_many(keys, version=version)
    made = {cache.make_and_validate_key(key, version=version): key for key in keys}
    client = cache._cache  # type: ignore[attr-defined]  # Django's RedisCacheClient
    values = _reader(client).mget(list(made))
    return {
        made[key]: client._serializer.loads(value)
        for key, value in zip(made, values, strict=True)
        if value is not None
    }


def _reader(client: RedisCacheClient) -> Any:
    """Return the redis-py client kept on Django's ``client`` for reads from its primary."""
    reader = vars(client).get(_READER)
    if reader is None:
        pool = client._get_connection_pool(True)  # type: ignore[attr-defined]  # the primary's
        reader = vars(client)[_READER] = client._client(connection_pool=pool)  # type: ignore[attr-defined]
    return reader
