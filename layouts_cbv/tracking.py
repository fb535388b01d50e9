"""What a render reads of the request: the inputs a stored panel or page may depend on.

While something that may be stored renders (a panel on its clone; a page from its view's
handler to its layout template), the request's user, session, messages, cookies,
headers and query string are replaced by proxies that note what is asked of them:

* the user: evaluating the lazy ``request.user`` (any attribute, ``is_authenticated``
  included; ``hasattr(request, "user")`` is not a read) or ``await request.auser()``;
* the session: its data, ``session_key`` included;
* messages: iterating, counting or adding them (``get_messages(request)`` alone is not);
* cookies: ``request.COOKIES``, the ``Cookie`` header;
* the host: ``get_host()``, ``build_absolute_uri()``, ``request.scheme`` and
  ``is_secure()`` under WSGI, the ``Host``, ``X-Forwarded-Host`` and
  ``X-Forwarded-Port`` headers and the ``SECURE_PROXY_SSL_HEADER``;
* the query string: ``request.GET``, ``get_full_path()``;
* any other request header, as ``header:<name>``.

The path is not watched: it is an attribute, and every strategy's key says whether it
varies on it. What counts as reading is the same for panels and pages; what a strategy
may read is :attr:`~layouts_cbv.cache.variation.Variation.allowed`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject, empty

from .cache.variation import HOST, QUERY, SESSION, USER, header

MESSAGES, COOKIES = "messages", "cookies"

_ORIGINALS = "_layouts_originals"
# Request attributes a render may read through; cached properties among them are
# evaluated first, so the proxies stand in for their values.
_WATCHED = ("user", "auser", "session", "_messages", "COOKIES", "META", "environ", "headers", "GET")
_PROPERTIES = ("COOKIES", "headers", "GET")
_HOST_HEADERS = frozenset({"host", "x-forwarded-host", "x-forwarded-port"})
# Set by a web server that authenticated the visitor (RemoteUserMiddleware reads
# REMOTE_USER; SSL_CLIENT_* describe a client certificate): who the visitor is, as much
# as request.user.
_IDENTITY_KEYS = frozenset({"REMOTE_USER", "AUTH_TYPE"})


class Reads:
    """What one render read of its request."""

    def __init__(self) -> None:
        self.found: set[str] = set()
        self._paused = 0

    def note(self, what: str | None) -> None:
        if what is not None and not self._paused:
            self.found.add(what)

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Read without noting: what Django does inside an evaluation already noted."""
        self._paused += 1
        try:
            yield
        finally:
            self._paused -= 1


def describe(what: str) -> str:
    """Return how a read is named in messages: ``request.user``, ``request.headers['x']``."""
    if what.startswith("header:"):
        return f"request.headers[{what.removeprefix('header:')!r}]"
    return {
        USER: "request.user",
        SESSION: "request.session",
        MESSAGES: "messages",
        COOKIES: "request.COOKIES",
        HOST: "the host",
        QUERY: "request.GET",
    }[what]


def _header_read(name: str) -> str:
    name = name.lower().replace("_", "-")
    if name == "cookie":
        return COOKIES
    if name in _HOST_HEADERS or name == _proxy_ssl_header():
        return HOST
    return header(name)


def _proxy_ssl_header() -> str | None:
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    return proxy[0].removeprefix("HTTP_").lower().replace("_", "-") if proxy else None


def meta_read(key: Any) -> str | None:
    """Return what reading ``request.META[key]`` counts as, or None for server-side keys."""
    if not isinstance(key, str):
        return None
    if key == "QUERY_STRING":
        return QUERY
    if key in ("SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme"):
        return HOST  # get_host() falls back on them; the scheme is the origin's too
    if key.startswith("HTTP_"):
        return _header_read(key.removeprefix("HTTP_"))
    if key in _IDENTITY_KEYS or key.startswith("SSL_CLIENT_"):
        return USER
    return None


class TrackedMapping(MutableMapping):
    """A mapping of the request (META, headers, COOKIES, GET) that notes each read.

    ``classify(key)`` says what reading one key counts as; listing the keys counts as
    ``whole``. Other attributes (``QueryDict.getlist``) are delegated and count as
    ``whole`` too.
    """

    def __init__(
        self, data: Any, reads: Reads, classify: Callable[[Any], str | None], whole: tuple[str, ...]
    ):
        self._data, self._reads, self._classify, self._whole = data, reads, classify, whole

    def _all(self) -> None:
        for what in self._whole:
            self._reads.note(what)

    def __getitem__(self, key: Any) -> Any:
        self._reads.note(self._classify(key))
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        self._reads.note(self._classify(key))
        return key in self._data

    def get(self, key: Any, default: Any = None) -> Any:
        self._reads.note(self._classify(key))
        return self._data.get(key, default)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._data[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._data[key]

    def __iter__(self) -> Iterator[Any]:
        self._all()
        return iter(self._data)

    def __len__(self) -> int:
        self._all()
        return len(self._data)

    def __getattr__(self, name: str) -> Any:
        self._all()
        return getattr(self._data, name)

    def __repr__(self) -> str:
        return f"<tracked {self._data!r}>"


class TrackedSession:
    """A session that notes any use of its data or key, delegating everything."""

    # Read by SessionMiddleware to decide on the cookie; they reveal nothing of the data.
    _UNTRACKED = frozenset({"accessed", "modified"})

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


class TrackedMessages:
    """A message storage that notes reading or adding messages."""

    def __init__(self, storage: Any, reads: Reads):
        self._storage, self._reads = storage, reads

    def __iter__(self) -> Iterator[Any]:
        self._reads.note(MESSAGES)
        return iter(self._storage)

    def __len__(self) -> int:
        self._reads.note(MESSAGES)
        return len(self._storage)

    def __contains__(self, item: object) -> bool:
        self._reads.note(MESSAGES)
        return item in self._storage

    def __getitem__(self, index: Any) -> Any:
        self._reads.note(MESSAGES)
        return self._storage[index]

    def add(self, *args: Any, **kwargs: Any) -> Any:
        self._reads.note(MESSAGES)
        return self._storage.add(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._storage, name)


def _unwrap(user: Any) -> Any:
    if isinstance(user, SimpleLazyObject):
        if object.__getattribute__(user, "_wrapped") is empty:
            user._setup()  # type: ignore[attr-defined]
        return object.__getattribute__(user, "_wrapped")
    return user


def _tracked_user(user: Any, reads: Reads) -> SimpleLazyObject:
    def evaluate() -> Any:
        reads.note(USER)
        # Loading the user reads the session: part of reading the user, not more.
        with reads.paused():
            return _unwrap(user)

    return SimpleLazyObject(evaluate)


def _tracked_auser(auser: Callable[[], Any], reads: Reads) -> Callable[[], Any]:
    async def tracked() -> Any:
        reads.note(USER)
        with reads.paused():
            return await auser()

    return tracked


def _proxy(name: str, value: Any, reads: Reads) -> Any:
    if name == "user":
        return _tracked_user(value, reads)
    if name == "auser":
        return _tracked_auser(value, reads)
    if name == "session":
        return TrackedSession(value, reads)
    if name == "_messages":
        return TrackedMessages(value, reads)
    if name == "COOKIES":
        return TrackedMapping(value, reads, lambda key: COOKIES, (COOKIES,))
    if name == "headers":
        return TrackedMapping(value, reads, _header_read, (COOKIES, HOST))
    if name == "GET":
        return TrackedMapping(value, reads, lambda key: QUERY, (QUERY,))
    return TrackedMapping(value, reads, meta_read, (COOKIES, HOST, QUERY))  # META, environ


def originals(request: HttpRequest) -> dict[str, Any]:
    """Return the request's own values of everything a render may read, without proxies."""
    kept = vars(request).get(_ORIGINALS)
    if kept is not None:
        return kept
    for name in _PROPERTIES:
        getattr(request, name, None)  # evaluate cached properties into the instance
    attrs = vars(request)
    return {name: attrs[name] for name in _WATCHED if name in attrs}


def track(target: HttpRequest, values: dict[str, Any]) -> Reads:
    """Put noting proxies of ``values`` on ``target``; return what they will note."""
    reads = Reads()
    attrs = vars(target)
    attrs.pop(_ORIGINALS, None)  # a copy of a watched request is not that watch
    for name, value in values.items():
        attrs[name] = _proxy(name, value, reads)
    return reads


class Watch:
    """The request itself under proxies, while a page that may be stored is built."""

    def __init__(self, request: HttpRequest):
        self.request = request
        self.saved = originals(request)
        self.reads = track(request, self.saved)
        vars(request)[_ORIGINALS] = self.saved

    def end(self) -> None:
        """Put the request's own values back (again is harmless)."""
        attrs = vars(self.request)
        if attrs.get(_ORIGINALS) is self.saved:
            attrs.update(self.saved)
            del attrs[_ORIGINALS]
