"""The login a signed-cookie session holds, without checking its signature every request.

With ``django.contrib.sessions.backends.signed_cookies`` the cookie *is* the session:
Django verifies its HMAC and decodes it on every request that reads it. Verification
gives the same answer every time for the same cookie and the same keys. So the login
values of a verified cookie are kept here, per process, with the time it was signed.
Its age is still checked on every use, against the session's cookie age, as Django's
``load()`` does. A cookie that fails verification yields nothing: the session is read
as usual, and Django starts a new one.

This changes nothing about revoking a signed-cookie session: Django has no server-side
state to revoke it with, only the user's session hash, which
:mod:`~layouts_cbv.cache.identity` still checks on every request. Changing
``SECRET_KEY``, ``SECRET_KEY_FALLBACKS`` or ``SESSION_SERIALIZER`` forgets everything.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core import signing
from django.core.signals import setting_changed

_SALT = "django.contrib.sessions.backends.signed_cookies"  # Django's, for the same signature
SIZE = 4096
"""How many cookies each process keeps (a few hundred bytes each)."""

LoginValues = tuple[Any, Any, Any]
"""The user id, backend path and session hash a session holds (None where absent)."""


def read_login(data: Mapping[str, Any]) -> LoginValues:
    """Return the login values stored in session ``data`` (a session or its dict)."""
    return data.get(SESSION_KEY), data.get(BACKEND_SESSION_KEY), data.get(HASH_SESSION_KEY)


def login_values(session: Any) -> LoginValues | None:
    """Return the login values of an unread signed-cookie ``session``, or None to read
    the session as usual (another engine, already read, no cookie, or not verified)."""
    if (
        type(session).load is not SessionStore.load
        or hasattr(session, "_session_cache")
        or not session.session_key
    ):
        return None
    verified = _verify(session.session_key, session.serializer)
    if verified is None:
        return None
    signed_at, values = verified
    if time.time() - signed_at > session.get_session_cookie_age():
        return None  # expired: Django's load() turns it into a new, empty session
    return values


@lru_cache(maxsize=SIZE)
def _verify(cookie: str, serializer: type) -> tuple[int, LoginValues] | None:
    try:
        data = signing.loads(cookie, serializer=serializer, salt=_SALT)
        # value:timestamp:signature, as TimestampSigner wrote it and just verified.
        signed_at = signing.b62_decode(cookie.rsplit(":", 2)[-2])
    except Exception:
        return None
    if not isinstance(data, dict):
        return None
    return signed_at, read_login(data)


def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in ("SECRET_KEY", "SECRET_KEY_FALLBACKS", "SESSION_SERIALIZER"):
        _verify.cache_clear()


setting_changed.connect(_forget, dispatch_uid="layouts_cbv.signed_sessions")
