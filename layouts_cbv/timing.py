"""The ``Server-Timing`` header: one entry per panel, with its time and how it was served.

On when ``LAYOUTS_CBV["SERVER_TIMING"]`` is true (by default, when ``DEBUG`` is): the
pipeline asks before it makes the account this header tells.
Browsers show it in their developer tools, next to the request. It tells the page's
account (:mod:`layouts_cbv.report`): every panel, whichever way the page was built, in
the report's states (``hit``, ``miss``, ``uncached``, ``baked``, ...), and the page's own
(``hit`` or ``miss``) when it may come from the page cache.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.http import HttpResponseBase

from .report import Account


def entry(name: str, desc: str, seconds: float = 0.0) -> str:
    return f'panel-{name};desc="{desc}";dur={seconds * 1000:.1f}'


def describe(account: Account) -> tuple[str, float]:
    """Return how one panel was served (the report's state) and its render time."""
    outcome = account.outcome
    if outcome is None or outcome.from_cache:
        return account.state, 0.0
    return account.state, outcome.cost


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
