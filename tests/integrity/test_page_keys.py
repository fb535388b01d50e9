"""Page keys are unambiguous, and a cold page costs one cache read.

* A path that holds an encoded ``?`` (``/a%3Fb=1``: ``request.path`` is ``/a?b=1``,
  no query) is not the path ``/a`` with the query ``b=1``.
* One view class routed twice with different ``as_view()`` arguments is two pages.
* Nor can a path that holds an encoded ``%`` or ``#`` pass for another path, or for a
  path plus ``as_view()`` arguments; two views of the same name in different modules
  are two pages; a page is stored under exactly ``layouts:page:{view}:{vary}``.
* A cold request of a page-cached view reads the page and all its cached panels in
  one ``get_many`` (DESIGN: one per alias per page, hit or miss alike).
"""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import path, re_path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from tests.cache import counting

from .common import EVERY_PANEL, body

builds = []


class Counted(TemplateView):
    template_name = "integrity/build.html"

    def get_context_data(self, **kwargs):
        builds.append(type(self).__name__)
        return {"build": len(builds)}


def view(name, page_cache, **attrs):
    return type(
        name,
        (LayoutMixin, Counted),
        {
            "__module__": __name__,
            "layout_template": EVERY_PANEL,
            "page_cache": page_cache,
            **attrs,
        },
    )


def nav(request):
    return "<nav>nav</nav>"


def side(request):
    return "<p>side</p>"


def clock(request):
    return f"<p>clock {len(builds)}</p>"


AnyPathUnderA = view("AnyPathUnderA", cache.per_path(60))
AnyPathUnderB = view("AnyPathUnderB", cache.per_path(60))
Twin = view("Twin", cache.sitewide(60), template_name="integrity/page_one.html")
TwinElsewhere = type(
    "Twin",
    (LayoutMixin, Counted),
    {
        "__module__": "tests.integrity.elsewhere",
        "layout_template": EVERY_PANEL,
        "template_name": "integrity/page_two.html",
        "page_cache": cache.sitewide(60),
    },
)
TwoRoutes = view("TwoRoutes", cache.sitewide(60))
ThreePanels = view(
    "ThreePanels",
    cache.per_path(60),
    nav=Panel(nav, cache=cache.sitewide(60)),
    side=Panel(side, cache=cache.per_path(60)),
    clock=Panel(clock),
)

urlpatterns = [
    path("one/", TwoRoutes.as_view(template_name="integrity/page_one.html")),
    path("two/", TwoRoutes.as_view(template_name="integrity/page_two.html")),
    path("three/", ThreePanels.as_view()),
    path("b/", AnyPathUnderB.as_view(template_name="integrity/page_one.html")),
    re_path(r"^b/", AnyPathUnderB.as_view()),
    path("twin-one/", Twin.as_view()),
    path("twin-two/", TwinElsewhere.as_view()),
    re_path(r"^a", AnyPathUnderA.as_view()),  # last: it matches every path starting with a
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    builds.clear()


def test_a_path_with_an_encoded_question_mark_is_not_that_path_with_a_query(client):
    encoded = client.get("/a%3Fb=1")
    assert encoded.wsgi_request.path == "/a?b=1"
    assert encoded.wsgi_request.META["QUERY_STRING"] == ""
    assert "build 1" in body(encoded)
    with_query = client.get("/a?b=1")
    assert with_query.wsgi_request.path == "/a"
    assert with_query.wsgi_request.META["QUERY_STRING"] == "b=1"
    assert "build 1" not in body(with_query), "/a?b=1 was served the page of /a%3Fb=1"
    assert "build 2" in body(with_query)
    # Each is stored under its own key.
    assert "build 1" in body(client.get("/a%3Fb=1"))
    assert "build 2" in body(client.get("/a?b=1"))
    assert len(builds) == 2


def test_one_view_routed_twice_with_different_as_view_arguments_is_two_pages(client):
    for _ in range(2):
        one, two = body(client.get("/one/")), body(client.get("/two/"))
        assert "PAGE-ONE" in one and "PAGE-TWO" not in one
        assert "PAGE-TWO" in two and "PAGE-ONE" not in two, "/two/ was served /one/'s page"
    assert len(builds) == 2


def test_a_cold_page_reads_the_cache_once_and_checks_the_locks_it_took_once(settings):
    settings.CACHES = {"default": {"BACKEND": "tests.cache.counting.CountingLocMemCache"}}
    caches["default"].clear()
    counting.calls.clear(), counting.keys_read.clear()
    response = Client().get("/three/")
    assert response.status_code == 200
    assert all(part in body(response) for part in ("<nav>nav</nav>", "<p>side</p>", "clock"))
    # One read for the page, its epoch and every panel; then, having locked its two
    # cold panels, one more look at just those (someone may have published them since).
    assert counting.calls["get_many"] == 2, dict(counting.calls)
    assert any(key.startswith("layouts:page:") for key in counting.keys_read)


def test_a_page_cache_miss_with_warm_panels_reads_the_cache_once(settings):
    settings.CACHES = {"default": {"BACKEND": "tests.cache.counting.CountingLocMemCache"}}
    caches["default"].clear()
    Client().get("/three/")  # warms the panels and stores the page
    caches["default"].delete_many([k for k in list(caches["default"]._cache) if ":page:" in k])
    counting.calls.clear()
    Client().get("/three/")
    assert counting.calls["get_many"] == 1, dict(counting.calls)


def test_a_path_with_an_encoded_percent_sign_is_not_another_encoded_path(client):
    question = client.get("/a%3F")  # request.path is /a?
    percent = client.get("/a%253F")  # request.path is /a%3F
    assert question.wsgi_request.path == "/a?" and percent.wsgi_request.path == "/a%3F"
    assert "build 1" in body(question)
    assert "build 2" in body(percent), "/a%3F was served the page of /a?"
    assert "build 1" in body(client.get("/a%3F")) and "build 2" in body(client.get("/a%253F"))


def test_a_path_holding_a_hash_sign_is_not_a_page_with_as_view_arguments(settings):
    settings.CACHES = {"default": {"BACKEND": "tests.cache.counting.CountingLocMemCache"}}
    caches["default"].clear()
    counting.keys_read.clear()
    client = Client()
    assert "PAGE-ONE" in body(client.get("/b/"))  # as_view(template_name=...) at /b/
    [key] = [key for key in counting.keys_read if key.startswith("layouts:page:")]
    arguments = key.rsplit("#", 1)[1]  # the page key names the arguments after a #
    lookalike = client.get(f"/b/%23{arguments}")  # the other route, without arguments
    assert lookalike.wsgi_request.path == f"/b/#{arguments}"
    assert "PAGE-ONE" not in body(lookalike), "a path was served a page of other arguments"
    assert "build 2" in body(lookalike)


def test_views_of_the_same_name_in_different_modules_are_two_pages(client):
    for _ in range(2):
        one, two = body(client.get("/twin-one/")), body(client.get("/twin-two/"))
        assert "PAGE-ONE" in one and "PAGE-TWO" not in one
        assert "PAGE-TWO" in two and "PAGE-ONE" not in two, "a namesake's page was served"
    assert len(builds) == 2


def test_a_page_is_stored_under_its_documented_key(client):
    client.get("/three/")
    assert caches["default"].get(f"layouts:page:{__name__}.ThreePanels:/three/") is not None
    client.get("/twin-one/")  # sitewide, without as_view() arguments: no vary at all
    assert caches["default"].get(f"layouts:page:{__name__}.Twin") is not None
