"""Helpers shared by the tests."""

from django.test import RequestFactory


def render(view_class, path="/", method="get", **initkwargs):
    """Call a view class on a RequestFactory request and return its rendered response."""
    request = getattr(RequestFactory(), method)(path)
    response = view_class.as_view(**initkwargs)(request)
    if hasattr(response, "render"):
        response.render()
    return response


def text(response):
    return response.content.decode()
