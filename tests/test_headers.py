"""Headers that downstream caches obey: Vary, Cache-Control and cookies of the parts."""

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import path
from django.utils.cache import has_vary_header
from django.views.decorators.cache import cache_page

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

renders = []


def plain(request):
    renders.append(1)
    return "<p>plain</p>"


def greeting(request):
    return f"<p>signed in as {request.user.username or 'nobody'}</p>"


def with_headers(**headers):
    def panel(request):
        renders.append(1)
        response = HttpResponse("<p>headers</p>")
        for name, value in headers.items():
            response[name.replace("_", "-")] = value
        return response

    return panel


def cookie_setter(request):
    renders.append(1)
    response = HttpResponse("<p>cookie</p>")
    response.set_cookie("seen_promo", "1")
    return response


def view(**panels):
    return type("View", (PageView,), {"layout": EveryPanelLayout, **panels})


def get(View, user=None):
    # No session middleware here: it adds Vary: Cookie by itself and would hide bugs.
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    response = View.as_view()(request)
    if hasattr(response, "render"):  # not a page served whole from the page cache
        response.render()
    return response


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()


@pytest.mark.parametrize(
    ("panel", "varies"),
    [
        (Panel(plain, cache=cache.sitewide(60)), False),
        (Panel(plain), False),
        (Panel(plain, cache=cache.per_user(60)), True),
        (Panel(plain, cache=cache.per_session(60)), True),
        (Panel(plain, cache=cache.custom(lambda r: "k", 60, varies_on={"user"})), True),
        (Panel(greeting), True),  # uncached, but it read the user
        (Panel(plain, condition=lambda r: r.user.is_authenticated), True),
        # cached for everyone, but whether it shows depends on the visitor
        (Panel(plain, cache=cache.sitewide(60), condition=lambda r: r.user.is_anonymous), True),
    ],
)
def test_vary_cookie_when_any_part_depends_on_the_visitor(panel, varies):
    View = view(box=panel)
    for _ in range(2):  # on the miss and on the hit
        assert has_vary_header(get(View), "Cookie") is varies


def test_vary_counts_every_part_not_only_the_first():
    View = view(
        shared=Panel(plain, cache=cache.sitewide(60)),
        mine=Panel(plain, cache=cache.per_user(60)),
        local=Panel(plain, cache=cache.custom(lambda r: "", 60, varies_on={"header:X-Country"})),
    )
    for _ in range(2):  # on the miss and on the hit
        response = get(View)
        assert has_vary_header(response, "Cookie") and has_vary_header(response, "X-Country")


def test_a_cached_panel_not_on_the_page_does_not_vary_it():
    # Its entries depend on the visitor, but its condition (which reads nothing) keeps
    # it off the page: only what is shown, and what decided that, varies the page.
    View = view(
        shared=Panel(plain, cache=cache.sitewide(60)),
        hidden=Panel(plain, cache=cache.per_user(60), condition=lambda request: False),
    )
    for _ in range(2):  # on the miss and on the hit
        assert not has_vary_header(get(View), "Cookie")


@pytest.mark.parametrize("page_cache", [None, cache.per_path(60)])
def test_vary_lists_only_real_header_names(page_cache):
    View = view(box=Panel(plain, cache=cache.per_user(60)), page_cache=page_cache)
    for _ in range(2):  # on the miss and on the hit
        assert get(View)["Vary"] == "Cookie"  # not ", Cookie"
    assert "Vary" not in get(view(box=Panel(plain)))


def test_panel_vary_headers_are_merged_on_miss_and_hit():
    View = view(box=Panel(with_headers(Vary="Accept-Language"), cache=cache.sitewide(60)))
    first, second = get(View), get(View)
    assert len(renders) == 1
    for response in (first, second):
        assert has_vary_header(response, "Accept-Language")


@pytest.mark.parametrize("directive", ["private", "no-store"])
def test_private_or_no_store_panel_makes_the_page_so(directive):
    View = view(box=Panel(with_headers(Cache_Control=directive), cache=cache.per_user(60)))
    response = get(View)
    assert directive in response["Cache-Control"]


def test_a_private_panel_baked_into_a_stored_page_keeps_it_private_on_a_hit():
    View = view(
        box=Panel(with_headers(Cache_Control="private"), cache=cache.sitewide(60)),
        page_cache=cache.per_path(60),
    )
    first, second = get(View), get(View)
    assert len(renders) == 1  # the second came from the stored page
    for response in (first, second):
        directives = {part.split("=")[0].strip() for part in response["Cache-Control"].split(",")}
        assert "private" in directives and "max-age" in directives


def test_no_store_panel_is_not_stored():
    View = view(box=Panel(with_headers(Cache_Control="no-store"), cache=cache.sitewide(60)))
    get(View), get(View)
    assert len(renders) == 2


def test_private_panel_stays_private_on_a_hit():
    View = view(box=Panel(with_headers(Cache_Control="private"), cache=cache.per_user(60)))
    get(View)
    assert "private" in get(View)["Cache-Control"] and len(renders) == 1


def test_cookies_of_a_panel_apply_only_when_it_renders_fresh():
    View = view(box=Panel(cookie_setter, cache=cache.sitewide(60)))
    assert get(View).cookies["seen_promo"].value == "1"
    assert "seen_promo" not in get(View).cookies


Account = view(account=Panel(greeting, cache=cache.per_user(60)))
urlpatterns = [path("cached/", cache_page(60)(Account.as_view())), path("site/", Account.as_view())]


@pytest.fixture
def users(db):
    return User.objects.create_user("alice", password="pw"), User.objects.create_user(
        "bob", password="pw"
    )


def clients_for(client_class, users):
    found = []
    for user in users:
        client = client_class()
        client.force_login(user)
        found.append((user.username, client))
    return found


def assert_each_sees_only_their_name(logged_in, url):
    for name, client in logged_in:
        body = client.get(url).content.decode()
        assert f"signed in as {name}" in body
        assert all(f"signed in as {other}" not in body for other, _ in logged_in if other != name)


@pytest.mark.urls(__name__)
def test_cache_page_never_serves_one_users_page_to_another(users):
    logged_in = clients_for(Client, users)
    anonymous = Client()
    for _ in range(3):
        assert_each_sees_only_their_name(logged_in, "/cached/")
        assert "signed in as nobody" in anonymous.get("/cached/").content.decode()


@pytest.mark.urls(__name__)
def test_site_cache_middleware_never_serves_one_users_page_to_another(users, settings):
    settings.MIDDLEWARE = [
        "django.middleware.cache.UpdateCacheMiddleware",
        *settings.MIDDLEWARE,
        "django.middleware.cache.FetchFromCacheMiddleware",
    ]
    settings.CACHE_MIDDLEWARE_SECONDS = 60
    logged_in = clients_for(Client, users)
    for _ in range(3):
        assert_each_sees_only_their_name(logged_in, "/site/")
