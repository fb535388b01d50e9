"""The leak guard: a cached panel that reads what its strategy does not vary on is not stored.

Each panel clone gets its own proxies for ``request.user`` and ``request.session`` that
note what the panel reads. Evaluating the lazy user counts (``hasattr`` does not);
touching session data counts (``session_key`` does not).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from . import conf
from .cache.backends import PanelCacheBackend

logger = logging.getLogger("layouts_cbv")

USER, SESSION = "user", "session"


class UnsafeVary(ImproperlyConfigured):
    """A cached panel read the user or session while its strategy does not vary on them."""


class Reads:
    """What one panel clone read while it rendered."""

    def __init__(self) -> None:
        self.found: set[str] = set()

    def note(self, what: str) -> None:
        self.found.add(what)


class TrackedSession:
    """A view of a session that notes any use of its data, delegating everything."""

    _UNTRACKED = frozenset({"session_key", "_session_key", "accessed", "modified"})

    def __init__(self, session: Any, reads: Reads):
        object.__setattr__(self, "_session", session)
        object.__setattr__(self, "_reads", reads)

    def __getattr__(self, name: str) -> Any:
        if name not in self._UNTRACKED:
            self._reads.note(SESSION)
        return getattr(self._session, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._session, name, value)

    def __contains__(self, key: str) -> bool:
        self._reads.note(SESSION)
        return key in self._session

    def __getitem__(self, key: str) -> Any:
        self._reads.note(SESSION)
        return self._session[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self._reads.note(SESSION)
        self._session[key] = value

    def __delitem__(self, key: str) -> None:
        self._reads.note(SESSION)
        del self._session[key]


def track(clone: HttpRequest, request: HttpRequest) -> Reads:
    """Give ``clone`` tracking proxies for the user and session of ``request``."""
    reads = Reads()
    attrs = vars(request)
    if "user" in attrs:

        def user() -> Any:
            reads.note(USER)
            return request.user

        clone.user = SimpleLazyObject(user)
    if "auser" in attrs:

        async def auser() -> Any:
            reads.note(USER)
            return await request.auser()

        clone.auser = auser  # type: ignore[attr-defined]
    if "session" in attrs:
        clone.session = TrackedSession(request.session, reads)  # type: ignore[assignment]
    return reads


def allowed_reads(strategy: PanelCacheBackend) -> frozenset[str]:
    """Return what a panel cached with ``strategy`` may read and still be stored."""
    varies_on = strategy.varies_on
    # A session belongs to one user, so what varies by session may read the user.
    return varies_on | ({USER} if SESSION in varies_on else frozenset())


_warned: set[tuple[str, type]] = set()
_warned_lock = threading.Lock()


def may_store(name: str, strategy: PanelCacheBackend, found: set[str]) -> bool:
    """Return whether panel ``name`` may be stored after reading ``found``.

    If not, warn once per panel and strategy per process, or raise
    :class:`UnsafeVary` under ``STRICT_VARY``.
    """
    unsafe = sorted(set(found) - allowed_reads(strategy))
    if not unsafe:
        return True
    message = (
        f"Panel {name!r} read request.{' and request.'.join(unsafe)} while rendering, but "
        f"its cache strategy {type(strategy).__name__} does not vary on "
        f"{' or '.join(unsafe)}; it was not stored, so no visitor can see another's. "
        f"Cache it with {suggest(strategy, unsafe)}."
    )
    if conf.get("STRICT_VARY"):
        raise UnsafeVary(message)
    with _warned_lock:
        first = (name, type(strategy)) not in _warned
        _warned.add((name, type(strategy)))
    if first:
        logger.warning(message)
    return False


def suggest(strategy: PanelCacheBackend, unsafe: list[str]) -> str:
    if SESSION in unsafe:
        return "cache.per_session()"
    if "path" in strategy.varies_on:
        return "cache.per_user_per_path()"
    return "cache.per_user()"


@contextmanager
def watching(request: HttpRequest) -> Iterator[Reads]:
    """Note what code reads of the user and session of ``request`` itself while inside."""
    reads = Reads()
    saved = {name: vars(request)[name] for name in ("user", "session") if name in vars(request)}
    if "user" in saved:

        def user() -> Any:
            reads.note(USER)
            return saved["user"]

        request.user = SimpleLazyObject(user)
    if "session" in saved:
        request.session = TrackedSession(saved["session"], reads)  # type: ignore[assignment]
    try:
        yield reads
    finally:
        vars(request).update(saved)
