"""Render a page's panels on cloned requests: cached ones from one lookup, sync ones in
turn, async ones concurrently."""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Mapping
from dataclasses import dataclass, field
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from . import conf
from .cache.invalidation import declare
from .cache.store import PageCache
from .clone import clone_for_panel
from .csrf import from_placeholders, to_placeholders
from .errors import condition_failed, panel_failed
from .panel import Panel
from .queues import get_collector
from .sources import needs_render, to_html

logger = logging.getLogger("layouts_cbv")


@dataclass
class PanelOutcome:
    """One panel's part of the page: its HTML and the queue items it added."""

    name: str
    html: SafeString
    queue_items: list[tuple[str, Any]] = field(default_factory=list)
    failed: bool = False
    cached: bool = False


@dataclass
class _Job:
    name: str
    panel: Panel
    clone: HttpRequest


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
        jobs = [job for job in self._jobs(panels) if self._condition_holds(job)]
        page_cache = self._lookup(jobs)
        outcomes = self._from_cache(jobs, page_cache)
        misses = [job for job in jobs if job.name not in outcomes]
        outcomes.update(self._render(misses))
        if page_cache is not None:
            self._store(page_cache, outcomes)
        return {job.name: outcomes[job.name] for job in jobs}

    def _jobs(self, panels: Mapping[str, Panel]) -> list[_Job]:
        return [
            _Job(name, panel, clone_for_panel(self.request, self.layout_context))
            for name, panel in panels.items()
            if panel is not None
        ]

    def _condition_holds(self, job: _Job) -> bool:
        if job.panel.condition is None:
            return True
        try:
            return bool(job.panel.condition(job.clone))
        except Exception as exc:
            condition_failed(job.name, exc)
            return False

    def _lookup(self, jobs: list[_Job]) -> PageCache | None:
        if not conf.get("CACHE_ENABLED"):
            return None
        page_cache = PageCache()
        for job in jobs:
            strategy = job.panel.cache
            if strategy is None:
                continue
            declare(job.name, job.panel)
            try:
                key = strategy.make_key(job.name, self.request)
            except Exception:
                logger.exception(
                    "The cache key of panel %r could not be made; it renders uncached", job.name
                )
                continue
            page_cache.add(job.name, strategy, key)
        if not page_cache.slots:
            return None
        page_cache.lookup()
        return page_cache

    def _from_cache(
        self, jobs: list[_Job], page_cache: PageCache | None
    ) -> dict[str, PanelOutcome]:
        if page_cache is None:
            return {}
        now = time.time()
        outcomes = {}
        for job in jobs:
            entry = page_cache.hit(job.name, now)
            if entry is not None:
                html = mark_safe(from_placeholders(entry.html, self.request))
                outcomes[job.name] = PanelOutcome(
                    job.name, html, list(entry.queue_items), cached=True
                )
        return outcomes

    def _store(self, page_cache: PageCache, outcomes: dict[str, PanelOutcome]) -> None:
        for name in page_cache.slots:
            outcome = outcomes.get(name)
            if outcome is not None and not outcome.failed and not outcome.cached:
                html = to_placeholders(outcome.html, self.request)
                page_cache.store(name, html, outcome.queue_items)
        page_cache.flush()

    def _render(self, jobs: list[_Job]) -> dict[str, PanelOutcome]:
        outcomes: dict[str, PanelOutcome] = {}
        pending: list[tuple[_Job, Awaitable[Any]]] = []
        for job in jobs:
            try:
                output = job.panel.source(job.clone, job.panel.context)
                if inspect.isawaitable(output):
                    pending.append((job, output))
                    continue
                if needs_render(output):
                    output.render()
                outcomes[job.name] = self._succeeded(job, output)
            except Exception as exc:
                outcomes[job.name] = self._failed(job.name, exc)
        if pending:
            results = async_to_sync(_gather)([awaitable for _, awaitable in pending])
            for (job, _), result in zip(pending, results, strict=True):
                outcomes[job.name] = (
                    self._failed(job.name, result)
                    if isinstance(result, Exception)
                    else self._succeeded(job, result)
                )
        return outcomes

    def _succeeded(self, job: _Job, output: Any) -> PanelOutcome:
        try:
            html = to_html(output)
        except Exception as exc:
            return self._failed(job.name, exc)
        _copy_csrf_state(job.clone, self.request)
        return PanelOutcome(job.name, html, list(get_collector(job.clone).record))

    def _failed(self, name: str, exc: BaseException) -> PanelOutcome:
        html = panel_failed(name, exc, self.error_template, self.request)
        return PanelOutcome(name, html, failed=True)


async def _gather(awaitables: list[Awaitable[Any]]) -> list[Any]:
    return await asyncio.gather(*(_finish(a) for a in awaitables), return_exceptions=True)


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
