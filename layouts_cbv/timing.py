"""The ``Server-Timing`` header: one entry per panel, with its time and how it was served.

On when ``LAYOUTS_CBV["SERVER_TIMING"]`` is true (by default, when ``DEBUG`` is): the
pipeline asks before it makes the account this header tells.
Browsers show it in their developer tools, next to the request. It tells the page's
account (:mod:`layouts_cbv.report`): every panel, whichever way the page was built.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponseBase

from .report import HOLE, Account

STATES = {"fresh": "hit", "waited": "hit", "stale": "stale", "early": "stale", "miss": "miss"}


def entry(name: str, desc: str, seconds: float = 0.0) -> str:
    return f'panel-{name};desc="{desc}";dur={seconds * 1000:.1f}'


def describe(account: Account) -> tuple[str, float]:
    """Return the header's word for how one panel was served, and its render time."""
    outcome = account.outcome
    if outcome is None:
        return account.role, 0.0
    if outcome.failed:
        return "error", outcome.cost
    if account.role == HOLE:
        return HOLE, 0.0 if outcome.from_cache else outcome.cost
    return STATES.get(outcome.state, outcome.state), 0.0 if outcome.from_cache else outcome.cost


def apply(response: HttpResponseBase, accounts: Iterable[Account], page: str | None = None) -> None:
    """Add one ``Server-Timing`` entry per panel (and the page's, when it may be cached)."""
    entries = [f'page;desc="{page}"'] if page else []
    for account in accounts:
        if account.outcome is not None and account.outcome.skipped:
            continue
        entries.append(entry(account.name, *describe(account)))
    if entries:
        existing = response.get("Server-Timing")
        response["Server-Timing"] = ", ".join([existing, *entries] if existing else entries)
