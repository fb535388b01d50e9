"""Pins: one meaning of ``varies_on``, seen where users meet it.

Where a strategy is declared (``TypeError`` for a malformed ``varies_on``), what a
render cached with it may read, which panels a cached page bakes in, what makes a
page private, and which strategies ``manage.py check`` warns about.
"""

import pytest
from django.contrib import messages
from django.contrib.auth.models import User
from django.contrib.sessions.backends.cache import SessionStore
from django.core import checks
from django.test import Client, RequestFactory
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import Layout, LayoutMixin, Panel, cache, report
from layouts_cbv.layout import registry as layouts
from tests.integrity.common import EVERY_PANEL, body
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

renders = []


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()


# Declared where the strategy is made.


STRING = r"varies_on is a set of names such as \{'user'\}"


def test_varies_on_given_as_a_string_is_refused_where_declared():
    with pytest.raises(TypeError, match=STRING):
        cache.custom(lambda request: "", 60, varies_on="user")
    for names in ("user", ""):
        with pytest.raises(TypeError, match=STRING):

            class Spelled(cache.PanelCacheBackend):
                varies_on = names

                def get_vary(self, request):
                    return ""


# What a render may read.


class OneEntryForAll(cache.PerUserCache):
    """Keeps PerUserCache's varies_on, but its own get_vary tells nobody apart."""

    def get_vary(self, request):
        return ""


def greets(request):
    renders.append(1)
    return f"<p>hello {request.user.username}</p>"


def test_a_strategy_whose_get_vary_does_not_declare_varies_on_may_not_read_the_user():
    View = type(
        "View",
        (PageView,),
        {"layout": EveryPanelLayout, "hi": Panel(greets, cache=OneEntryForAll(60))},
    )
    seen = []
    for name in ("alice", "bob"):
        request = RequestFactory().get("/")
        request.user, request.session = User(pk=len(seen) + 1, username=name), SessionStore()
        response = View.as_view()(request)
        response.render()
        seen.append(response.content.decode())
    assert "hello alice" in seen[0]
    assert "hello bob" in seen[1] and "alice" not in seen[1]
    assert len(renders) == 2


# What a cached page bakes in, and what makes it private.


def show_messages(request):
    return "".join(f"<p>{message}</p>" for message in messages.get_messages(request))


class Stored(LayoutMixin, TemplateView):
    layout_template = EVERY_PANEL
    template_name = "integrity/build.html"
    page_cache = cache.per_path(60)
    nav = Panel(literal="<nav>shared nav</nav>", cache=cache.sitewide(60))


class AsThePage(Stored):
    page_cache_ignore_query = True  # the page's key tells apart the path, and only that
    side = Panel(literal="<p>side</p>", cache=cache.per_path(60))


class ShowsMessages(Stored):
    flashes = Panel(show_messages)


class ReadsCookies(Stored):
    flavour = Panel(lambda request: f"<p>{request.COOKIES.get('flavour', 'none')}</p>")


class SitewidePage(Stored):
    page_cache = cache.sitewide(60)
    page_cache_ignore_query = True


urlpatterns = [
    path("as-the-page/", AsThePage.as_view()),
    path("sitewide/", SitewidePage.as_view()),
    path("messages/", ShowsMessages.as_view()),
    path("cookies/", ReadsCookies.as_view()),
]


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("url", "panel"), [("/as-the-page/", "side"), ("/sitewide/", "nav")])
def test_a_panel_that_varies_exactly_as_the_page_is_baked_into_it(client, url, panel):
    client.get(url)
    hit = client.get(url)
    states = {row["name"]: row["state"] for row in report.records(hit.wsgi_request)}
    assert states[panel] == "baked"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
@pytest.mark.parametrize("url", ["/messages/", "/cookies/"])
def test_a_page_whose_hole_reads_messages_or_cookies_is_private(url):
    client = Client()
    client.cookies["flavour"] = "mint"
    for _ in range(2):  # built, then served with its hole filled
        response = client.get(url)
        assert response.status_code == 200 and "shared nav" in body(response)
        assert "private" in response["Cache-Control"]
        assert "Cookie" in {part.strip() for part in response["Vary"].split(",")}


# manage.py check.


def ours():
    return [m for m in checks.run_checks() if m.id == "layouts_cbv.W002"]


@pytest.mark.parametrize("varies_on", [{"query"}, {"header:X-Country"}], ids=["query", "header"])
def test_check_warns_about_keys_visitors_choose_that_never_expire(varies_on):
    strategy = cache.custom(lambda request: "", None, varies_on=varies_on)

    class Unbounded(Layout):
        template = "x.html"
        search = Panel(literal="x", cache=strategy)

    try:
        [warning] = ours()
        assert warning.msg.startswith("Panel 'search' is cached with CustomCache and no timeout")
    finally:
        layouts.remove(Unbounded)


def test_check_is_quiet_about_such_keys_when_they_expire():
    # The control for the test above: the same strategies with a timeout.
    strategies = [cache.custom(lambda r: "", 60, varies_on=n) for n in ({"query"}, {"header:X"})]

    class Bounded(Layout):
        template = "x.html"
        search = Panel(literal="x", cache=strategies[0])
        country = Panel(literal="x", cache=strategies[1])

    try:
        assert ours() == []
    finally:
        layouts.remove(Bounded)
