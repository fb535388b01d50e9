"""The warm-page benchmark: one page of 8 panels served every way, side by side.

Every way serves the same HTML panels (7 shared by everyone, 1 per user, each a
10-item list) around the same content, warm, through Django's whole middleware stack:

* ``cache_page`` on the whole page, the anchor every ratio is to;
* the sketch (:mod:`tests.benchmarks.sketch`) as a function view and as a class-based
  view: one ``get_many`` for the 8 entries, then the layout;
* layouts_cbv with every panel cached;
* the layouts_cbv page cache, with the per-user panel as a hole;
* Django's ``{% cache %}`` around each of the 8 panels.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.cache import caches
from django.test import Client
from django.test.utils import override_settings
from django.urls import path
from django.views.decorators.cache import cache_page
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.benchmarks.common import Driver, interleaved
from tests.benchmarks.sketch import SketchPanel, SketchView, sketch_view
from tests.cache import counting

ITEMS = range(10)
ROUNDS = 9
REPEAT = 100
TITLE = {"title": "Benchmark"}


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


SKETCH_PANELS = {
    **{f"p{n}": SketchPanel("bench/panel.html", {"n": n, "items": ITEMS}) for n in range(7)},
    "account": SketchPanel("bench/account.html", {}, per_user=True),
}


class Page(LayoutMixin, TemplateView):
    layout_template = "bench/layout.html"
    template_name = "bench/content.html"
    extra_context = TITLE


class Fragments(TemplateView):
    template_name = "bench/fragments.html"
    extra_context = {**TITLE, "items": ITEMS}


Cached = type("Cached", (Page,), panels(cached=True))
Uncached = type("Uncached", (Page,), panels(cached=False))
PageCached = type("PageCached", (Page,), {**panels(cached=True), "page_cache": cache.per_path(600)})
SketchClass = type(
    "SketchClass",
    (SketchView,),
    {
        "template_name": "bench/sketch.html",
        "panels": SKETCH_PANELS,
        "content": "bench/content.html",
        "extra_context": TITLE,
    },
)

urlpatterns = [
    path("cache-page/", cache_page(600)(Uncached.as_view())),
    path(
        "sketch-fbv/", sketch_view(SKETCH_PANELS, "bench/sketch.html", "bench/content.html", TITLE)
    ),
    path("sketch-cbv/", SketchClass.as_view()),
    path("assembled/", Cached.as_view()),
    path("page-cache/", PageCached.as_view()),
    path("fragments/", Fragments.as_view()),
    path("uncached/", Uncached.as_view()),
]

# (way, URL); the first is the anchor of every ratio.
WAYS = [
    ("`cache_page`", "/cache-page/"),
    ("sketch, function view", "/sketch-fbv/"),
    ("sketch, class-based view", "/sketch-cbv/"),
    ("layouts_cbv, every panel cached", "/assembled/"),
    ("layouts_cbv page cache, one per-user hole", "/page-cache/"),
    ("`{% cache %}` x8", "/fragments/"),
]
ASSEMBLED, PAGE_CACHE = WAYS[3][0], WAYS[4][0]
VISITORS = ("anonymous", "logged in")
# Timed on Django's own backends; cache calls are counted apart, on the counting ones.
BACKENDS = {
    "redis": ("Redis", {"BACKEND": "django.core.cache.backends.redis.RedisCache"}),
    # Room for every entry of every benchmark: LocMem's default of 300 would cull some.
    "locmem": (
        "LocMem",
        {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        },
    ),
}
SETTINGS = {
    "ROOT_URLCONF": __name__,
    "SESSION_ENGINE": "django.contrib.sessions.backends.signed_cookies",
}


def cache_config(backend: str, redis_url: str, counting: bool = False) -> dict:
    config = dict(BACKENDS[backend][1])
    if counting:
        name = config["BACKEND"].rpartition(".")[2]
        config["BACKEND"] = f"tests.cache.counting.Counting{name}"
    return {**config, "LOCATION": redis_url} if backend == "redis" else config


def login_cookie() -> str:
    """Return the cookie of a logged-in visitor (a signed-cookie session: no session query)."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0, run_syncdb=True)
    client = Client()
    client.force_login(User.objects.get_or_create(username="bench")[0])
    return "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())


def cache_calls(driver: Driver, url: str) -> int:
    """Warm ``url`` up and return the cache calls of one warm request."""
    driver.get(url), driver.get(url)
    counting.calls.clear()
    driver.get(url)
    return counting.total()


def run(backend: str, redis_url: str) -> dict:
    """Measure every way on one backend, for each visitor: µs per request and cache calls."""
    found: dict = {visitor: {} for visitor in VISITORS}
    with override_settings(CACHES={"default": cache_config(backend, redis_url)}, **SETTINGS):
        cookies = {"anonymous": "", "logged in": login_cookie()}
    counted = {"default": cache_config(backend, redis_url, counting=True)}
    with override_settings(CACHES=counted, **SETTINGS):
        for visitor in VISITORS:
            caches["default"].clear()
            driver = Driver(cookies[visitor])
            found[visitor]["calls"] = {way: cache_calls(driver, url) for way, url in WAYS}
    with override_settings(CACHES={"default": cache_config(backend, redis_url)}, **SETTINGS):
        for visitor in VISITORS:
            caches["default"].clear()
            driver = Driver(cookies[visitor])
            for _, url in WAYS:
                driver.get(url), driver.get(url)
            found[visitor]["µs"] = interleaved(
                {way: lambda url=url, driver=driver: driver.get(url) for way, url in WAYS},
                ROUNDS,
                REPEAT,
            )
    return found
