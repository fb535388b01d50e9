"""URLs of the demo site: the blog, login/logout, the admin and the debug toolbar."""

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.staticfiles.urls import staticfiles_urlpatterns
from django.urls import include, path

from sandbox.blog.views import LoginView

urlpatterns = [
    path("", include("sandbox.blog.urls")),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("layouts/", include("layouts_cbv.urls")),
]
# Static files under any server while DEBUG is on (gunicorn too, not only runserver).
urlpatterns += staticfiles_urlpatterns()

if "debug_toolbar" in settings.INSTALLED_APPS:
    from debug_toolbar.toolbar import debug_toolbar_urls

    urlpatterns += debug_toolbar_urls()
