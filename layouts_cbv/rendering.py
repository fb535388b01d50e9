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
from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from . import csrf, signals
from .cache import flight, plans, refresh
from .cache.entry import (
    COST_US,
    FRESH_UNTIL,
    GENERATION,
    HEADERS,
    HTML,
    PLACEHOLDERS,
    QUEUE_ITEMS,
    Stored,
    is_entry,
    unpack_items,
)
from .cache.store import (
    HIT,
    MISS,
    UNCACHED,
    WAITED,
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
EMPTY = mark_safe("")
NOTHING: frozenset[str] = frozenset()  # one object: each frozenset() is a new one for the GC


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

    def depends_on(self, reads: frozenset[str]) -> frozenset[str]:
        """Return what this panel's part of the page depends on, its render having read
        ``reads``."""
        declared = variation_of(self.panel.cache).depends_on
        if not self.condition_reads and not reads:
            return declared  # a render that read nothing: the usual case
        return declared | self.condition_reads | reads


class Outcomes(Mapping[str, PanelOutcome]):
    """The outcome of every panel of a page, in declaration order.

    A panel served from its cache entry is kept as its state and HTML beside what the
    lookup found; its :class:`PanelOutcome` is made only when something asks for it.
    A warm page's assembly and headers read :meth:`html`, :meth:`queue_items` and
    :meth:`header_parts` instead, so serving a page of many cached panels builds no
    object per panel.
    """

    def __init__(self, page_cache: PageCache | None = None):
        self._page_cache = page_cache
        self._order: dict[str, None] = {}
        self._made: dict[str, PanelOutcome] = {}  # rendered here, waited for, or skipped
        self._served: dict[str, str] = {}  # name -> state (hit, early, stale)
        self._html: dict[str, str] = {}  # of the served panels, as their entries hold it
        self._items: dict[str, tuple[Any, ...]] = {}  # of the served panels that have some
        self._headed: list[str] = []  # the served panels whose entries keep headers
        self._depends_on: dict[frozenset[str], None] = {}  # of the served panels
        self._asked: dict[str, PanelOutcome] = {}  # served outcomes made when asked for
        # The entries they were served from: what the lookup found. A refresh's second
        # look may find another one since; the page keeps the one it shows.
        self._entries: dict[str, Stored] = {}

    def serve(
        self, states: dict[str, str], html: dict[str, str], entries: dict[str, Stored]
    ) -> None:
        """Note the panels served from the lookup's entries, each one's state, HTML and
        entry by name (in order; kept, not copied). Once, before anything is added."""
        assert self._page_cache is not None and not self._order
        plan = self._page_cache.plan
        self._order = dict.fromkeys(states)
        self._served, self._html, self._entries = states, html, entries
        self._depends_on = (
            plan.depends_on  # every cached panel served: the usual case
            if len(states) == len(plan.by_name)
            else dict.fromkeys(plan.by_name[name].depends_on for name in states)
        )
        self._items = {name: e[QUEUE_ITEMS] for name, e in entries.items() if e[QUEUE_ITEMS]}
        self._headed = [name for name, e in entries.items() if e[HEADERS]]

    def add(self, outcome: PanelOutcome) -> None:
        name = outcome.name
        self._order[name] = None
        self._made[name] = outcome
        if name in self._served:
            del self._served[name], self._html[name]
            self._items.pop(name, None)

    def update(self, other: Mapping[str, PanelOutcome]) -> None:  # type: ignore[override]
        for outcome in other.values():
            self.add(outcome)

    def ordered(self, names: Iterable[str]) -> None:
        """Put the panels in the order of ``names``."""
        self._order = {name: None for name in names if name in self._order}

    def __getitem__(self, name: str) -> PanelOutcome:
        outcome = self._made.get(name) or self._asked.get(name)
        if outcome is not None:
            return outcome
        state = self._served.get(name)
        if state is None:
            raise KeyError(name)
        assert self._page_cache is not None
        outcome = self._asked[name] = served_outcome(
            name, state, self._html[name], self._entries[name], self._page_cache
        )
        return outcome

    def __contains__(self, name: object) -> bool:
        return name in self._order

    def __iter__(self) -> Iterator[str]:
        return iter(self._order)

    def __len__(self) -> int:
        return len(self._order)

    def html(self) -> dict[str, str]:
        """Return the HTML of every panel on the page (not of those whose condition was
        false), by name, in order: read it, do not change it.

        Safe HTML all of it, though a served panel's is a plain ``str`` (as its entry
        holds it, not copied to be marked): :class:`~layouts_cbv.assembly.Panels`
        marks what a template reads.
        """
        if not self._made:
            return self._html
        served, made = self._html, self._made
        return {
            name: served[name] if name in served else made[name].html
            for name in self._order
            if name in served or not made[name].skipped
        }

    def queue_items(self) -> Iterator[tuple[str, Sequence[tuple[str, Any]]]]:
        """Yield each panel's name and render-queue items, in order, for those on the
        page that added some."""
        items, made = self._items, self._made
        if not items and not made:
            return
        for name in self._order:
            if name in items:
                yield name, unpack_items(items[name])  # type: ignore[arg-type]
            elif name in made:
                outcome = made[name]
                if outcome.queue_items and not outcome.skipped:
                    yield name, outcome.queue_items

    def header_parts(self) -> Iterator[tuple[frozenset[str], PanelHeaders, bool]]:
        """Yield what the panels' parts of the response depend on, their headers, and
        whether they came from the cache (their cookies are not applied then); panels
        served alike once."""
        for depends_on in self._depends_on:
            yield depends_on, NO_HEADERS, True
        page_cache = self._page_cache
        for name in self._headed:
            if name in self._served:
                assert page_cache is not None
                headers = self._entries[name][HEADERS]
                yield page_cache.planned[name].depends_on, PanelHeaders(*headers), True
        for outcome in self._made.values():
            yield outcome.depends_on, outcome.headers, outcome.from_cache


def entry_html(entry: Stored, request: HttpRequest) -> str:
    """Return the HTML of ``entry`` with ``request``'s token and nonce put back, when it
    holds placeholders for them (the entry tells: the HTML is not searched)."""
    return for_serving(entry[HTML], request) if entry[PLACEHOLDERS] else entry[HTML]


def served_outcome(
    name: str, state: str, html: str, entry: Stored, page_cache: PageCache
) -> PanelOutcome:
    """Return the outcome of panel ``name``, served as ``html`` (the entry's HTML with
    this request's token and nonce) from ``entry``."""
    headers = entry[HEADERS]
    # Positional: matching keyword arguments to fifteen fields takes twice as long.
    return PanelOutcome(
        name,
        SafeString(html),
        unpack_items(entry[QUEUE_ITEMS]),
        False,  # failed
        False,  # skipped
        state,
        entry[COST_US] / 1e6,
        PanelHeaders(*headers) if headers else NO_HEADERS,
        NOTHING,  # reads: none, it was not rendered here
        False,  # stored
        entry[GENERATION],
        entry,  # raw
        entry[FRESH_UNTIL],
        page_cache.keys[name],
        page_cache.planned[name].depends_on,
    )


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
    ) -> Outcomes:
        """Return the outcome of every panel, in declaration order (``skipped`` when its
        condition is false).

        ``page_cache`` is the lookup the pipeline made for the page (None: caching off).
        ``on_outcome`` is called with each panel's outcome as soon as it is known (a
        streamed page sends each then).

        A panel served from its entry costs one pass of the loop below: its HTML is
        kept as the entry holds it, not even copied (:class:`Outcomes` makes its
        outcome only when asked); clones, locks and the machinery of
        :mod:`.cache.flight` are for the rest.
        """
        outcomes = Outcomes(page_cache)
        jobs: list[_Job] = []  # to render, or to refresh after serving
        to_refresh: list[_Job] = []
        others: list[PanelOutcome] = []  # not shown, or served with a condition's reads
        states: dict[str, str] = {}  # of the panels served from the lookup
        served: dict[str, str] = {}  # their HTML, safe though not marked (see Outcomes.html)
        entries: dict[str, Stored] = {}
        now = time.time()
        request = self.request
        hit_signal = signals.panel_cache_hit.receivers
        for name, panel in panels.items():
            if panel is None:
                continue
            job = None
            if panel.condition is not None:
                job = _Job(name, panel, request, self.layout_context)
                if not self._condition_holds(job):
                    outcome = PanelOutcome(name, EMPTY, skipped=True)
                    self._settle(job, outcome, page_cache)
                    # Not on the page: what its condition read varies the page, what its
                    # entries would depend on does not.
                    outcome.depends_on = job.condition_reads
                    others.append(outcome)
                    continue
            if page_cache is not None:
                state, entry = page_cache.state(name, now)
                if entry is not None:
                    if hit_signal:
                        self._hit_signal(name, panel, state, page_cache)
                    # Kept as the plain str the entry holds: marking it safe would copy
                    # it, and the page knows its panels' HTML is (see assembly.Panels). The
                    # entry tells whether it holds placeholders (see entry_html()).
                    html = entry[HTML]
                    if entry[PLACEHOLDERS]:
                        html = for_serving(html, request)
                    if job is None:
                        states[name], served[name], entries[name] = state, html, entry
                    else:  # its condition's reads are part of what it depends on
                        outcome = served_outcome(name, state, html, entry, page_cache)
                        outcome.depends_on = job.depends_on(NOTHING)
                        others.append(outcome)
                    if state == HIT:
                        continue
                    to_refresh.append(job or _Job(name, panel, request, self.layout_context))
                    continue
            jobs.append(job or _Job(name, panel, request, self.layout_context))
        if states:
            outcomes.serve(states, served, entries)
        for outcome in others:
            outcomes.add(outcome)
        rendered: dict[str, PanelOutcome] = {}
        if jobs or to_refresh:

            def done(job: _Job, outcome: PanelOutcome) -> None:
                self._settle(job, outcome, page_cache)
                rendered[job.name] = outcome
                if on_outcome is not None:
                    on_outcome(outcome)

            if page_cache is None:
                self._render(jobs, done)
            else:
                outcomes.update(self._render_cached(jobs, to_refresh, page_cache, done))
            outcomes.update(rendered)
        if others or jobs or to_refresh:
            outcomes.ordered(panels)
        if on_outcome is not None:
            for name in outcomes:
                if name not in rendered:
                    on_outcome(outcomes[name])  # served from the cache, waited for, or not shown
        return outcomes

    def _condition_holds(self, job: _Job) -> bool:
        assert job.panel.condition is not None
        try:
            holds = job.panel.condition(job.clone)
            if inspect.isawaitable(holds):  # an async def condition: never a truthy coroutine
                holds = async_to_sync(_finish)(holds)
            return bool(holds)
        except Exception as exc:
            condition_failed(job.name, exc)
            return False
        finally:
            # What the condition read decides whether the panel shows, which the page
            # varies on; it does not make the panel's own output personal.
            job.condition_reads = frozenset(job.reads.found)
            job.reads.found.clear()

    def _settle(self, job: _Job, outcome: PanelOutcome, page_cache: PageCache | None) -> None:
        """Give a rendered panel's outcome what the page and its report need of it."""
        outcome.depends_on = job.depends_on(outcome.reads)
        slot = page_cache.slots.get(job.name) if page_cache is not None else None
        if slot is None:
            outcome.state = UNCACHED  # rendered, with no cache to miss
            return
        outcome.key, outcome.generation = slot.key, slot.generation
        outcome.raw, outcome.fresh_until = slot.raw, slot.fresh_until

    def _render_cached(
        self,
        missing: list[_Job],
        to_refresh: list[_Job],
        page_cache: PageCache,
        done: Callable[[_Job, PanelOutcome], None],
    ) -> dict[str, PanelOutcome]:
        """Render the ``missing`` panels (one request in the cluster each, see
        :mod:`.cache.flight`) and start refreshing ``to_refresh``; return the outcomes of
        the panels that others rendered meanwhile."""
        for job in missing:
            if job.name in page_cache.slots and signals.panel_cache_miss.receivers:
                key = page_cache.slots[job.name].key
                signals.panel_cache_miss.send(
                    Panel, name=job.name, panel=job.panel, request=self.request, key=key
                )
        claims = page_cache.claim(
            [job.name for job in missing + to_refresh if job.name in page_cache.slots]
        )
        outcomes: dict[str, PanelOutcome] = {}

        def arrived(jobs: Mapping[str, _Job], entries: Mapping[str, Stored]) -> None:
            # Each entry is the one its slot now holds.
            for name in entries:
                outcomes[name] = self._waited_for(jobs[name], page_cache)

        held = {job.name: job for job in missing if claims.get(job.name) == flight.HELD}
        if held:
            arrived(held, flight.recheck(page_cache, list(held)))
        # Render what this request holds, publishing each panel as it is done, and only
        # then wait for what others hold: they may be waiting for these.
        mine = [
            job
            for job in missing
            if claims.get(job.name) != flight.TAKEN and job.name not in outcomes
        ]
        self._render_and_publish(mine, page_cache, done)
        others = {job.name: job for job in missing if claims.get(job.name) == flight.TAKEN}
        if others:

            def render_myself(names: list[str]) -> None:
                self._render_and_publish([others[name] for name in names], page_cache, done)

            arrived(others, flight.wait(page_cache, list(others), render_myself))
        refreshing = [job.name for job in to_refresh if claims[job.name] == flight.HELD]
        refreshed = flight.refreshed(page_cache, refreshing) if refreshing else set()
        for job in to_refresh:
            if job.name in refreshing and job.name not in refreshed:
                self._refresh_later(job, page_cache.hand_over(job.name))
        return outcomes

    def _render_and_publish(
        self, jobs: list[_Job], page_cache: PageCache, done: Callable[[_Job, PanelOutcome], None]
    ) -> None:
        unpublished: list[str] = []
        to_render = {job.name for job in jobs}
        since = time.monotonic()

        def rendered(job: _Job, outcome: PanelOutcome) -> None:
            nonlocal since
            outcome = self._store(page_cache, job, outcome)
            unpublished.append(job.name)
            to_render.discard(job.name)
            if len(_costs) >= plans.KEPT:
                _costs.clear()  # panels named per request would otherwise fill memory
            _costs[job.name] = outcome.cost
            # Panels go out together (one write per alias and timeout) only while what
            # is left to render is known to be fast: a panel done must not stay locked
            # through a slow render, or those waiting for it would render it too.
            if time.monotonic() - since >= PUBLISH_EVERY or not all(
                known_fast(page_cache, name) for name in to_render
            ):
                page_cache.publish(unpublished)
                unpublished.clear()
                since = time.monotonic()
            done(job, outcome)

        self._render(jobs, rendered)
        page_cache.publish(unpublished)

    def _hit_signal(self, name: str, panel: Panel, state: str, page_cache: PageCache) -> None:
        signals.panel_cache_hit.send(
            Panel,
            name=name,
            panel=panel,
            request=self.request,
            key=page_cache.keys[name],
            state=state,
        )

    def _waited_for(self, job: _Job, page_cache: PageCache) -> PanelOutcome:
        """Return the outcome of a panel another request rendered while this one waited
        (its entry is in the panel's slot)."""
        if signals.panel_cache_hit.receivers:
            self._hit_signal(job.name, job.panel, WAITED, page_cache)
        slot = page_cache.slots[job.name]
        entry = slot.entry
        assert entry is not None
        html = entry_html(entry, self.request)
        outcome = served_outcome(job.name, WAITED, html, entry, page_cache)
        outcome.depends_on = job.depends_on(NOTHING)
        return outcome

    def _store(self, page_cache: PageCache, job: _Job, outcome: PanelOutcome) -> PanelOutcome:
        """Pack a rendered panel for the cache, when it may go there; return its outcome
        (a failure's, when it may never be stored)."""
        if job.name not in page_cache.slots or outcome.failed:
            return outcome
        try:
            if not storable(job.name, job.panel, outcome.reads, outcome.headers):
                return outcome
        except UnsafeVary as exc:
            return self._failed(job, exc)
        html = for_storage(outcome.html, self.request)
        page_cache.store(job.name, html, outcome.queue_items, outcome.cost, outcome.headers)
        outcome.stored = True
        return outcome

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
            html = self._with_the_pages_token(job.clone, to_html(output))
        except Exception as exc:
            return self._failed(job, exc)
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

    def _with_the_pages_token(self, clone: HttpRequest, html: SafeString) -> SafeString:
        """Return ``html`` with the page's CSRF token, and give the page the clone's CSRF
        state, as Django would for a token used on the page.

        Async panels render together, on clones made before any of them ran: on a
        visitor's first page each may make a CSRF secret of its own. The page keeps the
        first; a later panel's tokens are rewritten to it, so every form on the page
        matches the one cookie the response sets.
        """
        mine, the_pages = clone.META.get("CSRF_COOKIE"), self.request.META.get("CSRF_COOKIE")
        if mine and the_pages and mine != the_pages:
            return mark_safe(
                csrf.from_placeholders(csrf.to_placeholders(html, clone), self.request)
            )
        copy_csrf_state(clone, self.request)
        return html

    def _failed(self, job: _Job, exc: BaseException) -> PanelOutcome:
        signals.panel_error.send(
            Panel, name=job.name, panel=job.panel, request=self.request, exception=exc
        )
        html = panel_failed(job.name, exc, self.error_template, self.request)
        return PanelOutcome(job.name, html, failed=True)


# panel name -> seconds its last render in this process took
_costs: dict[str, float] = {}


def known_fast(page_cache: PageCache, name: str) -> bool:
    """Return whether panel ``name``'s last render took less than :data:`PUBLISH_EVERY`,
    as the entry the lookup found records it, or this process saw it (False: not known,
    as on a panel's first render in this process after its entry was deleted)."""
    raw = page_cache.slots[name].raw if name in page_cache.slots else None
    if is_entry(raw):
        return raw[COST_US] < PUBLISH_EVERY * 1e6
    cost = _costs.get(name)
    return cost is not None and cost < PUBLISH_EVERY


def forget_costs() -> None:
    """Forget what renders cost in this process (for tests)."""
    _costs.clear()


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
