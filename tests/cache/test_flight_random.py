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

epochs: Counter = Counter()  # panel -> how many times it was invalidated
renders: Counter = Counter()  # (panel, epoch) -> renders started in that epoch
own = threading.local()  # seconds this request spent rendering panels itself
_lock = threading.Lock()


def source(name, cost):
    def render(request):
        started = time.monotonic()
        with _lock:
            renders[(name, epochs[name])] += 1
        time.sleep(cost)
        own.seconds = getattr(own, "seconds", 0.0) + time.monotonic() - started
        return f"<p>{name}</p>"

    return render


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
    started = time.monotonic()
    response = View.as_view()(request)
    response.render()
    return time.monotonic() - started - own.seconds


@pytest.fixture
def shared_cache(deployment, settings):
    settings.LAYOUTS_CBV = {"LOCK_WAIT": LOCK_WAIT}
    epochs.clear(), renders.clear()
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
            with _lock:
                epochs[name] += 1  # renders from now on belong to the next expiry
            cache.invalidate_all(name)

    threads = [threading.Thread(target=visitor, args=(plan,)) for plan in plans]
    threads.append(threading.Thread(target=invalidator))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(waits) == 16 * 25, "the storm ran out of time"
    twice = {key: count for key, count in renders.items() if count > 1}
    assert twice == {}, f"rendered more than once in one expiry: {twice}"
    # Beyond its own renders, a request waits at most one budget and a holder's renders.
    assert max(waits) < LOCK_WAIT + 0.5, f"a request waited {max(waits):.2f} s"
