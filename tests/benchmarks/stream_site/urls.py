"""One page with cached parts and a slow panel: all cached, streamed, or sent whole."""

import time

from django.http import HttpResponse
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel, cache
from tests.benchmarks.stream_site import SLOW


def nav(request):
    return "<p>the nav</p>"


def rows(request):
    return "".join(f"<li>row {n}</li>" for n in range(10))


def slow(request):
    time.sleep(SLOW)
    return "<p>recommended for you</p>"


class BenchLayout(Layout):
    template = "streaming/layout.html"
    streamnav = Panel(nav, cache=cache.sitewide(3600))
    rows = Panel(rows, cache=cache.sitewide(3600))


class Cached(LayoutMixin, TemplateView):
    layout = BenchLayout
    template_name = "streaming/content.html"
    slow = Panel(slow, cache=cache.sitewide(3600))


class Streamed(Cached):
    slow = Panel(slow, stream=True)


class Whole(Cached):
    slow = Panel(slow)


urlpatterns = [
    path("up/", lambda request: HttpResponse("up")),
    path("cached/", Cached.as_view()),
    path("streamed/", Streamed.as_view()),
    path("whole/", Whole.as_view()),
]
