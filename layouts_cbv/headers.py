"""The page's headers: what its panels vary on and what their responses said.

A page varies on ``Cookie`` when any part of it depends on who is asking: a panel
cached per user or per session, or any panel (cached or not, its ``condition``
included) that read the user or the session. Panels' own ``Vary`` headers are
merged; a panel marked ``private`` or ``no-store`` makes the page so. Cookies set
by a panel are applied only when it was rendered for this request, never when it
was replayed from the cache.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.http import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers

if TYPE_CHECKING:
    from .rendering import PanelOutcome

PERSONAL = frozenset({"user", "session"})


def apply(response: HttpResponseBase, outcomes: Iterable[PanelOutcome]) -> None:
    """Patch ``response`` with what its panels vary on and asked for."""
    vary: list[str] = []
    private = no_store = False
    for outcome in outcomes:
        if outcome.varies_on & PERSONAL:
            vary.append("Cookie")
        vary.extend(outcome.headers.vary)
        directives = outcome.headers.cache_control.lower()
        private = private or "private" in directives
        no_store = no_store or "no-store" in directives
        if outcome.headers.cookies and not outcome.from_cache:
            response.cookies.update(outcome.headers.cookies)
    if vary:
        patch_vary_headers(response, vary)
    if no_store:
        patch_cache_control(response, no_store=True)
    if private:
        patch_cache_control(response, private=True)
