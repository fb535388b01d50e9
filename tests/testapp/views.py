import asyncio

from django.http import HttpResponse
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel

from .layouts import SiteLayout

# ("start" | "end", panel) as the slow panels run: concurrent ones start together.
SLOW_EVENTS: list[tuple[str, str]] = []


async def slow_a(request):
    SLOW_EVENTS.append(("start", "a"))
    await asyncio.sleep(0.2)
    SLOW_EVENTS.append(("end", "a"))
    return "<p>slow a</p>"


async def slow_b(request):
    SLOW_EVENTS.append(("start", "b"))
    await asyncio.sleep(0.2)
    SLOW_EVENTS.append(("end", "b"))
    return HttpResponse("<p>slow b</p>")


def fragment(request, slug):
    return HttpResponse(f"<p>fragment {slug} {request.method}</p>")


class PageView(LayoutMixin, TemplateView):
    layout = SiteLayout
    template_name = "testapp/content.html"
    extra_context = {"title": "Page"}

    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)


class LabelledView(PageView):
    layout = "testapp.SiteLayout"
    sidebar = Panel("testapp:greeting")


class NoFooterView(LabelledView):
    footer = None


class AsyncPageView(LayoutMixin, TemplateView):
    layout = SiteLayout
    template_name = "testapp/content.html"
    extra_context = {"title": "Async page"}
    sidebar = Panel(slow_a)
    promo = Panel(slow_b)

    async def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(**kwargs))


class SlowSyncView(PageView):
    sidebar = Panel(slow_a)
    promo = Panel(slow_b)


class WhoAmIView(PageView):
    sidebar = Panel("testapp:whoami")
