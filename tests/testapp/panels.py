"""Panels registered the way a project would, found by autodiscovery."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.generic import TemplateView

from layouts_cbv import registry
from layouts_cbv.queues import add_script


@registry.register("testapp:nav")
def nav(request):
    add_script(request, "/static/nav.js")
    return render(request, "testapp/nav.html")


@registry.register("testapp:whoami")
def whoami(request):
    return HttpResponse(
        f"role={request.layout_role} method={request.method} post={dict(request.POST)}"
    )


class GreetingView(TemplateView):
    template_name = "testapp/greeting.html"


registry.register("testapp:greeting", GreetingView)
registry.register("testapp:promo", template="testapp/promo.html")
