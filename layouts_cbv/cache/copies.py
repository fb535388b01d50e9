"""Invalidation state on a sharded cache: a copy on every server, read together.

On a cache spread over several servers (memcached with several ``LOCATION``\\s, Redis
Cluster) a server may drop out and come back with what it held before: a generation
or an epoch from before an invalidation made while it was away, and the entries that
go with them. Read alone, they would be served again.

So on such a cache the *state* keys, each panel's generation (``layouts:gen:{name}``)
and the epoch (``layouts:epoch``), are written under several names, one stored on each
server: the key itself and ``layouts:copy:{n}:gen:{name}``, ``layouts:copy:{n}:epoch``.
They are read together, in the same ``get_many`` as the rest (one round trip per
server, as before), and

* the copies that are present and agree give the value (a copy that is missing, on a
  server that was restarted or evicted it, has no say);
* copies that disagree give nothing: the panel is a miss, its next render starts a new
  generation written to every copy, and a new epoch is written at once. A server that
  comes back with an old generation therefore cannot bring its old entries back, as
  long as one server that saw the invalidation is up.

A user's record (``layouts:auth:{pk}``, see :mod:`~layouts_cbv.cache.identity`) is
kept in copies too, but counts only when every copy holds it: records are deleted when
the user changes, and a server that was away when it was deleted must not vouch for
the old password. Without it the user is loaded from the database, as Django does, and
the record written again everywhere.

On a cache of one server (or a primary with replicas) there is one name, the key
itself, and nothing changes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Any

from django.core.cache import caches
from django.core.signals import setting_changed

from . import guard
from .keys import EPOCH_KEY, GENERATION_PREFIX, RECORD_PREFIX, new_generation

COPY_PREFIX = "layouts:copy:"
CLUSTER_COPIES = 3  # Redis Cluster: one copy in each third of the hash slots
_SLOTS = 16384


def is_state(key: str) -> bool:
    """Return whether ``key`` is kept in copies: a generation, the epoch, a user record."""
    return key == EPOCH_KEY or key.startswith((GENERATION_PREFIX, RECORD_PREFIX))


def _strict(key: str) -> bool:
    # A user's record is deleted when the user changes: a copy that is missing may be
    # one that was deleted, so the record counts only when every copy holds it.
    return key.startswith(RECORD_PREFIX)


@functools.lru_cache(maxsize=4096)  # user records: one per user
def names(alias: str, key: str, version: int | None) -> tuple[str, ...]:
    """Return the names the copies of state key ``key`` are stored under in ``alias``.

    The first is the key itself. On a cache of one server it is the only one.
    """
    if not guard.is_sharded(alias):
        return (key,)
    cache = caches[alias]
    made = functools.partial(cache.make_key, version=version)
    homes = _cluster_home if getattr(cache, "sharded", False) else _memcached_home(cache)
    wanted = _CLUSTER_THIRDS if getattr(cache, "sharded", False) else _memcached_nodes(cache)
    found: dict[Any, str] = {}
    for n in range(64 * len(wanted)):
        name = key if n == 0 else f"{COPY_PREFIX}{n}:{key.removeprefix('layouts:')}"
        home = homes(made(name))
        if home in wanted and home not in found:
            found[home] = name
            if len(found) == len(wanted):
                break
    ordered = [key, *(name for name in found.values() if name != key)]
    return tuple(ordered)


_CLUSTER_THIRDS = frozenset(range(CLUSTER_COPIES))


def _cluster_home(stored_key: str) -> int:
    # Which third of the slots the key falls in: a cluster made by redis-cli gives
    # each of three masters one third, and more masters smaller ranges within them.
    from redis.cluster import key_slot

    return key_slot(stored_key.encode()) * CLUSTER_COPIES // _SLOTS


def _memcached_nodes(cache: Any) -> frozenset[str]:
    return frozenset(_memcached_ring(cache).nodes)


def _memcached_home(cache: Any) -> Any:
    return _memcached_ring(cache).get_node


def _memcached_ring(cache: Any) -> Any:
    # The ring of every configured server, as pymemcache's HashClient builds it: the
    # same in every process, whichever servers a process has set aside.
    from pymemcache.client.base import normalize_server_spec
    from pymemcache.client.rendezvous import RendezvousHash

    ring = cache._options.get("hasher", RendezvousHash)()
    for server in cache.client_servers:
        spec = normalize_server_spec(server)
        ring.add_node(f"{spec[0]}:{spec[1]}" if isinstance(spec, tuple) else spec)
    return ring


def expand(alias: str, keys: Iterable[str], version: int | None) -> list[str]:
    """Return ``keys`` with each state key replaced by the names of its copies."""
    expanded: list[str] = []
    for key in keys:
        expanded += names(alias, key, version) if is_state(key) else (key,)
    return expanded


def get_many(alias: str, keys: list[str], version: int | None) -> dict[str, Any]:
    """Return what ``alias`` holds for ``keys`` (see :func:`guard.get_many`), each state
    key read from all its copies."""
    if not guard.is_sharded(alias):
        return guard.get_many(alias, keys, version)
    found = guard.get_many(alias, expand(alias, keys, version), version)
    answer = {}
    for key in keys:
        if not is_state(key):
            if key in found:
                answer[key] = found[key]
            continue
        values: list[Any] = []
        for name in names(alias, key, version):
            value = found.get(name)
            if value is None and _strict(key):
                values = []
                break
            if value is not None and value not in values:
                values.append(value)
        if len(values) == 1:
            answer[key] = values[0]
        elif values and key == EPOCH_KEY:
            # A server came back with an old epoch: a new one, everywhere, so every
            # process looks at its panels' generations again.
            answer[key] = new_generation()
            set_many(alias, {EPOCH_KEY: answer[key]}, None, version)
    return answer


def write(
    alias: str, key: str, value: Any, version: int | None, timeout: int | None = None
) -> bool:
    """Write state key ``key`` to all its copies (kept until changed or evicted, or for
    ``timeout`` seconds); False if it failed."""
    if guard.is_sharded(alias):
        return set_many(alias, {key: value}, timeout, version)
    written = guard.attempt(alias, "set", lambda c: c.set(key, value, timeout, version=version))
    return not isinstance(written, guard.Failure)


def set_many(alias: str, data: dict[str, Any], timeout: int | None, version: int | None) -> bool:
    """Write ``data`` to ``alias``, each state key to all its copies; False if it failed."""
    if guard.is_sharded(alias):
        data = {
            name: value
            for key, value in data.items()
            for name in (names(alias, key, version) if is_state(key) else (key,))
        }
    written = guard.attempt(
        alias, "set_many", lambda c: c.set_many(data, timeout=timeout, version=version)
    )
    return not isinstance(written, guard.Failure)


def add(alias: str, key: str, value: Any, timeout: int | None, version: int | None) -> bool:
    """Add ``value`` under every copy of state key ``key`` that does not exist yet;
    return whether every copy now holds it (False: another value was there, or a server
    did not answer)."""
    everywhere = True
    for name in names(alias, key, version):

        def add_one(cache: Any, name: str = name) -> Any:
            return cache.add(name, value, timeout, version)

        everywhere = guard.call(alias, "add", False, add_one) is True and everywhere
    return everywhere


def delete_everywhere(alias: str, keys: list[str], version: int | None) -> bool:
    """Delete ``keys`` from every server of ``alias``; False if one could not be reached.

    Memcached moves the keys of a server it has set aside to the others, and back when
    it returns: the keys are deleted on every server, so no copy left on one comes back.
    """
    cache = caches[alias]
    client = getattr(cache, "_cache", None)
    servers = getattr(client, "clients", None)
    keys = expand(alias, keys, version)
    if not guard.is_sharded(alias) or not isinstance(servers, dict):
        deleted = guard.attempt(
            alias, "delete_many", lambda c: c.delete_many(keys, version=version)
        )
        return not isinstance(deleted, guard.Failure)
    made = [cache.make_and_validate_key(key, version=version) for key in keys]
    away = {**getattr(client, "_failed_clients", {}), **getattr(client, "_dead_clients", {})}
    complete = True
    for server in servers.values():
        if server.server in away:
            complete = False  # set aside: not asked, so as not to wait for it
            continue

        def delete(cache: Any, server: Any = server) -> Any:
            return server.delete_many(made)

        deleted = guard.attempt(alias, "delete_many", delete)
        complete = complete and not isinstance(deleted, guard.Failure)
    return complete


def forget() -> None:
    """Forget where copies live (after reconfiguring caches)."""
    names.cache_clear()


def _caches_changed(*, setting: str, **kwargs: Any) -> None:
    if setting == "CACHES":
        forget()


setting_changed.connect(_caches_changed, dispatch_uid="layouts_cbv.copies")
