"""Render a page's panels on cloned requests: sync ones in turn, async ones concurrently."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.http import HttpRequest
from django.utils.safestring import SafeString

from .clone import clone_for_panel
from .errors import condition_failed, panel_failed
from .panel import Panel
from .queues import get_collector
from .sources import needs_render, to_html


@dataclass
class PanelOutcome:
    """One panel's part of the page: its HTML and the queue items it added."""

    name: str
    html: SafeString
    queue_items: list[tuple[str, Any]] = field(default_factory=list)
    failed: bool = False


@dataclass
class _Pending:
    name: str
    clone: HttpRequest
    awaitable: Awaitable[Any]


class PanelRenderer:
    """Render the panels of one page on clones of ``request``."""

    def __init__(
        self, request: HttpRequest, layout_context: Mapping[str, Any], error_template: str
    ):
        self.request = request
        self.layout_context = layout_context
        self.error_template = error_template

    def render_all(self, panels: Mapping[str, Panel]) -> dict[str, PanelOutcome]:
        """Return the outcome of every panel whose condition holds, in declaration order."""
        outcomes: dict[str, PanelOutcome | None] = {}
        pending: list[_Pending] = []
        for name, panel in panels.items():
            clone = clone_for_panel(self.request, self.layout_context)
            if not self._condition_holds(name, panel, clone):
                continue
            outcomes[name] = None
            try:
                output = panel.source(clone, panel.context)
                if inspect.isawaitable(output):
                    pending.append(_Pending(name, clone, output))
                    continue
                if needs_render(output):
                    output.render()
                outcomes[name] = self._succeeded(name, clone, output)
            except Exception as exc:
                outcomes[name] = self._failed(name, exc)
        if pending:
            for item, result in zip(pending, async_to_sync(_gather)(pending), strict=True):
                outcomes[item.name] = (
                    self._failed(item.name, result)
                    if isinstance(result, Exception)
                    else self._succeeded(item.name, item.clone, result)
                )
        return {name: outcome for name, outcome in outcomes.items() if outcome is not None}

    def _condition_holds(self, name: str, panel: Panel, clone: HttpRequest) -> bool:
        if panel.condition is None:
            return True
        try:
            return bool(panel.condition(clone))
        except Exception as exc:
            condition_failed(name, exc)
            return False

    def _succeeded(self, name: str, clone: HttpRequest, output: Any) -> PanelOutcome:
        try:
            html = to_html(output)
        except Exception as exc:
            return self._failed(name, exc)
        _copy_csrf_state(clone, self.request)
        return PanelOutcome(name, html, list(get_collector(clone).record))

    def _failed(self, name: str, exc: BaseException) -> PanelOutcome:
        html = panel_failed(name, exc, self.error_template, self.request)
        return PanelOutcome(name, html, failed=True)


async def _gather(pending: list[_Pending]) -> list[Any]:
    return await asyncio.gather(
        *(_finish(item.awaitable) for item in pending), return_exceptions=True
    )


async def _finish(awaitable: Awaitable[Any]) -> Any:
    output = await awaitable
    if needs_render(output):
        # Template rendering may touch the ORM, which is sync-only.
        await sync_to_async(output.render)()
    return output


def _copy_csrf_state(clone: HttpRequest, request: HttpRequest) -> None:
    # A panel that used {% csrf_token %} must get the page its CSRF cookie, as Django would.
    for key in ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE"):
        if key in clone.META:
            request.META[key] = clone.META[key]
