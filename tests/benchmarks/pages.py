"""Page benchmark: one 8-panel page served warm three ways, side by side in one run.

* ``cache_page``: Django's whole-page cache (varies on Cookie: the page has a per-user part);
* layouts_cbv page cache, with the per-user panel as a hole filled per request;
* layouts_cbv without a page cache, every panel from its own cache entry.
"""

from __future__ import annotations

import statistics
import time

from django.contrib.auth.models import User
from django.core.cache import caches
from django.core.management import call_command
from django.test import Client
from django.test.utils import override_settings
from django.urls import path
from django.views.decorators.cache import cache_page
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.benchmarks.common import table
from tests.testapp.layouts import EveryPanelLayout

REQUESTS = 300
ROUNDS = 5


def panel(n):
    return lambda request: f"<section><h2>Panel {n}</h2><p>{'text ' * 40}</p></section>"


def account(request):
    return f"<p>Signed in as {request.user.username}</p>"


PANELS = {f"p{n}": Panel(panel(n), cache=cache.sitewide(600)) for n in range(7)}
PANELS["account"] = Panel(account, cache=cache.per_user(600))


class Page(LayoutMixin, TemplateView):
    layout = EveryPanelLayout
    template_name = "testapp/page_cached.html"
    extra_context = {"title": "Benchmark", "built": 0}


Assembled = type("Assembled", (Page,), PANELS)
PageCached = type("PageCached", (Page,), {**PANELS, "page_cache": cache.per_path(600)})

urlpatterns = [
    path("cache-page/", cache_page(600)(Assembled.as_view())),
    path("holes/", PageCached.as_view()),
    path("assembled/", Assembled.as_view()),
]
WAYS = [
    ("`cache_page` (Django)", "/cache-page/"),
    ("layouts_cbv page cache, one per-user hole", "/holes/"),
    ("layouts_cbv, every panel cached, no page cache", "/assembled/"),
]


def per_request(client, url):
    client.get(url), client.get(url)  # warm
    timings = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(REQUESTS):
            client.get(url)
        timings.append((time.perf_counter() - started) / REQUESTS)
    return statistics.median(timings)


def run(redis_port: int) -> str:
    backends = {
        "LocMemCache": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "Redis": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{redis_port}/0",
        },
    }
    rows = []
    with override_settings(
        ROOT_URLCONF=__name__, SESSION_ENGINE="django.contrib.sessions.backends.signed_cookies"
    ):
        call_command("migrate", verbosity=0, run_syncdb=True)
        user = User.objects.get_or_create(username="bench")[0]
        for backend, config in backends.items():
            with override_settings(CACHES={"default": config}):
                caches["default"].clear()
                client = Client()
                client.force_login(user)
                seconds = {name: per_request(client, url) for name, url in WAYS}
                base = seconds[WAYS[0][0]]
                rows += [
                    [backend, name, f"{s * 1e6:.0f}", f"{1 / s:.0f}", f"{s / base:.2f}"]
                    for name, s in seconds.items()
                ]
    intro = (
        f"One page, 8 panels (7 sitewide, 1 per user), a logged-in visitor, warm caches; "
        f"median of {ROUNDS} rounds of {REQUESTS} requests through Django's test client "
        "(middleware included)."
    )
    return (
        intro
        + "\n\n"
        + table(["backend", "way", "µs per request", "requests/s", "ratio to cache_page"], rows)
    )
