"""Routed views that cache different panels under one name in one alias (check W001)."""

from django.urls import path

from layouts_cbv import Panel, cache
from tests.testapp.views import PageView

A = type("A", (PageView,), {"shared": Panel(literal="a", cache=cache.sitewide(60))})
B = type("B", (PageView,), {"shared": Panel(template="b.html", cache=cache.per_user(60))})
C = type("C", (PageView,), {"shared": Panel(literal="a", cache=cache.sitewide(60))})  # same source
Unrouted = type("Unrouted", (PageView,), {"shared": Panel(literal="z", cache=cache.sitewide(60))})

urlpatterns = [path("a/", A.as_view()), path("b/", B.as_view()), path("c/", C.as_view())]
