"""What each panel of a request did, kept on the request for tools to show.

The django-debug-toolbar panel (:mod:`layouts_cbv.contrib.debug_toolbar`) reads it;
anything else may too, through :func:`records`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest

from .leaks import allowed_reads, suggest

if TYPE_CHECKING:
    from .panel import Panel
    from .rendering import PanelOutcome

ATTR = "_layouts_cbv_report"


def records(request: HttpRequest) -> list[dict[str, Any]]:
    """Return one dict per panel rendered or served for ``request``, in order."""
    return [_describe(*noted) for noted in vars(request).get(ATTR, [])]


def add(request: HttpRequest, outcome: PanelOutcome, panel: Panel, key: str = "") -> None:
    """Record what ``outcome`` says about one panel."""
    # Kept as it is: most requests are never reported on, so describing waits for records().
    vars(request).setdefault(ATTR, []).append((outcome.name, panel, outcome, key, ""))


def add_others(request: HttpRequest, panels: Mapping[str, Panel], state: str) -> None:
    """Record panels that were not rendered here (baked into a cached page, deferred)."""
    noted = vars(request).setdefault(ATTR, [])
    noted += [(name, panel, None, "", state) for name, panel in panels.items()]


def _describe(
    name: str, panel: Panel, outcome: PanelOutcome | None, key: str, state: str
) -> dict[str, Any]:
    described = {
        "name": name,
        "source": panel.source.describe(),
        "strategy": strategy_of(panel),
        "key": key,
        "state": state,
        "ms": 0.0,
        "queue": [],
        "warning": "",
    }
    if outcome is not None:
        described.update(
            state="error" if outcome.failed else outcome.state,
            ms=round(0.0 if outcome.from_cache else outcome.cost * 1000, 2),
            queue=[f"{queue}: {item}" for queue, item in outcome.queue_items],
            warning=warning(panel, outcome),
        )
    return described


def strategy_of(panel: Panel) -> str:
    cache = panel.cache
    if cache is None:
        return "uncached"
    return f"{type(cache).__name__}(timeout={cache.timeout!r})"


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
