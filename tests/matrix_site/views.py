"""Pages of 1, 2 and 8 cached panels; the pages of 2 and 8 in two views that list their
panels in opposite orders. Each render is a line in the ``MATRIX_RENDERS`` file."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.testapp.layouts import EveryPanelLayout

RENDER_SECONDS = 0.1
PANELS = {size: [f"m{size}_{n}" for n in range(size)] for size in (1, 2, 8)}


def counted(name: str):
    def render(request: HttpRequest) -> str:
        # One short write in append mode: lines of concurrent writers never mix.
        with open(settings.MATRIX_RENDERS, "a") as renders:
            renders.write(name + "\n")
        time.sleep(RENDER_SECONDS)
        return f"<p>[{name}]</p>"

    return render


def page(panels: dict[str, Panel]) -> type[TemplateView]:
    attributes = {
        "layout": EveryPanelLayout,
        "template_name": "testapp/content.html",
        "extra_context": {"title": "Matrix"},
        **panels,
    }
    return type("MatrixPage", (LayoutMixin, TemplateView), attributes)


def _views() -> dict[str, type[TemplateView]]:
    views = {}
    for size, names in PANELS.items():
        # The same panel objects in both orders: one entry and one lock each.
        panels = {name: Panel(counted(name), cache=cache.sitewide(600)) for name in names}
        views[f"{size}/"] = page(panels)
        if size > 1:
            views[f"{size}/reversed/"] = page(dict(reversed(panels.items())))
    return views


VIEWS = _views()


def up(request: HttpRequest) -> HttpResponse:
    return HttpResponse("up")
