"""URLs of layouts_cbv: ``path("layouts/", include("layouts_cbv.urls"))``."""

from django.urls import path

from . import views

app_name = "layouts_cbv"

urlpatterns = [
    path("panel/", views.deferred_panel, name="panel"),
]
