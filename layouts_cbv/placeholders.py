"""Values that belong to one request, kept out of cached HTML.

CSRF tokens and CSP nonces in a panel's output are replaced by placeholders before it
is stored, and each serve puts in the values of the request being served.
"""

from __future__ import annotations

from django.http import HttpRequest

from . import csrf, nonces


def for_storage(html: str, request: HttpRequest) -> str:
    """Return ``html`` as it may be cached: no token or nonce of ``request`` in it."""
    return nonces.to_placeholders(csrf.to_placeholders(html, request), request)


# What both placeholders begin with: one look tells whether there is any to fill.
_EITHER = "<!--layouts_cbv:c"
assert csrf.PLACEHOLDER.startswith(_EITHER) and nonces.PLACEHOLDER.startswith(_EITHER)


def holds_any(html: str) -> bool:
    """Return whether ``html`` holds a placeholder (a search of the whole HTML: a
    panel's entry records the answer, see ``Entry.placeholders``)."""
    return _EITHER in html


def for_serving(html: str, request: HttpRequest) -> str:
    """Return cached ``html`` with the token and nonce of ``request`` put back."""
    if not holds_any(html):
        return html
    return nonces.from_placeholders(csrf.from_placeholders(html, request), request)
