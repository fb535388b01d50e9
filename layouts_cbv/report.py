"""One account of a page's panels, kept on the request for tools to show.

The pipeline records every panel of the page once, whichever way the page was built
(rendered, served from the page cache, a deferred panel's own request). The
``Server-Timing`` header (:mod:`layouts_cbv.timing`), the django-debug-toolbar panel
(:mod:`layouts_cbv.contrib.debug_toolbar`) and the signals (:mod:`layouts_cbv.signals`)
tell that same account, in one vocabulary of states; anything else may read it through
:func:`records`.

============  ==============================================================
state         the panel was
============  ==============================================================
``hit``       served from its cache entry
``waited``    served from the entry another request rendered while this one waited
``stale``     served from an expired entry while a background refresh runs
``early``     served from its entry while an early refresh runs
``miss``      cached, but missing: rendered here (and stored, if it could be)
``uncached``  not cached at all: rendered here
``baked``     served inside a page from the page cache, without being read
``deferred``  left as a placeholder, fetched by the browser
``streamed``  not ready when the page started, sent later in the same response
              (the report then tells how it was served once it is)
``error``     failed: the layout's error template in its place
============  ==============================================================

A panel whose ``condition=`` is false is not on the page and not in the account.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from .leaks import suggest, unsafe_reads
from .tracking import describe

if TYPE_CHECKING:
    from .panel import Panel
    from .rendering import PanelOutcome

ATTR = "_layouts_cbv_report"
HOLE, BAKED, DEFERRED, STREAMED = "hole", "baked", "deferred", "streamed"
SERVED = frozenset({"hit", "waited", "stale", "early", BAKED})
"""The states of a panel served from the cache."""


@dataclass
class Account:
    """One panel of the page: its outcome when it was rendered or served here, and its role."""

    name: str
    panel: Panel
    outcome: PanelOutcome | None = None
    role: str = ""  # "hole" or "baked" on a page-cache hit, "deferred"; "" otherwise
    key: str = ""  # of its cache entry, when it is cached

    @property
    def state(self) -> str:
        """How the panel was served, in the vocabulary above."""
        if self.outcome is None:
            return self.role
        return "error" if self.outcome.failed else self.outcome.state


def record(request: HttpRequest, accounts: Callable[[], Iterable[Account]]) -> None:
    """Keep the account of ``request``'s panels, made (and described) only when read."""
    vars(request).setdefault(ATTR, []).append(accounts)


def records(request: HttpRequest) -> list[dict[str, Any]]:
    """Return one dict per panel rendered or served for ``request``, in order."""
    return [_describe(account) for made in vars(request).get(ATTR, []) for account in made()]


def _describe(account: Account) -> dict[str, Any]:
    outcome = account.outcome
    return {
        "name": account.name,
        "source": account.panel.source.describe(),
        "strategy": strategy_of(account.panel),
        "key": account.key,
        "state": account.state,
        "hole": account.role == HOLE,
        "ms": round(outcome.cost * 1000, 2) if outcome and not outcome.from_cache else 0.0,
        "age": _age(outcome),
        "queue": [f"{queue}: {item}" for queue, item in outcome.queue_items] if outcome else [],
        "warning": warning(account.panel, outcome) if outcome is not None else "",
    }


def _age(outcome: PanelOutcome | None) -> float | None:
    """Return how old the copy served from the cache is, in seconds (None: not from it)."""
    if outcome is None or not outcome.from_cache or not outcome.written_at:
        return None
    return round(max(0.0, time.time() - outcome.written_at), 1)


def strategy_of(panel: Panel) -> str:
    cache = panel.cache
    if cache is None:
        return "uncached"
    return f"{type(cache).__name__}(timeout={cache.timeout!r})"


def warning(panel: Panel, outcome: PanelOutcome) -> str:
    if panel.cache is None or outcome.from_cache:
        return ""
    unsafe = unsafe_reads(panel.cache, outcome.reads)
    if not unsafe:
        return ""
    read = " and ".join(describe(what) for what in unsafe)
    return f"read {read}: not stored; {suggest(panel.cache, unsafe)}"
