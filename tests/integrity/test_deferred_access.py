"""The deferred-panel endpoint checks like the page does.

A deferred panel's reference is signed, but it is not a permission: anyone who gets
the URL (a shared link, a cached page, a proxy log) can ask for it. The endpoint must
run the page view's dispatch chain (its access checks) and its object lookup before it
renders the one panel, and answer every malformed reference with 400, logged without
a traceback, never with a 500.
"""

import copy
import logging
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.contrib.auth.models import User
from django.core import signing
from django.http import HttpResponse
from django.test import Client
from django.urls import include, path
from django.views.generic import DetailView, TemplateView

from layouts_cbv import LayoutMixin, Panel

from .common import SHOP_LAYOUT, body, logged_in, make_user

SALT = "layouts_cbv.deferred"
SECRET = "DEFERRED-SECRET"
panel_calls = []


def secret(request):
    panel_calls.append(request.path)
    return f"<p>{SECRET}</p>"


def shop(name, *bases, **attrs):
    """A page with a deferred panel (attributes set on the class itself: LayoutMixin's
    None defaults would hide them on a base that comes after it)."""
    return type(
        name,
        bases,
        {
            "__module__": __name__,
            "layout_template": SHOP_LAYOUT,
            "template_name": "testapp/content.html",
            "extra_context": {"title": "Shop"},
            "cart": Panel(secret, defer=True),
            **attrs,
        },
    )


class StaffOnly(UserPassesTestMixin):
    def test_func(self):
        return self.request.user.is_staff


def owned_users(self):
    if not self.request.user.is_authenticated:
        return User.objects.none()
    return User.objects.filter(pk=self.request.user.pk)


VIEWS = {
    "staff/layout_first": shop("StaffShopLayoutFirst", LayoutMixin, StaffOnly, TemplateView),
    "staff/check_first": shop("StaffShopCheckFirst", StaffOnly, LayoutMixin, TemplateView),
    "members/layout_first": shop(
        "MembersShopLayoutFirst", LayoutMixin, LoginRequiredMixin, TemplateView
    ),
    "members/check_first": shop(
        "MembersShopCheckFirst", LoginRequiredMixin, LayoutMixin, TemplateView
    ),
    "public": shop("PublicShop", LayoutMixin, TemplateView),
}
# References name the view by its dotted path: make each importable from this module.
globals().update((view.__name__, view) for view in VIEWS.values())


async def async_get(self, request, *args, **kwargs):
    return self.render_to_response(self.get_context_data(**kwargs))


def answers_without_a_layout(self, request, *args, **kwargs):
    return HttpResponse(f"<p>{SECRET}</p>")  # a JSON branch, a download: not a layout page


AsyncShop = shop("AsyncShop", LayoutMixin, TemplateView, get=async_get)
NoLayoutAnswer = shop("NoLayoutAnswer", LayoutMixin, TemplateView, get=answers_without_a_layout)
plain_views = []


class PlainPage(TemplateView):
    """A page without LayoutMixin: no reference can name it."""

    template_name = "testapp/content.html"

    def get_context_data(self, **kwargs):
        plain_views.append(self.request.path)
        return super().get_context_data(**kwargs)


OwnerShop = shop(
    "OwnerShop",
    LayoutMixin,
    DetailView,
    template_name="integrity/owner.html",
    get_queryset=owned_users,
)

urlpatterns = [
    *(path(f"{name}/", view.as_view()) for name, view in VIEWS.items()),
    path("owned/<int:pk>/", OwnerShop.as_view()),
    path("async/", AsyncShop.as_view()),
    path("no-layout/", NoLayoutAnswer.as_view()),
    path("plain/", PlainPage.as_view()),
    path("layouts/", include("layouts_cbv.urls")),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]

PLACEHOLDER = re.compile(r'<div data-layouts-deferred="([^"]+)"')


@pytest.fixture(autouse=True)
def _reset():
    panel_calls.clear()
    plain_views.clear()


def deferred_url(client, page):
    response = client.get(page)
    assert response.status_code == 200
    found = PLACEHOLDER.search(body(response))
    assert found, "the page has no deferred placeholder"
    assert panel_calls == []  # not rendered with the page
    return found.group(1).replace("&amp;", "&")


def is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)


def assert_refused(response, status, what="for a visitor the page refuses"):
    assert SECRET not in body(response), f"the panel was rendered {what}"
    assert panel_calls == [], f"the panel was rendered {what} (and its output thrown away)"
    assert response.status_code == status, f"got {response.status_code}, want {status}"


def assert_served(client, url):
    response = client.get(url)
    assert response.status_code == 200 and SECRET in body(response)
    panel_calls.clear()


@pytest.mark.parametrize("order", ["layout_first", "check_first"])
def test_deferred_panel_of_a_staff_page_is_refused_to_a_non_staff_user(order):
    staff = logged_in("boss", staff=True)
    url = deferred_url(staff, f"/staff/{order}/")
    assert_served(staff, url)
    assert_refused(logged_in("bob").get(url), 403)
    anonymous = Client().get(url)
    assert_refused(anonymous, 302)
    assert is_login_redirect(anonymous)


@pytest.mark.parametrize("order", ["layout_first", "check_first"])
def test_deferred_panel_of_a_members_page_redirects_anonymous_to_login(order):
    member = logged_in("alice")
    url = deferred_url(member, f"/members/{order}/")
    assert_served(member, url)
    response = Client().get(url)
    assert_refused(response, 302)
    assert is_login_redirect(response)


def test_deferred_panel_of_an_owner_only_page_is_refused_to_another_user():
    alice = make_user("alice")
    owner = logged_in(alice)
    url = deferred_url(owner, f"/owned/{alice.pk}/")
    assert_served(owner, url)
    assert_refused(logged_in("bob").get(url), 404)
    assert_refused(Client().get(url), 404)


# Malformed references: validly signed, wrong inside.


def split_reference(url):
    """Return the endpoint path, the other query parameters, the signed parameter's name
    and its payload."""
    parts = urlsplit(url)
    params = parse_qsl(parts.query)
    for index, (name, value) in enumerate(params):
        try:
            payload = signing.loads(value, salt=SALT)
        except signing.BadSignature:
            continue
        return parts.path, params[:index] + params[index + 1 :], name, payload
    raise AssertionError(f"no signed reference in {url}")


def resigned(url, change):
    endpoint, others, name, payload = split_reference(url)
    payload = change(copy.deepcopy(payload))
    token = signing.dumps(payload, salt=SALT, compress=True)
    return f"{endpoint}?{urlencode([*others, (name, token)])}"


def without(key):
    def change(payload):
        del payload[key]
        return payload

    return change


def setting(key, value):
    def change(payload):
        payload[key] = value
        return payload

    return change


MALFORMED = {
    "payload_is_a_list": lambda p: list(p.values()),
    "payload_is_a_string": lambda p: p["view"],
    "no_view": without("view"),
    "no_panel": without("panel"),
    "no_path": without("path"),
    "view_is_a_number": setting("view", 5),
    "view_names_a_function": setting("view", "os.path.join"),
    "view_names_a_missing_module": setting("view", "no_such_module_for_layouts.View"),
    "view_is_not_a_layout_view": setting("view", "django.views.generic.TemplateView"),
    "panel_is_a_list": setting("panel", ["cart"]),
    "args_is_a_string": setting("args", "x"),
    "kwargs_is_a_list": setting("kwargs", [1]),
    "path_is_none": setting("path", None),
    "path_resolves_to_no_url": setting("path", "/no/such/page/"),
    "path_is_relative": setting("path", "public/"),
    "args_is_a_mapping": setting("args", {}),
    "args_is_empty_text": setting("args", ""),
    "args_are_not_the_pages": setting("args", ["x"]),
    "kwargs_are_not_the_pages": setting("kwargs", {"pk": "1"}),
    "view_is_not_a_layout_view_at_its_own_path": lambda p: {
        **p,
        "view": f"{__name__}.PlainPage",
        "path": "/plain/",
    },
    "view_answers_without_a_layout": lambda p: {
        **p,
        "view": f"{__name__}.NoLayoutAnswer",
        "path": "/no-layout/",
    },
}


def test_a_valid_hand_signed_reference_renders_the_panel(client):
    """The harness of the next test: re-signing an unchanged payload is still valid."""
    url = resigned(deferred_url(client, "/public/"), lambda payload: payload)
    assert_served(client, url)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_reference_gets_400_logged_without_traceback(name, caplog):
    url = resigned(deferred_url(Client(), "/public/"), MALFORMED[name])
    client = Client(raise_request_exception=False)  # a 500 comes back as a response
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = client.get(url)
    assert_refused(response, 400, "from a malformed reference")
    assert plain_views == [], "a view without LayoutMixin was called"
    assert caplog.records, "the bad reference was not logged"
    tracebacks = [f"{r.name}: {r.getMessage()}" for r in caplog.records if r.exc_info]
    assert not tracebacks, tracebacks


def test_the_deferred_panel_of_an_async_page_is_served(client):
    assert_served(client, deferred_url(client, "/async/"))


def test_a_reference_to_a_page_outside_the_sites_script_name_gets_400():
    url = resigned(deferred_url(Client(), "/public/"), setting("path", "/site/public/"))
    inside = Client().get(url, SCRIPT_NAME="/site")  # the site is mounted at /site
    assert inside.status_code == 200 and SECRET in body(inside)
    panel_calls.clear()
    outside = resigned(url, setting("path", "/public/"))  # a page of the host's root
    assert_refused(Client().get(outside, SCRIPT_NAME="/site"), 400, "outside the site")
