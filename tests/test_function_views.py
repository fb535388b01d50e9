"""Function views in a layout: ``@layout`` and ``render_with_layout()``, on LayoutMixin's pipeline."""

import json
import re

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth.decorators import login_required, permission_required
from django.core import checks
from django.http import HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import redirect, render
from django.template.response import TemplateResponse
from django.test import AsyncClient, Client
from django.urls import include, path

from layouts_cbv import Layout, Panel, cache, layout, render_with_layout
from layouts_cbv.exceptions import QueueNotDeclared
from layouts_cbv.queues import add_script, add_to_queue
from tests.integrity.common import body, logged_in, logged_in_async, make_user
from tests.testapp.layouts import EveryPanelLayout

runs = []
MARKER = "MEMBERS-ONLY-CONTENT"


class ShopLayout(Layout):
    abstract = True  # keep it out of the layout registry
    template = "testapp/shop_layout.html"  # {% panel "cart" %}<p>loading the cart</p>


def nav(request):
    runs.append("nav")
    return "<nav>shared nav</nav>"


def who(request):
    add_script(request, "/static/who.js")
    return f"<p>you are {request.user.username or 'anonymous'}</p>"


def cart(request):
    return f"<p>cart of {request.user.username or 'anonymous'} on {request.path}</p>"


PANELS = {
    "nav": Panel(nav, cache=cache.sitewide(60)),  # baked into a stored page
    "account": Panel(who, cache=cache.per_user(60)),  # finer than a per-path page: a hole
}
CACHED = {"panels": PANELS, "page_cache": cache.per_path(60)}


def content(request, title):
    runs.append(title)
    return TemplateResponse(request, "testapp/content.html", {"title": title})


@layout(EveryPanelLayout, panels=PANELS)
def about(request):
    return content(request, "About")


@layout(EveryPanelLayout, panels=PANELS)
async def async_about(request):
    return content(request, "Async about")


@layout(EveryPanelLayout)
def rendered(request):
    response = render(request, "testapp/content.html", {"title": "Rendered"})
    response["X-Kept"] = "yes"
    response.set_cookie("kept", "1")
    return response


@layout(EveryPanelLayout)
def prerendered(request):
    return TemplateResponse(request, "testapp/content.html", {"title": "Prerendered"}).render()


ANSWERS = {
    "redirect": lambda: redirect("/about/"),
    "not-found": lambda: HttpResponseNotFound("<p>gone</p>"),
    "json": lambda: JsonResponse({"a": 1}),
    "text": lambda: HttpResponse("plain text", content_type="text/plain"),
}


@layout(EveryPanelLayout, panels=PANELS)
def answers(request, how):
    return ANSWERS[how]()


@layout(EveryPanelLayout, **CACHED)
def cached_page(request):
    if request.method == "POST":
        runs.append("post")
    return content(request, "Cached")


@layout(EveryPanelLayout, **CACHED)
async def async_cached_page(request):
    return content(request, "Async cached")


@layout(EveryPanelLayout, **CACHED)
def plain_cached(request):
    runs.append("plain")
    return HttpResponse("<p>plain body</p>")


@layout(EveryPanelLayout, page_cache=cache.per_path(60))
def greets_by_name(request):
    return content(request, f"hello {request.user.username or 'anonymous'}")


def shared_body(request):
    return content(request, "Shared")


# The same function in two layouts, each with a sitewide page: two pages, two keys.
shared_in_every = layout(EveryPanelLayout, page_cache=cache.sitewide(60))(shared_body)
shared_in_shop = layout(ShopLayout, page_cache=cache.sitewide(60))(shared_body)


# Access checks above @layout: they run before a stored page is served.
@login_required
@layout(EveryPanelLayout, **CACHED)
def members(request):
    return content(request, MARKER)


@login_required
@layout(EveryPanelLayout, **CACHED)
async def async_members(request):
    return content(request, MARKER)


@permission_required("auth.view_user", raise_exception=True)
@layout(EveryPanelLayout, **CACHED)
def user_admins(request):
    return content(request, MARKER)


# Without a page cache, @layout may be above the check too.
@layout(EveryPanelLayout, panels=PANELS)
@login_required
def members_layout_above(request):
    return content(request, MARKER)


@login_required
@layout(ShopLayout, panels={"cart": Panel(cart, defer=True)})
def shop(request, aisle):
    return content(request, f"Shop {aisle}")


def contact(request):
    return render_with_layout(
        request,
        "testapp/content.html",
        {"title": "Contact"},
        layout=ShopLayout,
        panels={
            "cart": Panel(cart, defer=True),
            "extra": Panel(lambda r: f"<p>extra sees {r.layout_context['from_call']}</p>"),
        },
        layout_context={"from_call": "C"},
    )


@layout(EveryPanelLayout)
def queue_typo(request):
    add_to_queue(request, "head_extra", "x")
    return content(request, "Typo")


@layout(EveryPanelLayout, panels={"inner": Panel(about)})
def host(request):
    return content(request, "Host")


@layout(EveryPanelLayout, panels={"sidebar": Panel("testapp:greting")})
def misspelled(request):
    return content(request, "Never")


urlpatterns = [
    path("about/", about),
    path("async-about/", async_about),
    path("rendered/", rendered),
    path("prerendered/", prerendered),
    path("answers/<slug:how>/", answers),
    path("cached/", cached_page),
    path("async-cached/", async_cached_page),
    path("plain-cached/", plain_cached),
    path("greets/", greets_by_name),
    path("shared/every/", shared_in_every),
    path("shared/shop/", shared_in_shop),
    path("members/", members),
    path("async-members/", async_members),
    path("user-admins/", user_admins),
    path("members-layout-above/", members_layout_above),
    path("shop/<slug:aisle>/", shop),
    path("contact/", contact),
    path("queue-typo/", queue_typo),
    path("host/", host),
    path("misspelled/", misspelled),
    path("layouts/", include("layouts_cbv.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    runs.clear()


def aget(client, url, **kwargs):
    return async_to_sync(client.get)(url, **kwargs)


# The page ----------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "title"), [("/about/", "About"), ("/async-about/", "Async about")])
def test_template_response_is_the_content_of_the_layout(client, url, title):
    response = client.get(url)
    text = body(response)
    assert response.status_code == 200
    assert f"<main><h1>{title}</h1>" in text  # the content panel, in the layout template
    assert '<section id="nav"><nav>shared nav</nav></section>' in text
    assert '<section id="account"><p>you are anonymous</p></section>' in text
    # Queue items from the content and from a panel, deduplicated, in page order.
    assert re.findall(r"<script[^>]*></script>", text) == [
        '<script src="/static/content.js"></script>',
        '<script src="/static/who.js"></script>',
    ]
    assert response.context["title"] == title  # the test client sees the view's context


def test_async_function_view_under_asgi(async_client):
    response = aget(async_client, "/async-about/")
    assert "<main><h1>Async about</h1>" in body(response)
    assert "you are anonymous" in body(response)


def test_a_rendered_http_response_is_the_content_with_its_headers_and_cookies(client):
    response = client.get("/rendered/")
    assert "<main><h1>Rendered</h1>" in body(response)
    assert '<script src="/static/content.js"></script>' in body(response)
    assert response["X-Kept"] == "yes"
    assert response.cookies["kept"].value == "1"


def test_a_template_response_rendered_already_is_the_content_too(client):
    text = body(client.get("/prerendered/"))
    assert "<main><h1>Prerendered</h1>" in text and "<script" in text


@pytest.mark.parametrize("how", list(ANSWERS))
def test_other_responses_pass_through_untouched(client, how):
    expected = ANSWERS[how]()
    response = client.get(f"/answers/{how}/")
    assert response.status_code == expected.status_code
    assert response.content == expected.content
    assert "shared nav" not in body(response)
    if how == "json":
        assert json.loads(response.content) == {"a": 1}


def test_panel_cache_serves_a_function_views_panel_from_the_cache(client):
    client.get("/about/"), client.get("/about/")
    assert runs == ["About", "nav", "About"]


def test_render_with_layout(client):
    response = client.get("/contact/")
    assert response.status_code == 200
    assert "<main><h1>Contact</h1>" in body(response)
    assert "loading the cart" in body(response)  # the deferred panel's fallback
    assert response.context["title"] == "Contact"


def test_render_with_layout_keeps_status_and_content_type(rf):
    response = render_with_layout(
        rf.get("/"),
        "testapp/content.html",
        {"title": "Accepted"},
        layout=EveryPanelLayout,
        status=202,
        content_type="application/xhtml+xml",
    )
    assert "<main><h1>Accepted</h1>" in response.render().content.decode()
    assert response.status_code == 202
    assert response["Content-Type"] == "application/xhtml+xml"


def test_render_with_layout_panels_and_layout_context_reach_the_panels(rf):
    request = rf.get("/contact/")  # not through the URLconf: no deferred reference needed
    request.user = make_user("alice")
    response = render_with_layout(
        request,
        "testapp/content.html",
        {"title": "Direct"},
        layout=EveryPanelLayout,
        panels={"extra": Panel(lambda r: f"<p>extra sees {r.layout_context['from_call']}</p>")},
        layout_context={"from_call": "C"},
    )
    text = response.render().content.decode()
    assert "<main><h1>Direct</h1>" in text
    assert '<section id="extra"><p>extra sees C</p></section>' in text


def test_render_with_layout_removes_a_layout_panel_with_none(rf):
    class WithNav(Layout):
        abstract = True
        template = "testapp/every_panel.html"
        nav = Panel(literal="<nav>layout nav</nav>")

    request = rf.get("/")
    kept = render_with_layout(request, "testapp/content.html", {"title": "T"}, layout=WithNav)
    assert "layout nav" in kept.render().content.decode()
    dropped = render_with_layout(
        rf.get("/"), "testapp/content.html", {"title": "T"}, layout=WithNav, panels={"nav": None}
    )
    assert "layout nav" not in dropped.render().content.decode()


def test_a_function_view_rendered_as_a_panel_is_its_content_only(client):
    text = body(client.get("/host/"))
    assert '<section id="inner"><h1>About</h1>' in text
    assert text.count("<main>") == 1


def test_an_undeclared_queue_in_a_function_view_raises_naming_the_declared_ones(client):
    with pytest.raises(QueueNotDeclared, match="its queues are 'scripts', 'styles'"):
        client.get("/queue-typo/")


# Page cache -------------------------------------------------------------------------


def visitors(asynchronous):
    """Return alice, bob and an anonymous visitor, each a client of its own, and how to GET."""
    if asynchronous:
        clients = (logged_in_async("alice"), logged_in_async("bob"), AsyncClient())
        return dict(zip(NAMES, clients, strict=True)), aget
    clients = (logged_in("alice"), logged_in("bob"), Client())
    return dict(zip(NAMES, clients, strict=True)), Client.get


NAMES = ("alice", "bob", "anonymous")


@pytest.mark.parametrize("url", ["/cached/", "/async-cached/"])
def test_per_user_hole_on_a_cached_page_never_crosses_visitors(url):
    clients, get = visitors(url.startswith("/async"))
    for _ in range(2):
        for name, client in clients.items():
            text = body(get(client, url))
            assert f"you are {name}" in text
            for other in set(NAMES) - {name}:
                assert f"you are {other}" not in text, f"{name} was served {other}'s panel"
    # The view ran once; every other visit was the stored page with its hole filled.
    assert len([run for run in runs if run != "nav"]) == 1
    assert runs.count("nav") == 1


def test_a_rendered_http_response_is_stored_and_served(client):
    first, second = client.get("/plain-cached/"), client.get("/plain-cached/")
    assert body(first) == body(second)
    assert "<main><p>plain body</p></main>" in body(second)
    assert runs.count("plain") == 1


def test_post_and_head_of_a_cached_function_view(client):
    client.get("/cached/")
    assert client.head("/cached/").status_code == 200
    assert runs.count("Cached") == 1  # HEAD was served from the stored page
    response = client.post("/cached/")
    assert "<main><h1>Cached</h1>" in body(response)  # laid out, never from the cache
    client.post("/cached/")
    assert runs.count("post") == 2


def test_a_function_view_reading_the_user_is_not_stored(caplog):
    alice = body(logged_in("alice").get("/greets/"))
    bob = body(logged_in("bob").get("/greets/"))
    assert "hello alice" in alice and "hello bob" in bob and "hello alice" not in bob
    assert runs == ["hello alice", "hello bob"]
    assert "page of greets_by_name" in caplog.text


def test_one_function_in_two_layouts_has_two_pages(client):
    every, shop_ = body(client.get("/shared/every/")), body(client.get("/shared/shop/"))
    assert "<main><h1>Shared</h1>" in every and "loading the cart" not in every
    assert "loading the cart" in shop_
    assert body(client.get("/shared/shop/")) == shop_
    assert runs == ["Shared", "Shared"]


# Access checks ------------------------------------------------------------------------


def is_login_redirect(response):
    return response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("url", ["/members/", "/async-members/"])
def test_login_required_above_layout_refuses_anonymous_after_a_member_warmed_the_page(url):
    clients, get = visitors(url.startswith("/async"))
    for _ in range(2):
        assert MARKER in body(get(clients["alice"], url))
    assert runs.count(MARKER) == 1, "the page was not stored, so this test would prove nothing"
    response = get(clients["anonymous"], url)
    assert MARKER not in body(response), "anonymous visitor was served the members' page"
    assert is_login_redirect(response)
    assert MARKER in body(get(clients["bob"], url)) and runs.count(MARKER) == 1


def test_permission_required_above_layout_refuses_a_user_without_it():
    allowed = logged_in("carol", perms=["view_user"])
    allowed.get("/user-admins/"), allowed.get("/user-admins/")
    assert runs.count(MARKER) == 1
    response = logged_in("bob").get("/user-admins/")
    assert response.status_code == 403 and MARKER not in body(response)


def test_layout_above_login_required_without_a_page_cache_redirects(client):
    assert is_login_redirect(client.get("/members-layout-above/"))
    assert MARKER in body(logged_in("alice").get("/members-layout-above/"))


def test_layout_with_a_page_cache_above_another_decorator_is_refused():
    with pytest.raises(TypeError, match="a stored page would be served before that decorator"):

        @layout(EveryPanelLayout, page_cache=cache.per_path(60))
        @login_required
        def unsafe(request):
            return content(request, MARKER)


# Deferred panels ------------------------------------------------------------------------

PLACEHOLDER = re.compile(r'<div data-layouts-deferred="([^"]+)" hx-get=')


def reference(text):
    return PLACEHOLDER.search(text).group(1).replace("&amp;", "&")


def test_deferred_panel_of_a_decorated_function_view_runs_its_checks():
    alice = logged_in("alice")
    url = reference(body(alice.get("/shop/fruit/")))
    response = alice.get(url)
    assert response.status_code == 200
    assert body(response) == "<p>cart of alice on /shop/fruit/</p>"
    assert is_login_redirect(Client().get(url))  # the page's own answer: log in first


def test_deferred_panel_of_a_render_with_layout_view(client):
    client.force_login(make_user("alice"))
    url = reference(body(client.get("/contact/")))
    response = client.get(url)
    assert response.status_code == 200
    assert body(response) == "<p>cart of alice on /contact/</p>"


def test_a_deferred_reference_for_one_function_view_fails_on_another(client):
    client.force_login(make_user("alice"))
    url = reference(body(client.get("/contact/")))
    token = url.split("ref=")[1]
    from django.core import signing

    from layouts_cbv.deferred import SALT

    payload = signing.loads(token, salt=SALT)
    payload["path"] = "/about/"
    forged = url.split("ref=")[0] + "ref=" + signing.dumps(payload, salt=SALT, compress=True)
    assert client.get(forged).status_code == 400


# System checks --------------------------------------------------------------------------


def test_checks_see_a_routed_function_views_panels():
    messages = [
        m for m in checks.run_checks(tags=[checks.Tags.urls]) if m.id.startswith("layouts_cbv.")
    ]
    assert [(m.id, m.msg) for m in messages] == [
        (
            "layouts_cbv.E003",
            "Panel 'sidebar' of view tests.test_function_views.misspelled refers to "
            "'testapp:greting', which is neither a registered panel nor a URL name.",
        )
    ]


# Declaration errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: layout(about), "takes a Layout subclass"),
        (lambda: layout(EveryPanelLayout, panels={"nav": "x"}), "must map names to Panel"),
        (lambda: layout(EveryPanelLayout, panels={"content": Panel(literal="x")}), "'content'"),
    ],
)
def test_declaration_mistakes_raise_where_declared(call, message):
    with pytest.raises(TypeError, match=message):
        call()
