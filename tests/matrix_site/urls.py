from django.urls import path

from . import views

urlpatterns = [path("up/", views.up)] + [
    path(route, view.as_view()) for route, view in views.VIEWS.items()
]
