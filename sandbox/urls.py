"""URLs of the demo site: the blog, login/logout and the admin."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sandbox.blog.views import LoginView

urlpatterns = [
    path("", include("sandbox.blog.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("layouts/", include("layouts_cbv.urls")),
]
