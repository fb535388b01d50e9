"""Render a page's panels on cloned requests.

Cached panels come from one lookup. A missing entry is rendered by one request in the
whole cluster (the one that takes its lock) while the others wait briefly for it; a
stale one is served while a background thread refreshes it. Sync panels render in
turn, async ones concurrently.
"""

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
from .cache import refresh
from .cache.entry import Entry
from .cache.invalidation import declare
from .cache.store import EARLY, MISS, STALE, PageCache, Slot, release, write_one
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
    state: str = "miss"  # fresh, early, stale, waited or miss
    cost: float = 0.0

    @property
    def from_cache(self) -> bool:
        return self.state != MISS


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
        if page_cache is None:
            outcomes = self._render(jobs)
        else:
            outcomes = self._render_cached(jobs, page_cache)
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

    def _render_cached(self, jobs: list[_Job], page_cache: PageCache) -> dict[str, PanelOutcome]:
        now = time.time()
        outcomes: dict[str, PanelOutcome] = {}
        to_refresh: list[_Job] = []
        for job in jobs:
            state, entry = page_cache.state(job.name, now)
            if entry is not None:
                outcomes[job.name] = self._from_entry(job.name, entry, state)
                if state in (EARLY, STALE):
                    to_refresh.append(job)
        missing = [job for job in jobs if job.name not in outcomes]
        held = page_cache.claim(
            [job.name for job in missing + to_refresh if job.name in page_cache.slots]
        )
        mine = [job for job in missing if held.get(job.name, True)]
        outcomes.update(self._render(mine))
        self._store(page_cache, mine, outcomes)
        others = [job for job in missing if not held.get(job.name, True)]
        if others:
            outcomes.update(self._wait_or_render(others, page_cache))
        for job in to_refresh:
            if held[job.name]:
                self._refresh_later(job, page_cache.hand_over(job.name))
        page_cache.flush()
        return outcomes

    def _wait_or_render(self, jobs: list[_Job], page_cache: PageCache) -> dict[str, PanelOutcome]:
        """Wait for entries another request is rendering; render those that do not come."""
        found = page_cache.wait_for([job.name for job in jobs])
        outcomes = {name: self._from_entry(name, entry, "waited") for name, entry in found.items()}
        late = [job for job in jobs if job.name not in found]
        outcomes.update(self._render(late))
        self._store(page_cache, late, outcomes)
        return outcomes

    def _from_entry(self, name: str, entry: Entry, state: str) -> PanelOutcome:
        html = mark_safe(from_placeholders(entry.html, self.request))
        return PanelOutcome(name, html, list(entry.queue_items), state=state, cost=entry.cost)

    def _store(self, page_cache: PageCache, jobs: list[_Job], outcomes: dict[str, PanelOutcome]):
        for job in jobs:
            outcome = outcomes[job.name]
            if job.name in page_cache.slots and not outcome.failed:
                html = to_placeholders(outcome.html, self.request)
                page_cache.store(job.name, html, outcome.queue_items, outcome.cost)

    def _refresh_later(self, job: _Job, slot: Slot) -> None:
        # A clone of its own: the page's clone may still be read while the thread runs.
        clone = clone_for_panel(self.request, self.layout_context)
        refresh_func = job.panel.cache.refresh_func if job.panel.cache else None

        def work() -> None:
            started = time.perf_counter()
            if refresh_func is not None:
                output = refresh_func(clone)
            else:
                output = job.panel.source(clone, job.panel.context)
            if inspect.isawaitable(output):
                output = async_to_sync(_finish)(output)
            elif needs_render(output):
                output.render()
            html = to_placeholders(to_html(output), clone)
            cost = time.perf_counter() - started
            write_one(slot, html, get_collector(clone).record, cost)

        def work_or_release() -> None:
            try:
                work()
            except BaseException:
                release(slot.alias, [slot])
                raise

        refresh.spawn(job.name, work_or_release)

    def _render(self, jobs: list[_Job]) -> dict[str, PanelOutcome]:
        outcomes: dict[str, PanelOutcome] = {}
        pending: list[tuple[_Job, Awaitable[Any], float]] = []
        for job in jobs:
            started = time.perf_counter()
            try:
                output = job.panel.source(job.clone, job.panel.context)
                if inspect.isawaitable(output):
                    pending.append((job, output, started))
                    continue
                if needs_render(output):
                    output.render()
                outcomes[job.name] = self._succeeded(job, output, time.perf_counter() - started)
            except Exception as exc:
                outcomes[job.name] = self._failed(job.name, exc)
        if pending:
            results = async_to_sync(_gather)([awaitable for _, awaitable, _ in pending])
            finished = time.perf_counter()
            for (job, _, started), result in zip(pending, results, strict=True):
                outcomes[job.name] = (
                    self._failed(job.name, result)
                    if isinstance(result, Exception)
                    else self._succeeded(job, result, finished - started)
                )
        return outcomes

    def _succeeded(self, job: _Job, output: Any, cost: float) -> PanelOutcome:
        try:
            html = to_html(output)
        except Exception as exc:
            return self._failed(job.name, exc)
        _copy_csrf_state(job.clone, self.request)
        return PanelOutcome(job.name, html, list(get_collector(job.clone).record), cost=cost)

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
