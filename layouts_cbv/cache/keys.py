"""Cache keys for panels: ``layouts:panel:{name}`` and ``layouts:panel:{name}:{vary}``.

Every panel name also has a generation key, ``layouts:gen:{name}``: entries remember
the generation they were written in, and :func:`~layouts_cbv.cache.invalidate_all`
starts a new one, which drops every variant at once on any backend, without scans.

Each cache alias also has one *epoch*, ``layouts:epoch``, changed by every invalidation
in that alias. A cached page records the epochs it was built under, so a warm page
checks one key instead of each of its baked panels.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from functools import lru_cache

PREFIX = "layouts:panel:"
GENERATION_PREFIX = "layouts:gen:"
LOCK_PREFIX = "layouts:lock:"
LATE_PREFIX = "layouts:late:"
EPOCH_KEY = "layouts:epoch"
RECORD_PREFIX = "layouts:auth:"  # a user's session-hash record (see identity)
HASH_MARK = "sha256="
MAX_KEY_BYTES = 200

# Printable ASCII without whitespace: what memcached accepts as-is.
_PLAIN = re.compile(r"^[\x21-\x7e]*$")


def _hashed(text: str) -> str:
    return HASH_MARK + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=1024)
def name_part(panel_name: str) -> str:
    """Return ``panel_name`` as it goes into keys: itself when memcached-safe, else its hash."""
    if _PLAIN.match(panel_name) and len(panel_name) <= 100 and not panel_name.startswith(HASH_MARK):
        return panel_name
    return _hashed(panel_name)


def vary_part(panel_name: str, vary: str) -> str:
    """Return ``vary`` as it goes into the key: itself when memcached-safe, else its hash."""
    plain = _PLAIN.match(vary) and not vary.startswith(HASH_MARK)
    if plain and len(PREFIX) + len(panel_name) + 1 + len(vary) <= MAX_KEY_BYTES:
        return vary
    return _hashed(vary)


def panel_key(panel_name: str, vary: str = "") -> str:
    """Return the cache key of ``panel_name`` for ``vary`` (empty: the sitewide entry)."""
    name = name_part(panel_name)
    if not vary:
        return PREFIX + name
    return f"{PREFIX}{name}:{vary_part(name, vary)}"


@lru_cache(maxsize=1024)
def generation_key(panel_name: str) -> str:
    """Return the key of the generation shared by every variant of ``panel_name``."""
    return GENERATION_PREFIX + name_part(panel_name)


def new_generation() -> str:
    # 48 random bits in 8 characters: stored in every entry, so kept short.
    return secrets.token_urlsafe(6)


def lock_key(entry_key: str) -> str:
    """Return the key of the render lock of the entry stored under ``entry_key``."""
    return LOCK_PREFIX + entry_key.removeprefix(PREFIX)


def late_key(entry_key: str) -> str:
    """Return the key a waiter adds to take over a render whose holder stopped answering."""
    return LATE_PREFIX + entry_key.removeprefix(PREFIX)
