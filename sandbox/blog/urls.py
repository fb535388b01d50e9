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
    path("features/stampede/cold/", features.cold_stampede, name="stampede-cold"),
    path("features/stale/", features.StaleView.as_view(), name="stale"),
    path("features/streamed/", features.StreamedView.as_view(), name="streamed"),
    path("features/renders/<slug:name>/", features.renders, name="renders"),
    path("features/errors/", features.ErrorsView.as_view(), name="errors"),
    path("features/invalidation/", features.InvalidationView.as_view(), name="invalidation"),
    path(
        "features/invalidation/without-sidebar/",
        features.WithoutSidebarView.as_view(),
        name="without-sidebar",
    ),
    path("features/invalidation/save/", features.save_model, name="save-model"),
    path("features/deferred/", features.DeferredView.as_view(), name="deferred"),
    path("features/page-cache/", features.PageCacheView.as_view(), name="page-cache"),
    path("features/deferred/add/", features.add_to_cart, name="add-to-cart"),
]
