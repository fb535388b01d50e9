"""CSP nonces in cached panels: stored as a placeholder, served as this request's nonce.

Works with Django's own Content-Security-Policy support (6.0 and later, the nonce in
``request._csp_nonce``) and with django-csp (``request.csp_nonce``). A nonce is random
per response, so one baked into a cached panel would be refused by every later page's
policy, exactly as a stale CSRF token would be.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import empty

PLACEHOLDER = "<!--layouts_cbv:csp-nonce-->"


def current_nonce(request: HttpRequest, *, generate: bool = False) -> str | None:
    """Return the request's CSP nonce; without ``generate``, only if something used it."""
    stored = getattr(request, "_csp_nonce", None)
    if type(stored) is str:  # django-csp, once generated (a LazyNonce passes isinstance)
        return stored
    if stored is not None:  # Django's LazyNonce
        used = getattr(stored, "_wrapped", empty) is not empty
        return str(stored) if used or generate else None
    lazy = getattr(request, "csp_nonce", None)  # django-csp, not generated yet
    return str(lazy) if lazy is not None and generate else None


def to_placeholders(html: str, request: HttpRequest) -> str:
    """Return ``html`` with the request's nonce replaced by the placeholder."""
    nonce = current_nonce(request)
    if not nonce or nonce not in html:
        return html
    return html.replace(nonce, PLACEHOLDER)


def from_placeholders(html: str, request: HttpRequest) -> str:
    """Return ``html`` with each placeholder replaced by this request's nonce."""
    if PLACEHOLDER not in html:
        return html
    return html.replace(PLACEHOLDER, current_nonce(request, generate=True) or "")
