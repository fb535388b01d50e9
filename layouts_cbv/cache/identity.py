"""Who the visitor is, for per-user keys, without loading the user on every request.

Per-user entries are keyed by the user's primary key. Django learns it by loading the
user from the database and checking the session against the user's password hash: on a
warm page that query costs more than everything else. So while one cache lookup builds
its keys, layouts_cbv takes the user id the session claims, and checks the claim in the
same ``get_many`` against a *record* of that user's session hash kept in the cache
(``layouts:auth:{pk}``):

* a session without a user is anonymous, as for Django, and there is nothing to check;
* a claim whose session hash equals the record's is that user's;
* anything else (no record, another hash, another backend) loads the user as Django
  does. If that is the claimed user, the record is written for the next requests;
  if not, every key is built again for the real user before anything is read or stored.

Records are deleted when the user is saved or deleted (a new password, ``is_active``
set to False, through ``save()``), and expire after :data:`RECORD_TIMEOUT` seconds,
which bounds how long a change made behind the ORM's back (``QuerySet.update()``, raw
SQL) goes unseen. A signed-cookie session is read through
:mod:`~layouts_cbv.cache.signed_sessions`, which verifies each cookie once per process.
The shortcut applies only to the user that Django's
``AuthenticationMiddleware`` sets lazily, and only until it is evaluated.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject, empty

from . import copies, guard
from .aliases import key_version
from .keys import RECORD_PREFIX, name_part
from .signed_sessions import login_values, read_login

RECORD_TIMEOUT = 300
"""Seconds a user's record lives: how long a change behind the ORM's back goes unseen."""

UNCHECKED, VERIFIED, REFUTED = "unchecked", "verified", "refuted"
_CLAIM = "_layouts_claim"
_TRUST = "_layouts_trust_claim"


@dataclass
class Claim:
    """The user the session says this request is, and what its record must hold."""

    vary: str  # what per-user keys use: the primary key, or "anonymous"
    record: tuple[str, str] | None  # (backend path, session hash); None: nothing to check
    status: str = UNCHECKED
    used: bool = False


def record_key(user_id: str) -> str:
    """Return the cache key of the record of ``user_id`` (the primary key, as a string)."""
    return RECORD_PREFIX + name_part(user_id)


@contextmanager
def trusting(request: HttpRequest) -> Iterator[None]:
    """Let per-user keys built inside use the session's claim (see :func:`check`)."""
    vars(request)[_TRUST] = True
    try:
        yield
    finally:
        vars(request)[_TRUST] = False


def claimed_vary(request: HttpRequest) -> str | None:
    """Return the per-user vary the session claims, or None to ask ``request.user``."""
    if not vars(request).get(_TRUST) or not _user_pending(request):
        return None
    claim = _claim(request)
    if claim is None or claim.status == REFUTED:
        return None
    claim.used = True
    return claim.vary


def unchecked_record_key(request: HttpRequest) -> str | None:
    """Return the record key to read with the lookup, when a claim used there is unchecked."""
    claim = vars(request).get(_CLAIM)
    if claim is None or not claim.used or claim.status != UNCHECKED:
        return None
    return record_key(claim.vary)


def refuted(request: HttpRequest) -> bool:
    """Return whether the session's claim turned out wrong for this request."""
    claim = vars(request).get(_CLAIM)
    return claim is not None and claim.status == REFUTED


def check(request: HttpRequest, records: Iterable[Any], aliases: Iterable[str]) -> bool:
    """Check the claim against the records read; return False when it was wrong.

    Without a matching record the user is loaded as Django does; when it is the
    claimed user, the record is written to ``aliases`` for the next requests.
    """
    claim: Claim | None = vars(request).get(_CLAIM)
    if claim is None or claim.status != UNCHECKED:
        return claim is None or claim.status != REFUTED
    backend, session_hash = claim.record  # type: ignore[misc]
    for record in records:
        if (
            isinstance(record, tuple)
            and len(record) == 2
            and record[0] == backend
            and constant_time_compare(record[1], session_hash)
        ):
            claim.status = VERIFIED
            return True
    user = request.user  # type: ignore[attr-defined]
    if user.is_authenticated and str(user.pk) == claim.vary:
        claim.status = VERIFIED
        if hasattr(user, "get_session_auth_hash"):
            _write(claim.vary, (backend, user.get_session_auth_hash()), aliases)
        return True
    claim.status = REFUTED
    return False


def connect() -> None:
    """Forget a user's record whenever the user is saved or deleted."""
    model = get_user_model()
    post_save.connect(_forget_instance, sender=model, dispatch_uid="layouts_cbv.identity")
    post_delete.connect(_forget_instance, sender=model, dispatch_uid="layouts_cbv.identity")


def _forget_instance(instance: Any, **kwargs: Any) -> None:
    forget(instance.pk)


def forget(user_id: Any) -> None:
    """Delete the record of ``user_id`` from every cache alias."""
    key = record_key(str(user_id))
    version = key_version()
    for alias in settings.CACHES:
        if guard.is_sharded(alias):
            copies.delete_everywhere(alias, [key], version)  # every copy, on every server
        else:
            guard.call(alias, "delete", None, lambda c: c.delete(key, version=version))


def _write(user_id: str, record: tuple[str, str], aliases: Iterable[str]) -> None:
    key = record_key(user_id)
    version = key_version()
    for alias in aliases:
        copies.write(alias, key, record, version, RECORD_TIMEOUT)


def _user_pending(request: HttpRequest) -> bool:
    """Return whether ``request.user`` is AuthenticationMiddleware's, not yet loaded."""
    user = vars(request).get("user")
    if not isinstance(user, SimpleLazyObject) or "_cached_user" in vars(request):
        return False
    if object.__getattribute__(user, "_wrapped") is not empty:
        return False
    setup = object.__getattribute__(user, "_setupfunc")
    return getattr(setup, "__module__", None) == "django.contrib.auth.middleware"


def _claim(request: HttpRequest) -> Claim | None:
    if _CLAIM not in vars(request):
        vars(request)[_CLAIM] = _read_claim(request)
    return vars(request)[_CLAIM]


def _read_claim(request: HttpRequest) -> Claim | None:
    session = getattr(request, "session", None)
    if session is None:
        return None
    if not session.session_key and not hasattr(session, "_session_cache"):
        # No session cookie and nothing stored yet: anonymous, as for Django, without
        # loading (and, for signed cookies, verifying) an empty session.
        return Claim("anonymous", None, status=VERIFIED)
    values = login_values(session)
    user_id, backend, session_hash = values if values is not None else read_login(session)
    if user_id is None:
        return Claim("anonymous", None, status=VERIFIED)  # as django.contrib.auth.get_user
    if not session_hash or backend not in settings.AUTHENTICATION_BACKENDS:
        return None  # Django decides, from the database
    try:
        pk = get_user_model()._meta.pk.to_python(user_id)
    except Exception:
        return None
    return Claim(str(pk), (backend, session_hash))
