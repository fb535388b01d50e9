from django.urls import path

from tests.testapp import views

urlpatterns = [
    path("page/", views.PageView.as_view(), name="page"),
    path("labelled/", views.LabelledView.as_view(), name="labelled"),
    path("no-footer/", views.NoFooterView.as_view(), name="no-footer"),
    path("async/", views.AsyncPageView.as_view(), name="async-page"),
    path("slow-sync/", views.SlowSyncView.as_view(), name="slow-sync"),
    path("whoami/", views.WhoAmIView.as_view(), name="whoami"),
    path("fragments/<slug:slug>/", views.fragment, name="fragment"),
]
