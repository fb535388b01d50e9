"""A Django cache backend for Redis Cluster, built on redis-py's ``RedisCluster``.

Django's own :class:`~django.core.cache.backends.redis.RedisCache` sends ``MGET`` and
``MSET`` with every key of a call in one command, which a Redis Cluster refuses when the
keys hash to different slots (``CROSSSLOT``). :class:`RedisClusterCache` is that backend
with another client: it stores the same values under the same keys (Django's serializer,
``KEY_PREFIX``, ``VERSION`` and ``KEY_FUNCTION``), and sends the commands of a
many-key call in **one pipeline per master**:

* ``get_many``: one ``MGET`` per hash slot, pipelined: one round trip per master that
  holds any of the keys (redis-py's ``mget_nonatomic``: the cluster pipeline packs every
  command bound for one node into one write, then reads the answers);
* ``set_many``: one ``SET key value EX timeout`` per key (no ``EX`` for ``None``),
  pipelined the same way; a timeout of 0 deletes the keys, as Django's backends do;
* ``delete_many``: one ``DEL`` per hash slot, pipelined the same way;
* ``add``: ``SET NX EX``, answering exactly ``True`` or ``False``;
* ``get``, ``set``, ``delete``, ``touch``, ``incr``, ``has_key``: one key, one command,
  sent to the master of its slot;
* ``clear``: ``FLUSHDB`` on every master.

Keys are never hash-tagged: ``layouts:panel:nav`` is stored as Django would store it on
a single Redis, so the documented keys stay valid. Reads go to the masters only, unless
``OPTIONS`` ask redis-py for replicas (``load_balancing_strategy``); a replica may lag,
and a lagging read can miss a render lock just taken.

Configuration::

    CACHES = {
        "default": {
            "BACKEND": "layouts_cbv.cache.redis_cluster.RedisClusterCache",
            "LOCATION": ["redis://10.0.0.1:6379", "redis://10.0.0.2:6379"],
            "OPTIONS": {"socket_timeout": 0.5, "socket_connect_timeout": 0.5},
        }
    }

``LOCATION`` names one or more startup nodes (a list, or one string separated by commas
or semicolons); the client discovers the rest of the cluster from them. Every other
``OPTIONS`` key but ``serializer`` is passed to ``redis.cluster.RedisCluster``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

__all__ = ["RedisClusterCache", "RedisClusterCacheClient", "startup_nodes"]


def startup_nodes(servers: Iterable[str]) -> tuple[list[tuple[str, int]], dict[str, Any]]:
    """Return the ``(host, port)`` of every server URL, and the connection options they
    carry (username, password, TLS for ``rediss://``).

    Raise :class:`~django.core.exceptions.ImproperlyConfigured` for a URL that is not
    ``redis://`` or ``rediss://``, that names a database other than 0 (a cluster has
    only one), or whose credentials differ from another URL's.
    """
    nodes: list[tuple[str, int]] = []
    options: dict[str, Any] = {}
    for server in servers:
        server = server.strip()
        if not server:
            continue
        url = urlsplit(server)
        if url.scheme not in ("redis", "rediss") or not url.hostname:
            raise ImproperlyConfigured(
                f"Redis Cluster LOCATION {server!r} is not a redis:// or rediss:// URL with a host."
            )
        if url.path.strip("/") not in ("", "0"):
            raise ImproperlyConfigured(
                f"Redis Cluster LOCATION {server!r} names database {url.path.strip('/')!r}; "
                "a cluster has only database 0."
            )
        found: dict[str, Any] = {}
        if url.username:
            found["username"] = unquote(url.username)
        if url.password:
            found["password"] = unquote(url.password)
        if url.scheme == "rediss":
            found["ssl"] = True
        if nodes and found != options:
            raise ImproperlyConfigured(
                "Every Redis Cluster LOCATION must use the same scheme and credentials."
            )
        options = found
        nodes.append((url.hostname, url.port or 6379))
    if not nodes:
        raise ImproperlyConfigured("A Redis Cluster cache needs at least one LOCATION.")
    return nodes, options


_clients: dict[tuple[tuple[str, ...], str], Any] = {}
_clients_lock = threading.Lock()


def _shared_client(servers: list[str], options: dict[str, Any], make: Any) -> Any:
    # Django makes a cache object per alias per thread. Making a RedisCluster asks the
    # cluster for its slots and its command table (about 20 ms, and much more when a
    # crowd of new threads does it at once), so the cache objects of one configuration
    # share one client per process: redis-py clients are safe to share between threads,
    # and it keeps a connection pool per node, reset in a forked child.
    key = (tuple(servers), repr(sorted(options.items())))
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _clients[key] = make()
        return client


class RedisClusterCacheClient(RedisCacheClient):
    """The client of :class:`RedisClusterCache`.

    Every cache object of one configuration (``LOCATION`` and ``OPTIONS``) in a process
    uses the same ``RedisCluster``, made on first use, with a connection pool per node.
    """

    def __init__(self, servers: Iterable[str], serializer: Any = None, **options: Any):
        import redis
        from redis.cluster import ClusterNode, RedisCluster

        if "pool_class" in options or "parser_class" in options:
            raise ImproperlyConfigured(
                "Redis Cluster OPTIONS take no pool_class or parser_class: RedisCluster "
                "makes a connection pool per node itself."
            )
        self._lib = redis
        self._servers = list(servers)
        nodes, url_options = startup_nodes(self._servers)
        self._startup_nodes = [ClusterNode(host, port) for host, port in nodes]
        self._cluster_class = RedisCluster
        if isinstance(serializer, str):
            serializer = import_string(serializer)
        if callable(serializer):
            serializer = serializer()
        self._serializer = serializer or RedisSerializer()
        self._options = {**url_options, **options}
        self._cluster: Any = None

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """Return the ``RedisCluster`` client, making it on first use.

        ``key`` and ``write`` are unused: the client routes every command to the master
        of its key's slot itself.
        """
        if self._cluster is None:
            self._cluster = _shared_client(
                self._servers,
                self._options,
                lambda: self._cluster_class(startup_nodes=self._startup_nodes, **self._options),
            )
        return self._cluster

    def add(self, key: str, value: Any, timeout: int | None) -> bool:
        """``SET key value NX EX timeout``: True when it was added, False when the key
        existed (with a timeout of 0, the key is added and deleted at once, as Django's
        Redis backend does)."""
        client = self.get_client(key, write=True)
        data = self._serializer.dumps(value)
        if timeout == 0:
            added = bool(client.set(key, data, nx=True))
            if added:
                client.delete(key)
            return added
        return bool(client.set(key, data, ex=timeout, nx=True))

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """Read ``keys`` with one pipelined ``MGET`` per slot: one round trip per master."""
        keys = list(keys)
        if not keys:
            return {}
        values = self.get_client().mget_nonatomic(keys)
        return {
            key: self._serializer.loads(value)
            for key, value in zip(keys, values, strict=True)
            if value is not None
        }

    def set_many(self, data: Mapping[str, Any], timeout: int | None) -> None:
        """Write ``data`` with one pipelined ``SET ... EX`` per key: one round trip per
        master. A timeout of 0 deletes the keys instead."""
        if not data:
            return
        if timeout == 0:
            self.delete_many(list(data))
            return
        pipeline = self.get_client(write=True).pipeline()
        for key, value in data.items():
            pipeline.set(key, self._serializer.dumps(value), ex=timeout)
        pipeline.execute()

    def delete_many(self, keys: Iterable[str]) -> None:
        """Delete ``keys`` with one pipelined ``DEL`` per slot: one round trip per master."""
        keys = list(keys)
        if keys:
            self.get_client(write=True).delete(*keys)

    def clear(self) -> bool:
        """``FLUSHDB`` on every master; True when every one of them answered OK."""
        client = self.get_client(write=True)
        answers = client.flushdb(target_nodes=self._cluster_class.PRIMARIES)
        if isinstance(answers, dict):
            return all(answers.values())
        return bool(answers)


class RedisClusterCache(RedisCache):
    """Django's Redis cache backend with a :class:`RedisClusterCacheClient`.

    Keys are made, validated and versioned exactly as :class:`RedisCache` makes them,
    and values are serialized the same way, so code that uses ``caches[...]`` directly
    works unchanged.
    """

    def __init__(self, server: str | list[str], params: dict[str, Any]):
        super().__init__(server, params)
        self._class = RedisClusterCacheClient
