"""The warm-page benchmark: one 8-panel page served five ways, side by side.

(a) layouts_cbv, every panel cached; (b) Django's ``{% cache %}`` fragments around
the same eight panels; (c) ``cache_page`` on the whole page; (d) no caching;
(e) the layouts_cbv page cache, with the per-user panel as a hole.
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from django.test.utils import override_settings
from django.urls import path
from django.views.decorators.cache import cache_page
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.benchmarks.common import table
from tests.cache import counting

REQUESTS = 200
ROUNDS = 7
ITEMS = range(10)


def panels(cached: bool) -> dict:
    strategy = (lambda: cache.sitewide(600)) if cached else (lambda: None)
    found = {
        f"p{n}": Panel(
            template="bench/panel.html", context={"n": n, "items": ITEMS}, cache=strategy()
        )
        for n in range(7)
    }
    found["account"] = Panel(
        template="bench/account.html", cache=cache.per_user(600) if cached else None
    )
    return found


class Page(LayoutMixin, TemplateView):
    layout_template = "bench/layout.html"
    template_name = "bench/content.html"
    extra_context = {"title": "Benchmark"}


class Fragments(TemplateView):
    template_name = "bench/fragments.html"
    extra_context = {"title": "Benchmark", "items": ITEMS}


Cached = type("Cached", (Page,), panels(cached=True))
Uncached = type("Uncached", (Page,), panels(cached=False))
PageCached = type("PageCached", (Page,), {**panels(cached=True), "page_cache": cache.per_path(600)})

urlpatterns = [
    path("a/", Cached.as_view()),
    path("b/", Fragments.as_view()),
    path("c/", cache_page(600)(Uncached.as_view())),
    path("d/", Uncached.as_view()),
    path("e/", PageCached.as_view()),
]
WAYS = [
    ("a", "layouts_cbv, every panel cached", "/a/"),
    ("b", "`{% cache %}` fragments", "/b/"),
    ("c", "`cache_page`", "/c/"),
    ("d", "no caching", "/d/"),
    ("e", "layouts_cbv page cache, per-user hole", "/e/"),
]
BACKENDS = {
    "locmem": ("LocMemCache", {"BACKEND": "tests.cache.counting.CountingLocMemCache"}),
    "redis": ("Redis", {"BACKEND": "tests.cache.counting.CountingRedisCache"}),
}


def cache_calls(client: Client, url: str) -> int:
    """Warm ``url`` up and return the cache calls of one warm request."""
    client.get(url), client.get(url)
    counting.calls.clear()
    client.get(url)
    return counting.total()


def rates(client: Client, urls: list[str]) -> dict[str, float]:
    """Return the median requests/s of each of ``urls``, warm.

    Each round times every way in turn, so a slow spell of a shared machine slows
    all of them alike instead of one way's whole block.
    """
    found: dict[str, list[float]] = {url: [] for url in urls}
    for _ in range(ROUNDS):
        for url in urls:
            started = time.perf_counter()
            for _ in range(REQUESTS):
                client.get(url)
            found[url].append(REQUESTS / (time.perf_counter() - started))
    return {url: statistics.median(values) for url, values in found.items()}


def run(backend: str, redis_port: int | None) -> list[list[str]]:
    """Measure every way on one backend for anonymous and logged-in visitors."""
    name, config = BACKENDS[backend]
    if backend == "redis":
        config = {**config, "LOCATION": f"redis://127.0.0.1:{redis_port}/0"}
    rows = []
    settings = {
        "ROOT_URLCONF": __name__,
        "CACHES": {"default": config},
        "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
    }
    with override_settings(**settings):
        from django.core.management import call_command

        call_command("migrate", verbosity=0, run_syncdb=True)
        user = User.objects.get_or_create(username="bench")[0]
        for visitor in ("anonymous", "logged in"):
            caches["default"].clear()
            client = Client()
            if visitor == "logged in":
                client.force_login(user)
            calls = {url: cache_calls(client, url) for _, _, url in WAYS}
            rate = rates(client, list(calls))
            # The mean request of the median round: one slow round does not skew it.
            micros = {url: 1e6 / rate[url] for url in calls}
            base = micros["/c/"]
            for key, label, url in WAYS:
                rows.append(
                    [
                        name,
                        visitor,
                        f"({key}) {label}",
                        f"{rate[url]:.0f}",
                        f"{micros[url]:.0f}",
                        f"{micros[url] / base:.2f}",
                        str(calls[url]),
                    ]
                )
    return rows


HEADERS = [
    "backend",
    "visitor",
    "way",
    "requests/s",
    "µs per request",
    "ratio to (c)",
    "cache calls per request",
]
INTRO = (
    f"One page with 8 panels (7 the same for everyone, 1 per user), warm caches; "
    f"median requests/s of {ROUNDS} rounds of {REQUESTS} requests (µs: the mean request of "
    "that round), every way timed in turn within each round, through Django's test "
    "client with middleware, in one process per backend. Cache calls are counted on the "
    "backend, for one warm request."
)


def render(rows: list[list[str]]) -> str:
    return INTRO + "\n\n" + table(HEADERS, rows)
