"""Cached panels with {% csrf_token %} stay valid for every visitor."""

import re

import pytest
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.views.decorators.csrf import csrf_protect

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

renders = []


def form_panel(request):
    from django.shortcuts import render

    renders.append(1)
    return render(request, "testapp/csrf_form.html")


@csrf_protect
def submit(request):
    return HttpResponse("accepted")


STRATEGIES = {
    "sitewide": cache.sitewide(60),
    "per_path": cache.per_path(60),
    "per_user": cache.per_user(60),
    "per_session": cache.per_session(60),
}
VIEWS = {
    name: type(
        f"Form{name}",
        (PageView,),
        {"layout": EveryPanelLayout, "csrfform": Panel(form_panel, cache=strategy)},
    )
    for name, strategy in STRATEGIES.items()
}
urlpatterns = [path(f"{name}/", view.as_view()) for name, view in VIEWS.items()]
urlpatterns.append(path("submit/", submit))

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def load_and_post(client, page):
    response = client.get(page)
    [token] = TOKEN.findall(response.content.decode())
    posted = client.post("/submit/", {"csrfmiddlewaretoken": token})
    return response, token, posted


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = __name__
    renders.clear()


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_second_visitor_of_a_cached_form_gets_a_token_of_their_own(strategy):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    _, first_token, first_post = load_and_post(first, f"/{strategy}/")
    page, second_token, second_post = load_and_post(second, f"/{strategy}/")
    if strategy != "per_session":  # two new sessions are two entries; the rest share one
        assert len(renders) == 1, "the second page should have come from the cache"
    assert first_post.status_code == 200 and second_post.status_code == 200
    assert second_token != first_token
    assert "csrftoken" in page.cookies  # set on the page that used the token, as Django does
    assert "layouts_cbv" not in page.content.decode()


def test_every_hit_gets_a_fresh_mask_of_the_same_visitors_secret():
    client = Client(enforce_csrf_checks=True)
    tokens = {load_and_post(client, "/sitewide/")[1] for _ in range(3)}
    assert len(tokens) == 3
    assert load_and_post(client, "/sitewide/")[2].status_code == 200
