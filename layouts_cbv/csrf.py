"""CSRF tokens in cached panels: stored as a placeholder, served as the visitor's own token.

A token baked into a cached panel belongs to the first visitor's CSRF cookie and would
be refused for everybody else. Before a panel is stored, every masked token in it that
unmasks to the request's secret is replaced by :data:`PLACEHOLDER`; each serve puts a
fresh ``get_token(request)`` there, which also makes Django set the visitor's CSRF cookie.
"""

from __future__ import annotations

import re

from django.http import HttpRequest
from django.middleware.csrf import CSRF_TOKEN_LENGTH, _unmask_cipher_token, get_token

# Contains "<" and "!", which autoescaped content can never produce.
PLACEHOLDER = "<!--layouts_cbv:csrf-token-->"
_CANDIDATE = re.compile(rf"(?<![A-Za-z0-9])[A-Za-z0-9]{{{CSRF_TOKEN_LENGTH}}}(?![A-Za-z0-9])")


def to_placeholders(html: str, request: HttpRequest) -> str:
    """Return ``html`` with the request's CSRF tokens replaced by the placeholder."""
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(html) < CSRF_TOKEN_LENGTH:
        return html

    def swap(match: re.Match[str]) -> str:
        token = match.group(0)
        return PLACEHOLDER if _unmask_cipher_token(token) == secret else token

    return _CANDIDATE.sub(swap, html)


def from_placeholders(html: str, request: HttpRequest) -> str:
    """Return ``html`` with each placeholder replaced by a token for this request."""
    if PLACEHOLDER not in html:
        return html
    return html.replace(PLACEHOLDER, get_token(request))
