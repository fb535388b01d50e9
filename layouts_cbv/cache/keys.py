"""Cache keys for panels: ``layouts:panel:{name}`` and ``layouts:panel:{name}:{vary}``."""

from __future__ import annotations

import hashlib
import re

PREFIX = "layouts:panel:"
HASH_MARK = "sha256="
MAX_KEY_BYTES = 200

# Printable ASCII without whitespace: what memcached accepts as-is.
_PLAIN = re.compile(r"^[\x21-\x7e]*$")


def vary_part(panel_name: str, vary: str) -> str:
    """Return ``vary`` as it goes into the key: itself when memcached-safe, else its hash."""
    plain = _PLAIN.match(vary) and not vary.startswith(HASH_MARK)
    if plain and len(PREFIX) + len(panel_name) + 1 + len(vary) <= MAX_KEY_BYTES:
        return vary
    return HASH_MARK + hashlib.sha256(vary.encode("utf-8", "surrogatepass")).hexdigest()


def panel_key(panel_name: str, vary: str = "") -> str:
    """Return the cache key of ``panel_name`` for ``vary`` (empty: the sitewide entry)."""
    if not vary:
        return PREFIX + panel_name
    return f"{PREFIX}{panel_name}:{vary_part(panel_name, vary)}"
