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

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import redis
from django.core.cache.backends.redis import RedisCache, RedisCacheClient, RedisSerializer
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.utils.module_loading import import_string

from .. import conf

__all__ = ["MasterDown", "RedisClusterCache", "RedisClusterCacheClient", "startup_nodes"]

logger = logging.getLogger("layouts_cbv")


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


class MasterDown(redis.exceptions.ConnectionError):
    """A master this process has set aside: asked nothing until its back-off is over.

    Its outage was logged once, when it failed (``reported``).
    """

    reported = True


class Masters:
    """Which masters of one cluster this process leaves alone, and until when.

    A master that fails (refused, reset, timed out) is set aside for ``BACKOFF``
    seconds; then one caller probes it while the others keep skipping it, so a hung
    master costs one socket timeout per back-off period per process, with one WARNING
    per outage.
    """

    def __init__(self) -> None:
        self._down_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def may_call(self, name: str) -> bool:
        """Return whether ``name`` may be asked now (as the probe, once its back-off is over)."""
        until = self._down_until.get(name)
        if until is None:
            return True
        with self._lock:
            until = self._down_until.get(name)
            if until is not None and time.monotonic() < until:
                return False
            if until is not None:
                self._down_until[name] = time.monotonic() + _backoff()
            return True

    def enter(self, name: str) -> None:
        """Raise :class:`MasterDown` unless ``name`` may be asked now."""
        if not self.may_call(name):
            raise MasterDown(f"Redis Cluster master {name} is set aside after a failure")

    def failed(self, name: str, exc: BaseException) -> None:
        with self._lock:
            first = name not in self._down_until
            self._down_until[name] = time.monotonic() + _backoff()
        if first:
            logger.warning(
                "Redis Cluster master %s failed (%s: %s); the keys it holds are misses, "
                "and it is left alone for %s seconds at a time until it answers again.",
                name,
                type(exc).__name__,
                exc,
                _backoff(),
            )

    def answered(self, name: str) -> None:
        if self._down_until.pop(name, None) is not None:
            logger.info("Redis Cluster master %s answers again.", name)

    def forget(self) -> None:
        self._down_until.clear()

    def down(self) -> set[str]:
        """Return the masters set aside now."""
        now = time.monotonic()
        return {name for name, until in list(self._down_until.items()) if now < until}


def _backoff() -> float:
    return float(conf.get("BACKOFF"))


_TRANSPORT = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# Answers that say the slot map is out of date: the command is sent again through
# RedisCluster, which follows them and updates its map.
_REDIRECTIONS = (
    redis.exceptions.MovedError,
    redis.exceptions.AskError,
    redis.exceptions.TryAgainError,
)

_clients: dict[tuple[tuple[str, ...], str], tuple[Any, Masters]] = {}
# configuration -> monotonic time until which making its client is not tried again
_unreachable_until: dict[tuple[tuple[str, ...], str], float] = {}
_clients_lock = threading.Lock()


def _shared_client(servers: list[str], options: dict[str, Any], make: Any) -> tuple[Any, Masters]:
    # Django makes a cache object per alias per thread. Making a RedisCluster asks the
    # cluster for its slots and its command table (about 20 ms, and much more when a
    # crowd of new threads does it at once), so the cache objects of one configuration
    # share one client per process: redis-py clients are safe to share between threads,
    # and it keeps a connection pool per node, reset in a forked child. What the process
    # knows of failed masters is shared the same way.
    key = (tuple(servers), repr(sorted(options.items())))
    with _clients_lock:
        found = _clients.get(key)
        if found is not None:
            return found
        until = _unreachable_until.get(key)
        if until is not None and time.monotonic() < until:
            raise MasterDown("no master of the Redis Cluster could be reached lately")
        try:
            client = make()
        except (*_TRANSPORT, redis.exceptions.RedisClusterException) as exc:
            # No master answered: tried again once per back-off period, not per call.
            if until is None:
                logger.warning(
                    "Redis Cluster %s could not be reached (%s: %s); its keys are misses, "
                    "and it is tried again every %s seconds.",
                    ", ".join(servers),
                    type(exc).__name__,
                    exc,
                    _backoff(),
                )
            _unreachable_until[key] = time.monotonic() + _backoff()
            raise MasterDown(f"the Redis Cluster could not be reached: {exc}") from exc
        _unreachable_until.pop(key, None)
        found = _clients[key] = (client, Masters())
        return found


@dataclass
class _Command:
    key: str  # a key of the command: its master is the master of this key's slot
    args: tuple[Any, ...]
    result: Any = None


class RedisClusterCacheClient(RedisCacheClient):
    """The client of :class:`RedisClusterCache`.

    Every cache object of one configuration (``LOCATION`` and ``OPTIONS``) in a process
    uses the same ``RedisCluster``, made on first use, with a connection pool per node.
    """

    def __init__(self, servers: Iterable[str], serializer: Any = None, **options: Any):
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
        self._masters = Masters()

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        """Return the ``RedisCluster`` client, making it on first use.

        ``key`` and ``write`` are unused: the client routes every command to the master
        of its key's slot itself.
        """
        if self._cluster is None:
            self._cluster, self._masters = _shared_client(
                self._servers, self._options, self._make_cluster
            )
        return self._cluster

    def _make_cluster(self) -> Any:
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        if "retry" in self._options:
            return self._cluster_class(startup_nodes=self._startup_nodes, **self._options)
        # Made, it asks a random master for the command table: with one master down,
        # another is asked. Then no retries: a master that fails is set aside (see
        # Masters) rather than asked again, each try costing a socket timeout and a new
        # slot map.
        tries = Retry(NoBackoff(), len(self._startup_nodes))
        cluster = self._cluster_class(
            startup_nodes=self._startup_nodes, retry=tries, **self._options
        )
        cluster.set_retry(Retry(NoBackoff(), 0))
        return cluster

    def masters_down(self) -> set[str]:
        """Return the masters (``host:port``) this process has set aside."""
        self.get_client()
        return self._masters.down()

    # One key, one master

    def _on_master(self, key: str, call: Callable[[], Any]) -> Any:
        node = self.get_client().get_node_from_key(key)
        self._masters.enter(node.name)
        try:
            result = call()
        except _TRANSPORT as exc:
            self._masters.failed(node.name, exc)
            raise MasterDown(f"Redis Cluster master {node.name} failed: {exc}") from exc
        self._masters.answered(node.name)
        return result

    def add(self, key: str, value: Any, timeout: int | None) -> bool:
        """``SET key value NX EX timeout``: True when it was added, False when the key
        existed (with a timeout of 0, the key is added and deleted at once, as Django's
        Redis backend does)."""

        def add() -> bool:
            client = self.get_client(key, write=True)
            data = self._serializer.dumps(value)
            if timeout == 0:
                added = bool(client.set(key, data, nx=True))
                if added:
                    client.delete(key)
                return added
            return bool(client.set(key, data, ex=timeout, nx=True))

        return self._on_master(key, add)

    def get(self, key: str, default: Any) -> Any:
        return self._on_master(key, lambda: super(RedisClusterCacheClient, self).get(key, default))

    def set(self, key: str, value: Any, timeout: int | None) -> None:
        self._on_master(key, lambda: super(RedisClusterCacheClient, self).set(key, value, timeout))

    def touch(self, key: str, timeout: int | None) -> bool:
        return self._on_master(
            key, lambda: super(RedisClusterCacheClient, self).touch(key, timeout)
        )

    def delete(self, key: str) -> bool:
        return self._on_master(key, lambda: super(RedisClusterCacheClient, self).delete(key))

    def has_key(self, key: str) -> bool:
        return self._on_master(key, lambda: super(RedisClusterCacheClient, self).has_key(key))

    def incr(self, key: str, delta: int) -> int:
        return self._on_master(key, lambda: super(RedisClusterCacheClient, self).incr(key, delta))

    # Many keys: one batch per master

    def _send(self, commands: list[_Command]) -> frozenset[str]:
        """Run ``commands``, one batch per master: every batch is written before any
        answer is read, so the masters work at the same time.

        Each command's ``result`` is its answer, or the exception it failed with. Return
        the masters that failed or were set aside: the commands bound for them failed,
        and the others ran.
        """
        cluster = self.get_client()
        batches: dict[str, list[_Command]] = defaultdict(list)
        nodes = {}
        for command in commands:
            node = cluster.get_node_from_key(command.key)
            nodes[node.name] = node
            batches[node.name].append(command)
        failed = set()
        sent = []
        for name, batch in batches.items():
            if not self._masters.may_call(name):
                failed.add(name)
                for command in batch:
                    command.result = MasterDown(f"Redis Cluster master {name} is set aside")
                continue
            redis_node = cluster.get_redis_connection(nodes[name])
            try:
                connection = redis_node.connection_pool.get_connection()  # connects
            except _TRANSPORT as exc:
                connection = None
                for command in batch:
                    command.result = exc
            else:
                try:
                    connection.send_packed_command(
                        connection.pack_commands([command.args for command in batch])
                    )
                except _TRANSPORT as exc:
                    for command in batch:
                        command.result = exc
            sent.append((name, redis_node, connection, batch))
        for name, redis_node, connection, batch in sent:
            if connection is None:
                error = batch[0].result
            else:
                error = self._read(redis_node, connection, batch)
                redis_node.connection_pool.release(connection)
            if error is not None:
                failed.add(name)
                self._masters.failed(name, error)
                # Its other idle connections are as dead as this one (a restarted
                # master): the probe after the back-off starts on a new one.
                redis_node.connection_pool.disconnect(inuse_connections=False)
            else:
                self._masters.answered(name)
        for command in commands:
            if isinstance(command.result, _REDIRECTIONS):
                try:
                    command.result = cluster.execute_command(*command.args)
                except redis.exceptions.RedisError as exc:
                    command.result = exc
        return frozenset(failed)

    @staticmethod
    def _read(redis_node: Any, connection: Any, batch: list[_Command]) -> BaseException | None:
        # Returns the transport error that ended the batch, if one did.
        for command in batch:
            if isinstance(command.result, _TRANSPORT):
                connection.disconnect()
                return command.result
            try:
                command.result = redis_node.parse_response(connection, command.args[0])
            except _TRANSPORT as exc:
                connection.disconnect()  # answers may still be on their way: start afresh
                for unread in batch:
                    unread.result = exc
                return exc
            except redis.exceptions.RedisError as exc:
                command.result = exc
        return None

    @staticmethod
    def _raise(commands: list[_Command], failed: frozenset[str]) -> None:
        for command in commands:
            if isinstance(command.result, Exception) and not isinstance(command.result, _TRANSPORT):
                raise command.result
        if failed:
            raise MasterDown(f"Redis Cluster masters {', '.join(sorted(failed))} failed")

    def _by_slot(self, command: str, keys: list[str]) -> list[_Command]:
        slots: dict[int, list[str]] = defaultdict(list)
        cluster = self.get_client()
        for key in keys:
            slots[cluster.keyslot(key)].append(key)
        return [_Command(group[0], (command, *group)) for group in slots.values()]

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """Read ``keys`` with one ``MGET`` per slot, in one batch per master.

        The keys of a master that fails, or is set aside, are misses; the others are
        read as usual.
        """
        keys = list(dict.fromkeys(keys))
        if not keys:
            return {}
        commands = self._by_slot("MGET", keys)
        self._send(commands)
        found = {}
        for command in commands:
            if isinstance(command.result, Exception):
                if isinstance(command.result, _TRANSPORT):
                    continue
                raise command.result
            for key, value in zip(command.args[1:], command.result, strict=True):
                if value is not None:
                    found[key] = self._serializer.loads(value)
        return found

    def set_many(self, data: Mapping[str, Any], timeout: int | None) -> None:
        """Write ``data`` with one ``SET ... EX`` per key, in one batch per master. A
        timeout of 0 deletes the keys instead.

        Every master that answers is written; then :class:`MasterDown` is raised if one
        failed or is set aside.
        """
        if not data:
            return
        if timeout == 0:
            self.delete_many(list(data))
            return
        expiry = () if timeout is None else ("EX", timeout)
        commands = [
            _Command(key, ("SET", key, self._serializer.dumps(value), *expiry))
            for key, value in data.items()
        ]
        self._raise(commands, self._send(commands))

    def delete_many(self, keys: Iterable[str]) -> None:
        """Delete ``keys`` with one ``DEL`` per slot, in one batch per master.

        Every master that answers is written; then :class:`MasterDown` is raised if one
        failed or is set aside.
        """
        keys = list(keys)
        if keys:
            commands = self._by_slot("DEL", keys)
            self._raise(commands, self._send(commands))

    def clear(self) -> bool:
        """``FLUSHDB`` on every master; True when every one of them answered OK."""
        client = self.get_client(write=True)
        answers = client.flushdb(target_nodes=self._cluster_class.PRIMARIES)
        if isinstance(answers, dict):
            return all(answers.values())
        return bool(answers)


def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    # New settings, new back-off: forget the failures seen so far (for tests).
    if setting in ("CACHES", conf.SETTING_NAME):
        with _clients_lock:
            _unreachable_until.clear()
            for _, masters in _clients.values():
                masters.forget()


setting_changed.connect(_settings_changed, dispatch_uid="layouts_cbv.redis_cluster")


class RedisClusterCache(RedisCache):
    """Django's Redis cache backend with a :class:`RedisClusterCacheClient`.

    Keys are made, validated and versioned exactly as :class:`RedisCache` makes them,
    and values are serialized the same way, so code that uses ``caches[...]`` directly
    works unchanged.
    """

    sharded = True
    """Its keys are spread over several servers: one that fails costs only its keys."""

    def __init__(self, server: str | list[str], params: dict[str, Any]):
        super().__init__(server, params)
        self._class = RedisClusterCacheClient
