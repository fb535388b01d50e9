"""What each panel of a request did, kept on the request for tools to show.

The django-debug-toolbar panel (:mod:`layouts_cbv.contrib.debug_toolbar`) reads it;
anything else may too, through :func:`records`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from .leaks import allowed_reads, suggest

if TYPE_CHECKING:
    from .panel import Panel
    from .rendering import PanelOutcome

ATTR = "_layouts_cbv_report"


def records(request: HttpRequest) -> list[dict[str, Any]]:
    """Return one dict per panel rendered or served for ``request``, in order."""
    return vars(request).setdefault(ATTR, [])


def strategy_of(panel: Panel) -> str:
    cache = panel.cache
    if cache is None:
        return "uncached"
    return f"{type(cache).__name__}(timeout={cache.timeout!r})"


def add(request: HttpRequest, outcome: PanelOutcome, panel: Panel, key: str = "") -> None:
    """Record what ``outcome`` says about one panel."""
    records(request).append(
        {
            "name": outcome.name,
            "source": panel.source.describe(),
            "strategy": strategy_of(panel),
            "key": key,
            "state": "error" if outcome.failed else outcome.state,
            "ms": round(0.0 if outcome.from_cache else outcome.cost * 1000, 2),
            "queue": [f"{queue}: {item}" for queue, item in outcome.queue_items],
            "warning": warning(panel, outcome),
        }
    )


def add_other(request: HttpRequest, name: str, panel: Panel, state: str) -> None:
    """Record a panel that was not rendered here (baked into a cached page, deferred)."""
    records(request).append(
        {
            "name": name,
            "source": panel.source.describe(),
            "strategy": strategy_of(panel),
            "key": "",
            "state": state,
            "ms": 0.0,
            "queue": [],
            "warning": "",
        }
    )


def warning(panel: Panel, outcome: PanelOutcome) -> str:
    if panel.cache is None or outcome.from_cache:
        return ""
    unsafe = sorted(set(outcome.reads) - allowed_reads(panel.cache))
    if not unsafe:
        return ""
    return (
        f"read request.{' and request.'.join(unsafe)}: not stored; "
        f"use {suggest(panel.cache, unsafe)}"
    )
