"""Render a page's panels on cloned requests.

Cached panels come from the page's one lookup (:class:`~layouts_cbv.cache.store.PageCache`,
made by the pipeline before anything renders). A missing entry is rendered by one request in the
whole cluster (the one that takes its lock) while the others wait briefly for it; a
stale one is served while a background thread refreshes it. Sync panels render in
turn, async ones concurrently.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from . import signals
from .cache import flight, refresh
from .cache.entry import Entry
from .cache.store import (
    EARLY,
    MISS,
    STALE,
    UNCACHED,
    PageCache,
    Slot,
    write_one,
    written_at,
)
from .cache.variation import variation_of
from .clone import clone_for_panel, copy_csrf_state
from .errors import condition_failed, panel_failed
from .leaks import UnsafeVary, may_store
from .panel import Panel
from .placeholders import for_serving, for_storage
from .queues import get_collector
from .sources import PanelHeaders, headers_of, needs_render, to_html
from .tracking import Reads

logger = logging.getLogger("layouts_cbv")

PUBLISH_EVERY = 0.05
"""Seconds of rendering after which the panels rendered so far are published."""


NO_HEADERS = PanelHeaders()


@dataclass(slots=True)
class PanelOutcome:
    """One panel's part of the page: its HTML and the queue items it added."""

    name: str
    html: SafeString
    queue_items: Sequence[tuple[str, Any]] = ()
    failed: bool = False
    skipped: bool = False  # its condition was false: not on the page
    state: str = MISS  # see the vocabulary in layouts_cbv.report
    cost: float = 0.0
    headers: PanelHeaders = NO_HEADERS
    reads: frozenset[str] = frozenset()  # what the render read (see layouts_cbv.tracking)
    stored: bool = False  # rendered here and written to the cache
    generation: str | None = None  # of its cache entry, when it has one
    raw: Any = None  # its cache entry as stored, when it has one
    fresh_until: float | None = None  # of its cache entry, when it has one
    key: str = ""  # of its cache entry, when it is cached
    depends_on: frozenset[str] = frozenset()  # what this copy of it may depend on

    @property
    def from_cache(self) -> bool:
        return self.state not in (MISS, UNCACHED)

    @property
    def written_at(self) -> float:
        """When its cache entry was written, which a page baking it in records."""
        return written_at(self.raw)


@dataclass(slots=True)
class _Job:
    name: str
    panel: Panel
    request: HttpRequest
    layout_context: Mapping[str, Any]
    condition_reads: frozenset[str] = frozenset()
    _clone: HttpRequest | None = None
    _reads: Reads | None = None

    @property
    def clone(self) -> HttpRequest:
        self._prepare()
        return self._clone  # type: ignore[return-value]

    @property
    def reads(self) -> Reads:
        self._prepare()
        return self._reads  # type: ignore[return-value]

    def _prepare(self) -> None:
        # Made on first use: a panel served from the cache never needs a clone.
        if self._clone is None:
            self._clone, self._reads = clone_for_panel(self.request, self.layout_context)

    def depends_on(self, outcome: PanelOutcome) -> frozenset[str]:
        declared = variation_of(self.panel.cache).depends_on
        if not self.condition_reads and not outcome.reads:
            return declared  # a hit, or a render that read nothing: the usual case
        return declared | self.condition_reads | outcome.reads


class PanelRenderer:
    """Render the panels of one page on clones of ``request``."""

    def __init__(
        self, request: HttpRequest, layout_context: Mapping[str, Any], error_template: str
    ):
        self.request = request
        self.layout_context = layout_context
        self.error_template = error_template

    def render_all(
        self,
        panels: Mapping[str, Panel],
        page_cache: PageCache | None,
        on_outcome: Callable[[PanelOutcome], None] | None = None,
    ) -> dict[str, PanelOutcome]:
        """Return the outcome of every panel, in declaration order (``skipped`` when its
        condition is false).

        ``page_cache`` is the lookup the pipeline made for the page (None: caching off).
        ``on_outcome`` is called with each panel's outcome as soon as it is known (a
        streamed page sends each then).
        """
        all_jobs = self._jobs(panels)
        shown = [self._condition_holds(job) for job in all_jobs]
        jobs = [job for job, show in zip(all_jobs, shown, strict=True) if show]
        skipped = [job for job, show in zip(all_jobs, shown, strict=True) if not show]
        told: set[str] = set()

        def tell(outcome: PanelOutcome) -> None:
            if on_outcome is not None:
                told.add(outcome.name)
                on_outcome(outcome)

        if page_cache is None:
            outcomes = self._render(jobs, lambda job, outcome: tell(outcome))
        else:
            outcomes = self._render_cached(jobs, page_cache, tell)
        # A skipped panel still tells what its condition read: the page varies on it.
        outcomes.update(
            (job.name, PanelOutcome(job.name, mark_safe(""), skipped=True)) for job in skipped
        )
        for job in all_jobs:
            outcome = outcomes[job.name]
            outcome.depends_on = job.depends_on(outcome)
            slot = page_cache.slots.get(job.name) if page_cache is not None else None
            if slot is not None:
                outcome.key, outcome.generation = slot.key, slot.generation
                outcome.raw, outcome.fresh_until = slot.raw, slot.fresh_until
            elif outcome.state == MISS:
                outcome.state = UNCACHED  # rendered, with no cache to miss
            if on_outcome is not None and job.name not in told:
                tell(outcome)  # served from the cache, waited for, or not shown
        return {job.name: outcomes[job.name] for job in all_jobs}

    def _jobs(self, panels: Mapping[str, Panel]) -> list[_Job]:
        return [
            _Job(name, panel, self.request, self.layout_context)
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
        finally:
            # What the condition read decides whether the panel shows, which the page
            # varies on; it does not make the panel's own output personal.
            job.condition_reads = frozenset(job.reads.found)
            job.reads.found.clear()

    def _render_cached(
        self, jobs: list[_Job], page_cache: PageCache, tell: Callable[[PanelOutcome], None]
    ) -> dict[str, PanelOutcome]:
        now = time.time()
        outcomes: dict[str, PanelOutcome] = {}
        to_refresh: list[_Job] = []
        for job in jobs:
            state, entry = page_cache.state(job.name, now)
            if entry is not None:
                outcomes[job.name] = self._from_entry(job, entry, state, page_cache)
                if state in (EARLY, STALE):
                    to_refresh.append(job)
        missing = [job for job in jobs if job.name not in outcomes]
        if not missing and not to_refresh:
            return outcomes  # every panel served from its entry: nothing to lock or write
        for job in missing:
            if job.name in page_cache.slots:
                key = page_cache.slots[job.name].key
                signals.panel_cache_miss.send(
                    Panel, name=job.name, panel=job.panel, request=self.request, key=key
                )
        claims = page_cache.claim(
            [job.name for job in missing + to_refresh if job.name in page_cache.slots]
        )
        held = {job.name: job for job in missing if claims.get(job.name) == flight.HELD}
        if held:
            arrived = flight.recheck(page_cache, list(held))
            outcomes.update(
                (name, self._from_entry(held[name], entry, "waited", page_cache))
                for name, entry in arrived.items()
            )
        # Render what this request holds, publishing each panel as it is done, and only
        # then wait for what others hold: they may be waiting for these.
        mine = [
            job
            for job in missing
            if claims.get(job.name) != flight.TAKEN and job.name not in outcomes
        ]
        outcomes.update(self._render_and_publish(mine, page_cache, tell))
        others = {job.name: job for job in missing if claims.get(job.name) == flight.TAKEN}
        if others:

            def render_myself(names: list[str]) -> None:
                taken = [others[name] for name in names]
                outcomes.update(self._render_and_publish(taken, page_cache, tell))

            found = flight.wait(page_cache, list(others), render_myself)
            outcomes.update(
                (name, self._from_entry(others[name], entry, "waited", page_cache))
                for name, entry in found.items()
            )
        refreshing = [job.name for job in to_refresh if claims[job.name] == flight.HELD]
        done = flight.refreshed(page_cache, refreshing) if refreshing else set()
        for job in to_refresh:
            if job.name in refreshing and job.name not in done:
                self._refresh_later(job, page_cache.hand_over(job.name))
        return outcomes

    def _render_and_publish(
        self, jobs: list[_Job], page_cache: PageCache, tell: Callable[[PanelOutcome], None]
    ) -> dict[str, PanelOutcome]:
        outcomes: dict[str, PanelOutcome] = {}
        unpublished: list[str] = []
        since = time.monotonic()

        def done(job: _Job, outcome: PanelOutcome) -> None:
            nonlocal since
            outcomes[job.name] = outcome
            self._store(page_cache, [job], outcomes)
            unpublished.append(job.name)
            # Fast panels go out together (one write per alias and timeout); once
            # rendering takes a while, each goes out when done, so waiters see progress.
            if time.monotonic() - since >= PUBLISH_EVERY:
                page_cache.publish(unpublished)
                unpublished.clear()
                since = time.monotonic()
            tell(outcomes[job.name])

        self._render(jobs, done)
        page_cache.publish(unpublished)
        return outcomes

    def _from_entry(
        self, job: _Job, entry: Entry, state: str, page_cache: PageCache
    ) -> PanelOutcome:
        if signals.panel_cache_hit.receivers:
            signals.panel_cache_hit.send(
                Panel,
                name=job.name,
                panel=job.panel,
                request=self.request,
                key=page_cache.slots[job.name].key,
                state=state,
            )
        headers = (
            PanelHeaders(entry.vary, entry.cache_control)
            if entry.vary or entry.cache_control
            else NO_HEADERS
        )
        return PanelOutcome(
            job.name,
            # The entry's HTML is a plain str: SafeString() marks it without mark_safe's
            # look for lazy arguments, once per panel of every page.
            SafeString(for_serving(entry.html, self.request)),
            entry.queue_items,
            state=state,
            cost=entry.cost,
            headers=headers,
        )

    def _store(self, page_cache: PageCache, jobs: list[_Job], outcomes: dict[str, PanelOutcome]):
        for job in jobs:
            outcome = outcomes[job.name]
            if job.name not in page_cache.slots or outcome.failed:
                continue
            try:
                if not storable(job.name, job.panel, outcome.reads, outcome.headers):
                    continue
            except UnsafeVary as exc:
                outcomes[job.name] = self._failed(job, exc)
                continue
            html = for_storage(outcome.html, self.request)
            page_cache.store(job.name, html, outcome.queue_items, outcome.cost, outcome.headers)
            outcome.stored = True

    def _refresh_later(self, job: _Job, slot: Slot) -> None:
        # A clone of its own: the page's clone may still be read while the thread runs.
        refresh_func = job.panel.cache.refresh_func if job.panel.cache else None
        clone, reads = clone_for_panel(self.request, self.layout_context)

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
            html = for_storage(to_html(output), clone)
            cost = time.perf_counter() - started
            headers = headers_of(output)
            if storable(job.name, job.panel, frozenset(reads.found), headers):
                write_one(slot, html, get_collector(clone).record, cost, headers)
            else:
                flight.drop(slot.alias, [slot])

        def work_or_release() -> None:
            # Nobody waits for a refresh (the stale entry is served): a failed one just
            # lets the next request try again.
            try:
                work()
            except BaseException:
                flight.drop(slot.alias, [slot])
                raise

        refresh.spawn(job.name, work_or_release)

    def _render(
        self, jobs: list[_Job], done: Callable[[_Job, PanelOutcome], None] | None = None
    ) -> dict[str, PanelOutcome]:
        """Render ``jobs``: sync ones in turn, async ones together; call ``done`` for each
        as soon as it is rendered."""
        outcomes: dict[str, PanelOutcome] = {}
        done = done or (lambda job, outcome: None)
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
                outcomes[job.name] = self._failed(job, exc)
            done(job, outcomes[job.name])
        if pending:

            def finished(job: _Job, started: float, result: Any) -> None:
                outcomes[job.name] = (
                    self._failed(job, result)
                    if isinstance(result, Exception)
                    else self._succeeded(job, result, time.perf_counter() - started)
                )
                done(job, outcomes[job.name])

            # Each is done as soon as it finishes, back in this thread.
            async_to_sync(_gather)(pending, sync_to_async(finished))
        return outcomes

    def _succeeded(self, job: _Job, output: Any, cost: float) -> PanelOutcome:
        try:
            html = to_html(output)
        except Exception as exc:
            return self._failed(job, exc)
        copy_csrf_state(job.clone, self.request)
        signals.panel_rendered.send(
            Panel, name=job.name, panel=job.panel, request=job.clone, duration=cost, html=html
        )
        return PanelOutcome(
            job.name,
            html,
            list(get_collector(job.clone).record),
            cost=cost,
            headers=headers_of(output),
            reads=frozenset(job.reads.found),
        )

    def _failed(self, job: _Job, exc: BaseException) -> PanelOutcome:
        signals.panel_error.send(
            Panel, name=job.name, panel=job.panel, request=self.request, exception=exc
        )
        html = panel_failed(job.name, exc, self.error_template, self.request)
        return PanelOutcome(job.name, html, failed=True)


async def _gather(
    pending: list[tuple[_Job, Awaitable[Any], float]],
    finished: Callable[[_Job, float, Any], Awaitable[None]],
) -> None:
    async def one(job: _Job, awaitable: Awaitable[Any], started: float) -> None:
        try:
            result = await _finish(awaitable)
        except Exception as exc:
            result = exc
        await finished(job, started, result)

    await asyncio.gather(*(one(*each) for each in pending))


async def _finish(awaitable: Awaitable[Any]) -> Any:
    output = await awaitable
    if needs_render(output):
        # Template rendering may touch the ORM, which is sync-only.
        await sync_to_async(output.render)()
    return output


def storable(name: str, panel: Panel, reads: frozenset[str], headers: PanelHeaders) -> bool:
    """Return whether a freshly rendered panel may go into the cache."""
    if "no-store" in headers.cache_control.lower():
        return False
    return may_store(f"Panel {name!r}", panel.cache, reads)  # type: ignore[arg-type]
