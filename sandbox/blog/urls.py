from django.urls import path

from . import features, views

app_name = "blog"

urlpatterns = [
    path("", views.ArticleListView.as_view(), name="home"),
    path("articles/<slug:slug>/", views.ArticleDetailView.as_view(), name="article"),
    path("articles/<slug:slug>/comment/", views.CommentCreateView.as_view(), name="comment"),
    path("authors/<int:pk>/", views.AuthorDetailView.as_view(), name="author"),
    path("features/", features.FeaturesView.as_view(), name="features"),
    path("features/stampede/", features.StampedeView.as_view(), name="stampede"),
    path("features/stale/", features.StaleView.as_view(), name="stale"),
    path("features/deferred/", features.DeferredView.as_view(), name="deferred"),
    path("features/page-cache/", features.PageCacheView.as_view(), name="page-cache"),
    path("features/deferred/add/", features.add_to_cart, name="add-to-cart"),
]
