"""Pins: every way of reading the request that the guard documents is noted.

tests/integrity/test_reads.py covers the usual reads; these pin the other doors to
the same inputs: the query through ``get_full_path()`` and ``getlist()``, cookies
through ``in`` and iteration, the Cookie header, writing to the session, counting and
adding messages, the host behind a proxy, a header read through ``META``, and the user
loaded lazily while a page is watched. Each is checked through real requests: who
sees what, how often the panel or page was built, and the response's headers.
"""

import pytest
from django.contrib import messages
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache

from .integrity.common import EVERY_PANEL, body, logged_in

renders = []
builds = []


def box_page(name, reader, strategy, **attrs):
    """A page with one panel, ``box``, that shows ``[what reader read]``."""

    def box(request):
        renders.append(name)
        return f"<p>[{reader(request)}]</p>"

    return type(
        f"{name.title().replace('_', '')}Page",
        (LayoutMixin, TemplateView),
        {
            "__module__": __name__,
            "layout_template": EVERY_PANEL,
            "template_name": "integrity/build.html",
            "box": Panel(box, cache=strategy),
            **attrs,
        },
    )


def add_welcome(request):
    messages.info(request, "welcome back")
    return "box"


def write_to_session(request):
    request.session["saw_box"] = "yes"
    return "box"


by_country = cache.custom(
    lambda request: request.headers.get("X-Country", ""), 60, varies_on={"header:X-Country"}
)
SHARED = {
    "full_path": lambda r: r.get_full_path(),
    "query_string": lambda r: r.META.get("QUERY_STRING", ""),
    "getlist": lambda r: ",".join(r.GET.getlist("tag")),
    "has_cookie": lambda r: "yes" if "flavour" in r.COOKIES else "no",
    "cookie_names": lambda r: ",".join(name for name in r.COOKIES if name != "csrftoken"),
    "message_count": lambda r: len(messages.get_messages(r)),
    "writes_session": write_to_session,
    "adds_message": add_welcome,
}
PAGES = {name: box_page(name, reader, cache.sitewide(60)) for name, reader in SHARED.items()}
PAGES["per_host_forwarded"] = box_page(
    "per_host_forwarded", lambda r: r.get_host(), cache.per_host(60)
)
PAGES["per_host_scheme"] = box_page(
    "per_host_scheme", lambda r: r.build_absolute_uri("/"), cache.per_host(60)
)
PAGES["country_meta"] = box_page("country_meta", lambda r: r.META.get("HTTP_X_COUNTRY"), by_country)
PAGES["cookie_header_hole"] = box_page(
    "cookie_header_hole",
    lambda r: r.headers.get("Cookie", "").count("flavour="),
    None,
    page_cache=cache.per_path(60),
    nav=Panel(literal="<nav>shared nav</nav>", cache=cache.sitewide(60)),
)


class UserPage(LayoutMixin, TemplateView):
    """A page cached per user whose layout shows the user, loaded lazily."""

    layout_template = "integrity/layout_user.html"
    template_name = "integrity/build.html"
    page_cache = cache.per_user(60)

    def get_context_data(self, **kwargs):
        builds.append(1)
        return {"build": len(builds)}


def flash(request):
    messages.info(request, "one message")
    return HttpResponse("flashed")


def show_messages(request):
    return HttpResponse(" | ".join(str(m) for m in messages.get_messages(request)))


urlpatterns = [
    *(path(f"{name}/", view.as_view()) for name, view in PAGES.items()),
    path("user-page/", UserPage.as_view()),
    path("flash/", flash),
    path("messages/", show_messages),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()
    builds.clear()


def client_with_cookies(**cookies):
    client = Client()
    for name, value in cookies.items():
        client.cookies[name] = value
    return client


def shown(response):
    assert response.status_code == 200
    return body(response).split('<section id="box">')[1].split("</section>")[0]


def assert_each_sees_their_own(url, visitors):
    """Visit with each (client, extra, expected) twice in turn: each sees only theirs."""
    for _ in range(2):
        for client, extra, expected in visitors:
            assert shown(client.get(url, **extra)) == f"<p>[{expected}]</p>"


@pytest.mark.parametrize("name", ["full_path", "query_string"])
def test_a_shared_panel_reading_the_query_string_from_meta_is_not_stored(name):
    expected = {"full_path": "/full_path/?q={}", "query_string": "q={}"}[name]
    visitors = [
        (Client(), {"QUERY_STRING": f"q={q}"}, expected.format(q)) for q in ("alpha", "beta")
    ]
    assert_each_sees_their_own(f"/{name}/", visitors)
    assert len(renders) == 4


def test_a_shared_panel_reading_getlist_of_the_query_is_not_stored():
    visitors = [(Client(), {"QUERY_STRING": f"tag={tag}"}, tag) for tag in ("red", "blue")]
    assert_each_sees_their_own("/getlist/", visitors)
    assert len(renders) == 4


def test_a_shared_panel_testing_for_a_cookie_is_not_stored():
    visitors = [(client_with_cookies(flavour="mint"), {}, "yes"), (Client(), {}, "no")]
    assert_each_sees_their_own("/has_cookie/", visitors)
    assert len(renders) == 4


def test_a_shared_panel_listing_cookie_names_is_not_stored():
    visitors = [
        (client_with_cookies(vanilla="1"), {}, "vanilla"),
        (client_with_cookies(mint="1"), {}, "mint"),
    ]
    assert_each_sees_their_own("/cookie_names/", visitors)
    assert len(renders) == 4


def test_a_page_whose_hole_reads_the_cookie_header_is_private():
    client = client_with_cookies(flavour="mint")
    for _ in range(2):  # built, then served with the hole filled
        response = client.get("/cookie_header_hole/")
        assert shown(response) == "<p>[1]</p>"
        assert "private" in response["Cache-Control"]
        assert "Cookie" in {part.strip() for part in response["Vary"].split(",")}


def test_a_shared_panel_that_writes_to_the_session_writes_it_for_every_visitor():
    for client in (Client(), Client()):
        assert shown(client.get("/writes_session/")) == "<p>[box]</p>"
        assert client.session.get("saw_box") == "yes", "the panel came from the cache"
    assert len(renders) == 2


def test_a_shared_panel_counting_messages_is_not_stored():
    flashed = Client()
    flashed.get("/flash/")
    assert_each_sees_their_own("/message_count/", [(flashed, {}, 1), (Client(), {}, 0)])
    assert len(renders) == 4


def test_a_shared_panel_that_adds_a_message_adds_it_for_every_visitor():
    for client in (Client(), Client()):
        assert shown(client.get("/adds_message/")) == "<p>[box]</p>"
        assert body(client.get("/messages/")) == "welcome back", "the panel came from the cache"
    assert len(renders) == 2


def test_a_per_host_panel_behind_a_proxy_that_forwards_the_host_is_stored_per_host(settings):
    settings.USE_X_FORWARDED_HOST = True
    settings.ALLOWED_HOSTS = ["testserver", "a.test", "b.test"]
    visitors = [(Client(), {"HTTP_X_FORWARDED_HOST": host}, host) for host in ("a.test", "b.test")]
    assert_each_sees_their_own("/per_host_forwarded/", visitors)
    assert sorted(renders) == ["per_host_forwarded"] * 2  # once per host


def test_a_per_host_panel_behind_a_proxy_that_tells_the_scheme_is_stored_per_host(settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.ALLOWED_HOSTS = ["testserver", "a.test", "b.test"]
    visitors = [
        (Client(), {"HTTP_HOST": host, "HTTP_X_FORWARDED_PROTO": "https"}, f"https://{host}/")
        for host in ("a.test", "b.test")
    ]
    assert_each_sees_their_own("/per_host_scheme/", visitors)
    assert len(renders) == 2  # once per host


def test_a_panel_that_varies_on_a_header_may_read_it_through_meta():
    visitors = [(Client(), {"HTTP_X_COUNTRY": country}, country) for country in ("FR", "DE")]
    assert_each_sees_their_own("/country_meta/", visitors)
    assert len(renders) == 2  # once per country


def test_a_page_cached_per_user_may_load_the_user_it_shows():
    alice = logged_in(User.objects.create_user("alice"))
    # The first visit loads the user to check the session's claim (outside the watch)
    # and records it; later misses take the claim and load the user while watched.
    assert "<header>[alice]</header>" in body(alice.get("/user-page/?first=1"))
    for _ in range(3):
        assert "<header>[alice]</header>" in body(alice.get("/user-page/"))
    assert len(builds) == 2, "loading the user was taken for reading the session"


def test_a_shared_panel_that_shows_the_scheme_is_not_stored():
    from django.test import override_settings
    from django.urls import path

    from layouts_cbv import Panel, cache
    from tests.testapp.layouts import EveryPanelLayout
    from tests.testapp.views import PageView

    View = type(
        "View",
        (PageView,),
        {
            "layout": EveryPanelLayout,
            "box": Panel(lambda r: f"[{r.scheme}]", cache=cache.sitewide(60)),
        },
    )
    urls = type("urls", (), {"urlpatterns": [path("scheme/", View.as_view())]})
    with override_settings(ROOT_URLCONF=urls):
        assert "[https]" in Client().get("/scheme/", secure=True).content.decode()
        assert "[http]" in Client().get("/scheme/").content.decode()
