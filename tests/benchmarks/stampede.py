"""Stampede benchmark: a 300 ms panel is missing (cold, or expired) under 32 concurrent requests.

Three ways side by side, in one run, on LocMemCache and on a real Redis server:

* plain: the ``{% cache %}`` way, get / render / set with no protection;
* single flight: layouts_cbv, one render while the others wait for it;
* stale-while-revalidate: layouts_cbv with ``stale_ttl``, nobody waits.
"""

from __future__ import annotations

import threading
import time

from django.core.cache import caches
from django.test import RequestFactory
from django.test.utils import override_settings

from layouts_cbv import Panel, cache
from layouts_cbv.cache import refresh
from tests.benchmarks.common import Crowd, ms, percentile, table
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

RENDER_SECONDS = 0.3
CONCURRENCY = 32
ROUNDS = 5

renders = 0
_lock = threading.Lock()


def expensive(request):
    global renders
    with _lock:
        renders += 1
    time.sleep(RENDER_SECONDS)
    return "<p>expensive</p>"


SingleFlight = type(
    "SingleFlight",
    (PageView,),
    {"layout": EveryPanelLayout, "bench_sf": Panel(expensive, cache=cache.sitewide(1))},
)
Stale = type(
    "Stale",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        "bench_swr": Panel(expensive, cache=cache.sitewide(1, stale_ttl=300)),
    },
)


def page(View):
    response = View.as_view()(RequestFactory().get("/"))
    response.render()


def plain():
    # What {% cache %} does: look up, and on a miss every request renders and sets.
    value = caches["default"].get("bench:plain")
    if value is None:
        value = expensive(None)
        caches["default"].set("bench:plain", value, 1)


crowd = Crowd(CONCURRENCY)


def run_round(expire, request):
    global renders
    expire()
    renders = 0
    durations = crowd.run(request)
    refresh.wait_for_refreshes()
    return durations, renders


def scenario(name, warm, expire, request):
    crowd.run(warm)  # every thread has its cache connection before timing starts
    durations, counts = [], []
    for _ in range(ROUNDS):
        warm()
        round_durations, count = run_round(expire, request)
        durations += round_durations
        counts.append(count)
    return [
        name,
        ms(percentile(durations, 50)),
        ms(percentile(durations, 99)),
        f"{sum(counts) / len(counts):.1f}",
    ]


def rows_for_backend():
    return [
        scenario(
            "plain get/render/set (`{% cache %}` style)",
            plain,
            lambda: caches["default"].delete("bench:plain"),
            plain,
        ),
        scenario(
            "layouts_cbv single flight",
            lambda: page(SingleFlight),
            lambda: cache.invalidate("bench_sf"),
            lambda: page(SingleFlight),
        ),
        scenario(
            "layouts_cbv stale_ttl",
            lambda: page(Stale),
            lambda: time.sleep(1.05),
            lambda: page(Stale),
        ),
    ]


def run(redis_port: int) -> str:
    headers = ["backend", "way", "p50 ms", "p99 ms", "renders per expiry"]
    rows = []
    backends = {
        "LocMemCache": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "Redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_port}/0",
        },
    }
    for backend, config in backends.items():
        with override_settings(CACHES={"default": config}):
            caches["default"].clear()
            rows += [[backend, *row] for row in rows_for_backend()]
    intro = (
        f"A {RENDER_SECONDS * 1000:.0f} ms panel expires while {CONCURRENCY} requests arrive "
        f"together; {ROUNDS} expiries per row."
    )
    return intro + "\n\n" + table(headers, rows)
