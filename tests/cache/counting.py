"""Cache backends that count the calls made to them, outermost calls only.

Each is the real Django backend; the counts say how many times layouts_cbv
asked the cache for something, whatever the backend does inside.
"""

import threading
from collections import Counter

from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.filebased import FileBasedCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.memcached import PyMemcacheCache
from django.core.cache.backends.redis import RedisCache

from layouts_cbv.cache.redis_cluster import RedisClusterCache

calls: Counter = Counter()
keys_read: list[str] = []  # every key asked for with get_many, in order
_depth = threading.local()

COUNTED = (
    "get",
    "get_many",
    "set",
    "set_many",
    "add",
    "delete",
    "delete_many",
    "incr",
    "touch",
    "has_key",
    "get_or_set",
)


def counting(base):
    def make(name):
        def method(self, *args, **kwargs):
            depth = getattr(_depth, "value", 0)
            if depth == 0:
                calls[name] += 1
                if name == "get_many":
                    keys_read.extend(args[0])
            _depth.value = depth + 1
            try:
                return getattr(base, name)(self, *args, **kwargs)
            finally:
                _depth.value = depth

        return method

    return type(f"Counting{base.__name__}", (base,), {name: make(name) for name in COUNTED})


CountingLocMemCache = counting(LocMemCache)
CountingDatabaseCache = counting(DatabaseCache)
CountingFileBasedCache = counting(FileBasedCache)
CountingRedisCache = counting(RedisCache)
CountingPyMemcacheCache = counting(PyMemcacheCache)
CountingRedisClusterCache = counting(RedisClusterCache)


def total():
    return sum(calls.values())
