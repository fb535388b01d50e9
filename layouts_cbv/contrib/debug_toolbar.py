"""A django-debug-toolbar panel that shows the layout panels of the page.

Add ``"layouts_cbv.contrib.debug_toolbar.LayoutsPanel"`` to ``DEBUG_TOOLBAR_PANELS``.
For each panel: its source, cache strategy and key, whether it was a hit, a miss,
stale, a hole, baked into a cached page or deferred, its time, its queue items and
any leak-guard warning.
"""

from __future__ import annotations

from typing import Any

from debug_toolbar.panels import Panel
from django.http import HttpRequest, HttpResponse

from .. import report


class LayoutsPanel(Panel):
    """The layout panels of the page, and how each was served."""

    title = "Layout panels"
    template = "layouts_cbv/debug_toolbar/panel.html"
    is_async = True

    @property
    def nav_subtitle(self) -> str:
        rows = self.get_stats().get("panels", [])
        hits = sum(1 for row in rows if row["state"] in report.SERVED)
        return f"{len(rows)} panels, {hits} from the cache"

    def generate_stats(self, request: HttpRequest, response: HttpResponse) -> Any:
        self.record_stats({"panels": list(report.records(request))})
        self.server_timing = response.get("Server-Timing", "")

    def get_headers(self, request: HttpRequest) -> dict[str, str]:
        # The toolbar sets Server-Timing from its own panels over the response's header:
        # the entries layouts_cbv put there are handed back, to be joined with them.
        headers: dict[str, str] = super().get_headers(request)
        timing = getattr(self, "server_timing", "")
        if timing:
            own = headers.get("Server-Timing")
            headers["Server-Timing"] = f"{timing}, {own}" if own else timing
        return headers
