from django.urls import path

from tests.testapp import function_views, views

urlpatterns = [
    path("page/", views.PageView.as_view(), name="page"),
    path("labelled/", views.LabelledView.as_view(), name="labelled"),
    path("no-footer/", views.NoFooterView.as_view(), name="no-footer"),
    path("async/", views.AsyncPageView.as_view(), name="async-page"),
    path("slow-sync/", views.SlowSyncView.as_view(), name="slow-sync"),
    path("whoami/", views.WhoAmIView.as_view(), name="whoami"),
    path("fragments/<slug:slug>/", views.fragment, name="fragment"),
    path("fv/about/", function_views.about, name="fv-about"),
    path("fv/contact/", function_views.contact, name="fv-contact"),
    path("fv/news/", function_views.news, name="fv-news"),
    path("fv/members/", function_views.members, name="fv-members"),
    path("fv/search/", function_views.search, name="fv-search"),
    path("fv/basket/", function_views.basket, name="fv-basket"),
]
