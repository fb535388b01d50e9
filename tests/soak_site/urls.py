from django.urls import path

from . import views

urlpatterns = [
    path("up/", views.up),
    path("layout-user/", views.LayoutUserPage.as_view()),
    path("context-user/", views.ContextUserPage.as_view()),
    path("me/<int:pk>/", views.OwnerPage.as_view()),
    path("members/layout-first/", views.MembersLayoutFirst.as_view()),
    path("members/check-first/", views.MembersCheckFirst.as_view()),
    path("staff/layout-first/", views.StaffLayoutFirst.as_view()),
    path("staff/check-first/", views.StaffCheckFirst.as_view()),
    path("messages/", views.MessagesPage.as_view(), name="messages"),
    path("flash/", views.flash),
    path("shared/", views.SharedPage.as_view()),
    path("headline/", views.HeadlinePage.as_view()),
    path("headline/set/", views.set_headline),
]
