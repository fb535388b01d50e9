"""The demo's badges: the library's, with the cache round trips each page cost."""

from collections import Counter

from django.utils.html import format_html

from layouts_cbv.contrib.badges import BadgeMiddleware

from . import roundtrips


class DemoBadgeMiddleware(BadgeMiddleware):
    """Label every panel, and say on each page how many cache round trips it cost."""

    def __call__(self, request):
        with roundtrips.counting() as calls:
            request.sandbox_cache_calls = calls
            return super().__call__(request)

    def page_facts(self, request, records):
        calls = getattr(request, "sandbox_cache_calls", [])
        detail = ", ".join(f"{name} x{count}" for name, count in Counter(calls).items())
        return [
            format_html(
                '<span class="round-trips" data-round-trips="{}" title="{}">'
                "{} cache round trip{}</span>",
                len(calls),
                detail or "no cache calls",
                len(calls),
                "" if len(calls) == 1 else "s",
            )
        ]
