"""Function views in a layout, as the manual shows them.

docs/functions.rst includes this module; tests/test_function_views_manual.py runs it.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.response import TemplateResponse
from django.utils.safestring import mark_safe

from layouts_cbv import Panel, cache, layout, panel_only, render_with_layout
from layouts_cbv.queues import add_to_queue

from .layouts import SiteLayout


@layout(SiteLayout)
def about(request):
    return TemplateResponse(request, "testapp/about.html", {"title": "About us"})


@layout(SiteLayout, panels={"sidebar": Panel("testapp:greeting"), "promo": None})
def contact(request):
    # What a dj-layouts view returns: render()'s HttpResponse. Its body is the content.
    return render(request, "testapp/about.html", {"title": "Contact"})


@layout(SiteLayout)
async def news(request):
    headlines = ["Function views join the layout"]  # [a.title async for a in ...]
    return TemplateResponse(request, "testapp/news.html", {"headlines": headlines})


@login_required  # above @layout: it runs before a stored page is served
@layout(SiteLayout, page_cache=cache.per_path(600))
def members(request):
    return TemplateResponse(request, "testapp/about.html", {"title": "Members"})


def search(request):
    query = request.GET.get("q", "")
    add_to_queue(request, "head_extras", mark_safe('<meta name="robots" content="noindex">'))
    return render_with_layout(
        request,
        "testapp/search.html",
        {"query": query},
        layout=SiteLayout,
        panels={"sidebar": Panel("fv-basket"), "promo": None},
        layout_context={"query": query},
    )


@panel_only
def basket(request):
    searched = request.layout_context.get("query", "")
    return render(request, "testapp/basket.html", {"searched": searched})
