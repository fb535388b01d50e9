"""The ``Server-Timing`` header: one entry per panel, with its time and how it was served.

On when ``LAYOUTS_CBV["SERVER_TIMING"]`` is true (by default, when ``DEBUG`` is).
Browsers show it in their developer tools, next to the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.http import HttpResponseBase

from . import conf

if TYPE_CHECKING:
    from .rendering import PanelOutcome

STATES = {"fresh": "hit", "waited": "hit", "stale": "stale", "early": "stale", "miss": "miss"}


def entry(name: str, desc: str, seconds: float = 0.0) -> str:
    return f'panel-{name};desc="{desc}";dur={seconds * 1000:.1f}'


def apply(
    response: HttpResponseBase,
    outcomes: Iterable[PanelOutcome] = (),
    *,
    holes: Iterable[str] = (),
    deferred: Iterable[str] = (),
    page: str | None = None,
) -> None:
    """Add one ``Server-Timing`` entry per panel (and the page's, when it was cached)."""
    if not conf.get("SERVER_TIMING"):
        return
    holes = set(holes)
    entries = [f'page;desc="{page}"'] if page else []
    for outcome in outcomes:
        if outcome.skipped:
            continue
        desc = "hole" if outcome.name in holes else STATES.get(outcome.state, outcome.state)
        if outcome.failed:
            desc = "error"
        entries.append(entry(outcome.name, desc, 0.0 if outcome.from_cache else outcome.cost))
    entries += [entry(name, "deferred") for name in deferred]
    if entries:
        existing = response.get("Server-Timing")
        response["Server-Timing"] = ", ".join([existing, *entries] if existing else entries)
