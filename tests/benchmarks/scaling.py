"""Pages of 1, 8, 32 and 128 panels: what each extra panel costs a warm page.

Every panel is cached for everyone (a 10-item list), so the pages differ in the number
of panels alone. A panel's cost is the slope between the 1-panel page and the N-panel
page of the same way, ``(t(N) - t(1)) / (N - 1)``: what the page's fixed work (the
request, one read, the layout) costs is left out, what each panel adds is kept.
"""

from __future__ import annotations

from typing import Any

from django.core.cache import caches
from django.test.utils import override_settings
from django.urls import path
from django.views.decorators.cache import cache_page
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.benchmarks.common import Driver, interleaved
from tests.benchmarks.pages import ITEMS, SETTINGS, TITLE, cache_config
from tests.benchmarks.sketch import SketchPanel, sketch_view

SIZES = (1, 8, 32, 128)
ROUNDS = 15
PANELS_PER_ROUND = 1600
"""Each page is requested about this many panels' worth per round (200 at most): small
pages, whose slope is a few µs in a request of hundreds, get the most requests."""


def names(size: int) -> list[str]:
    return [f"q{n}" for n in range(size)]


class Many(LayoutMixin, TemplateView):
    layout_template = "bench/many.html"
    template_name = "bench/content.html"
    extra_context = TITLE
    layout_names: list[str] = []

    def get_layout_context(self) -> dict[str, Any]:
        return {"names": self.layout_names}


class ManyFragments(TemplateView):
    template_name = "bench/fragments_many.html"


def layouts_view(size: int, cached: bool) -> type:
    panels = {
        name: Panel(
            template="bench/panel.html",
            context={"n": n, "items": ITEMS},
            cache=cache.sitewide(600) if cached else None,
        )
        for n, name in enumerate(names(size))
    }
    label = f"Many{size}{'Cached' if cached else 'Uncached'}"
    return type(label, (Many,), {**panels, "layout_names": names(size)})


def sketch(size: int):
    panels = {
        name: SketchPanel("bench/panel.html", {"n": n, "items": ITEMS})
        for n, name in enumerate(names(size))
    }
    return sketch_view(panels, "bench/sketch_many.html", "bench/content.html", TITLE)


WAYS = {
    "`cache_page`": lambda size: cache_page(600)(layouts_view(size, cached=False).as_view()),
    "sketch": sketch,
    "layouts_cbv": lambda size: layouts_view(size, cached=True).as_view(),
    "`{% cache %}`": lambda size: ManyFragments.as_view(
        extra_context={**TITLE, "items": ITEMS, "ns": range(size)}
    ),
}


def url(way: str, size: int) -> str:
    return f"/many/{list(WAYS).index(way)}/{size}/"


urlpatterns = [
    path(url(way, size).lstrip("/"), make(size)) for way, make in WAYS.items() for size in SIZES
]


def run(backend: str, redis_url: str) -> dict[str, dict[str, float]]:
    """Return the µs of a warm page of each way and size (anonymous visitor)."""
    settings = {**SETTINGS, "ROOT_URLCONF": __name__}
    with override_settings(CACHES={"default": cache_config(backend, redis_url)}, **settings):
        caches["default"].clear()
        driver = Driver()
        calls, repeats = {}, {}
        for way in WAYS:
            for size in SIZES:
                page = url(way, size)
                driver.get(page), driver.get(page)
                calls[f"{way}|{size}"] = lambda page=page: driver.get(page)
                repeats[f"{way}|{size}"] = min(200, max(10, PANELS_PER_ROUND // size))
        micros = interleaved(calls, ROUNDS, repeats)
    found: dict[str, dict[str, float]] = {way: {} for way in WAYS}
    for label, value in micros.items():
        way, size = label.split("|")
        found[way][size] = value
    return found
