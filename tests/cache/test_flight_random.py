"""A seeded, bounded storm: many requests over many panels, listed in random orders,
with invalidations falling at random. Every panel renders once per expiry (each
invalidation starts one), and no request waits longer than the page budget beyond
its own renders."""

import random
import threading
import time
from collections import Counter

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

PANELS = [f"r{i}" for i in range(10)]
LOCK_WAIT = 1.0
SEED = 20261202

# (panel, request started, render started) for every render, and (panel, started,
# finished) for every invalidation: a render belongs to the expiry its request looked
# up in, which lies between its request's start and its own.
render_log: list[tuple[str, float, float]] = []
invalidation_log: list[tuple[str, float, float]] = []
own = threading.local()  # this request's start, and seconds it spent rendering itself
_lock = threading.Lock()


def source(name, cost):
    def render(request):
        started = time.monotonic()
        with _lock:
            render_log.append((name, own.started, started))
        time.sleep(cost)
        own.seconds = getattr(own, "seconds", 0.0) + time.monotonic() - started
        return f"<p>{name}</p>"

    return render


def renders_per_expiry() -> Counter:
    """Count renders per (panel, expiry). A render whose request may have looked up
    while an invalidation of its panel was under way belongs to either expiry: it is
    left out rather than guessed."""
    counted: Counter = Counter()
    for name, request_started, render_started in render_log:
        mine = [(start, end) for panel, start, end in invalidation_log if panel == name]
        if any(start <= render_started and end >= request_started for start, end in mine):
            continue
        counted[(name, sum(1 for _, end in mine if end < request_started))] += 1
    return counted


def views(rng):
    costs = {name: rng.uniform(0.01, 0.08) for name in PANELS}
    declared = {
        name: Panel(source(name, cost), cache=cache.sitewide(600)) for name, cost in costs.items()
    }
    made = []
    for _ in range(6):
        names = rng.sample(PANELS, rng.randint(2, 5))  # a random subset, in random order
        made.append(
            type(
                "Storm",
                (PageView,),
                {"layout": EveryPanelLayout, **{n: declared[n] for n in names}},
            )
        )
    return made


def get(View):
    own.seconds = 0.0
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    started = own.started = time.monotonic()
    response = View.as_view()(request)
    response.render()
    return time.monotonic() - started - own.seconds


@pytest.fixture
def socket_timeout():
    # Dozens of threads on a busy machine: a call may be slow without the server being
    # away, and single flight, not fault handling, is what these tests are about.
    return 2.0


@pytest.fixture
def shared_cache(deployment, settings):
    settings.LAYOUTS_CBV = {"LOCK_WAIT": LOCK_WAIT}
    render_log.clear(), invalidation_log.clear()
    return deployment


def test_a_random_storm_renders_each_panel_once_per_expiry(shared_cache):
    rng = random.Random(SEED)
    pages = views(rng)
    plans = [[rng.choice(pages) for _ in range(25)] for _ in range(16)]
    invalidations = sorted(rng.uniform(0.05, 2.0) for _ in range(12))
    targets = [rng.choice(PANELS) for _ in invalidations]
    waits: list[float] = []
    stop = time.monotonic() + 10  # bounded, whatever happens

    def visitor(plan):
        for View in plan:
            if time.monotonic() > stop:
                return
            waits.append(get(View))

    def invalidator():
        started = time.monotonic()
        for at, name in zip(invalidations, targets, strict=True):
            time.sleep(max(0.0, at - (time.monotonic() - started)))
            begun = time.monotonic()
            cache.invalidate_all(name)
            with _lock:
                invalidation_log.append((name, begun, time.monotonic()))

    threads = [threading.Thread(target=visitor, args=(plan,)) for plan in plans]
    threads.append(threading.Thread(target=invalidator))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(waits) == 16 * 25, "the storm ran out of time"
    twice = {key: count for key, count in renders_per_expiry().items() if count > 1}
    assert twice == {}, f"rendered more than once in one expiry: {twice}"
    # Beyond its own renders, a request waits at most one budget and a holder's renders.
    assert max(waits) < LOCK_WAIT + 0.5, f"a request waited {max(waits):.2f} s"
