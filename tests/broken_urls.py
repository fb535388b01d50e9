"""A URLconf whose views have mistakes that `manage.py check` must report."""

from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel


class MisspelledPanelView(LayoutMixin, TemplateView):
    layout = "testapp.SiteLayout"
    template_name = "testapp/content.html"
    sidebar = Panel("testapp:greting")


class MissingLayoutView(LayoutMixin, TemplateView):
    layout = "testapp.NoSuchLayout"
    template_name = "testapp/content.html"


class BareTemplateView(LayoutMixin, TemplateView):
    layout_template = "testapp/layout.html"  # {% renderqueue "head_extras" %}: not declared
    template_name = "testapp/content.html"


urlpatterns = [
    path("misspelled/", MisspelledPanelView.as_view()),
    path("missing-layout/", MissingLayoutView.as_view()),
    path("bare/", BareTemplateView.as_view()),
    path("fragments/<slug:slug>/", TemplateView.as_view(), name="fragment"),
]
