"""A stored page is served only after the view's whole dispatch chain accepted the request.

Whatever the order of the mixins (``LayoutMixin`` before or after the access mixin),
whether the check is a mixin, a decorator on ``dispatch`` of a base view, or Django's
own ``http_method_names``, and for sync and async views alike: a page warmed by a
visitor who may see it is never handed to one who may not.
"""

import inspect

import pytest
from asgiref.sync import async_to_sync
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import (
    LoginRequiredMixin,
    PermissionRequiredMixin,
    UserPassesTestMixin,
)
from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.test import AsyncClient, Client
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET
from django.views.generic import DetailView, TemplateView

from layouts_cbv import LayoutMixin, Panel, cache

from .common import EVERY_PANEL, body, logged_in, logged_in_async, make_user

builds = []
MARKER = "MEMBERS-ONLY-CONTENT"


def nav(request):
    return "<nav>shared nav</nav>"


class Page(TemplateView):
    """The page body: the same for everyone allowed in, so it may be stored."""

    template_name = "integrity/members.html"

    def get_context_data(self, **kwargs):
        builds.append(type(self).__name__)
        return {"build": len(builds)}


def cached(name, *bases, **attrs):
    """Return a view class with the page cache (LayoutMixin's own None defaults would
    hide attributes set on a base that comes after it)."""
    return type(
        name,
        bases,
        {
            "__module__": __name__,
            "layout_template": EVERY_PANEL,
            "page_cache": cache.per_path(60),
            "nav": Panel(nav, cache=cache.sitewide(60)),
            **attrs,
        },
    )


class StaffOnly(UserPassesTestMixin):
    def test_func(self):
        return self.request.user.is_staff


class CanViewUsers(PermissionRequiredMixin):
    permission_required = "auth.view_user"


def both_orders(name, check, **attrs):
    """Return the view with LayoutMixin before the check, and the one with it after."""
    return {
        "layout_first": cached(f"{name}LayoutFirst", LayoutMixin, check, Page, **attrs),
        "check_first": cached(f"{name}CheckFirst", check, LayoutMixin, Page, **attrs),
    }


LOGIN = both_orders("Members", LoginRequiredMixin)
STAFF = both_orders("Staff", StaffOnly)
PERMS = both_orders("Perms", CanViewUsers)


# The decorator wraps this class's whole dispatch.
DecoratedMembers = method_decorator(login_required, name="dispatch")(
    cached("DecoratedMembers", LayoutMixin, Page)
)


@method_decorator(login_required, name="dispatch")
class ProtectedBase(TemplateView):
    """A project's base view for members, as many projects have."""


# LayoutMixin put first, as its docstring says; the check is in the base's dispatch.
MembersOnBase = cached("MembersOnBase", LayoutMixin, ProtectedBase, Page)


def post(self, request, *args, **kwargs):
    return self.get(request, *args, **kwargs)


DecoratedGetOnly = method_decorator(require_GET, name="dispatch")(
    cached("DecoratedGetOnly", LayoutMixin, Page, post=post)
)


@method_decorator(require_GET, name="dispatch")
class GetOnlyBase(TemplateView):
    def post(self, request, *args, **kwargs):
        return self.get(request, *args, **kwargs)


GetOnlyOnBase = cached("GetOnlyOnBase", LayoutMixin, GetOnlyBase, Page)
# HEAD and POST: 405, by View.dispatch.
GetOnlyByMethodNames = cached("GetOnlyByMethodNames", LayoutMixin, Page, http_method_names=["get"])


class MyUserPage(LayoutMixin, DetailView):
    """Each user's own page: the queryset holds the visitor's own user only."""

    layout_template = EVERY_PANEL
    template_name = "integrity/owner.html"
    page_cache = cache.per_path(60)
    nav = Panel(nav, cache=cache.sitewide(60))

    def get_queryset(self):
        builds.append("owner")
        if not self.request.user.is_authenticated:
            return User.objects.none()
        return User.objects.filter(pk=self.request.user.pk)


# Async: Django's access mixins are sync-only, so async projects write their own.
class AsyncCheck:
    async def dispatch(self, request, *args, **kwargs):
        user = await request.auser()
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not self.allowed(user):
            raise PermissionDenied
        response = super().dispatch(request, *args, **kwargs)
        return await response if inspect.isawaitable(response) else response

    def allowed(self, user):
        return True


class AsyncStaffCheck(AsyncCheck):
    def allowed(self, user):
        return user.is_staff


async def async_get(self, request, *args, **kwargs):
    return self.render_to_response(self.get_context_data(**kwargs))


ASYNC = {
    **{f"login-{k}": v for k, v in both_orders("AsyncMembers", AsyncCheck, get=async_get).items()},
    **{
        f"staff-{k}": v
        for k, v in both_orders("AsyncStaff", AsyncStaffCheck, get=async_get).items()
    },
}

urlpatterns = [
    *(path(f"login/{k}/", v.as_view()) for k, v in LOGIN.items()),
    *(path(f"staff/{k}/", v.as_view()) for k, v in STAFF.items()),
    *(path(f"perms/{k}/", v.as_view()) for k, v in PERMS.items()),
    path("decorated/class/", DecoratedMembers.as_view()),
    path("decorated/base/", MembersOnBase.as_view()),
    path("get-only/class/", DecoratedGetOnly.as_view()),
    path("get-only/base/", GetOnlyOnBase.as_view()),
    path("get-only/method-names/", GetOnlyByMethodNames.as_view()),
    path("me/<int:pk>/", MyUserPage.as_view()),
    *(path(f"async/{k}/", v.as_view()) for k, v in ASYNC.items()),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    builds.clear()


def is_login_redirect(response):
    return response.status_code == 302 and response["Location"].startswith(settings.LOGIN_URL)


def warm(client, url):
    """Visit twice as someone allowed in: the second visit is served from the page cache."""
    first = client.get(url)
    assert first.status_code == 200 and MARKER in body(first)
    built = len(builds)
    second = client.get(url)
    assert second.status_code == 200 and MARKER in body(second)
    assert len(builds) == built, "the page was not stored, so this test would prove nothing"


@pytest.mark.parametrize("order", ["layout_first", "check_first"])
def test_login_required_mixin_redirects_anonymous_after_a_member_warmed_the_page(order):
    url = f"/login/{order}/"
    warm(logged_in("alice"), url)
    response = Client().get(url)
    assert MARKER not in body(response), "anonymous visitor was served the members' page"
    assert is_login_redirect(response), response.status_code
    # Another member is let in, and still from the stored page.
    built = len(builds)
    assert MARKER in body(logged_in("bob").get(url)) and len(builds) == built


@pytest.mark.parametrize("order", ["layout_first", "check_first"])
def test_user_passes_test_refuses_a_non_staff_user_after_staff_warmed_the_page(order):
    url = f"/staff/{order}/"
    warm(logged_in("boss", staff=True), url)
    response = logged_in("bob").get(url)
    assert MARKER not in body(response), "non-staff user was served the staff page"
    assert response.status_code == 403
    assert is_login_redirect(Client().get(url))


@pytest.mark.parametrize("order", ["layout_first", "check_first"])
def test_permission_required_refuses_a_user_without_it_after_one_with_it_warmed_the_page(order):
    url = f"/perms/{order}/"
    warm(logged_in("carol", perms=["view_user"]), url)
    response = logged_in("bob").get(url)
    assert MARKER not in body(response), "user without the permission was served the page"
    assert response.status_code == 403
    assert is_login_redirect(Client().get(url))


@pytest.mark.parametrize("where", ["class", "base"])
def test_login_required_decorator_on_dispatch_redirects_anonymous_after_a_warm_page(where):
    url = f"/decorated/{where}/"
    warm(logged_in("alice"), url)
    response = Client().get(url)
    assert MARKER not in body(response), "anonymous visitor was served the members' page"
    assert is_login_redirect(response), response.status_code


@pytest.mark.parametrize("where", ["class", "base", "method-names"])
def test_get_only_view_still_answers_head_and_post_with_405_after_a_warm_get(client, where):
    url = f"/get-only/{where}/"
    warm(client, url)
    # HEAD is not GET: require_GET and http_method_names = ["get"] refuse it.
    assert client.head(url).status_code == 405
    assert client.post(url).status_code == 405


def test_owner_only_detail_page_is_never_served_to_another_user_or_anonymous():
    alice = make_user("alice")
    make_user("bob")
    url = f"/me/{alice.pk}/"
    owner = logged_in(alice)
    for _ in range(2):
        response = owner.get(url)
        assert response.status_code == 200 and "OWNER-PAGE of alice" in body(response)
    for other in (logged_in(User.objects.get(username="bob")), Client()):
        response = other.get(url)
        assert "OWNER-PAGE of alice" not in body(response), "alice's page served to another"
        assert response.status_code == 404


@pytest.mark.parametrize("case", sorted(ASYNC))
def test_async_views_check_access_before_serving_a_stored_page(case):
    url = f"/async/{case}/"
    allowed = logged_in_async("boss", staff=True)
    for _ in range(2):
        response = async_to_sync(allowed.get)(url)
        assert response.status_code == 200 and MARKER in body(response)
    assert len(builds) == 1, "the page was not stored, so this test would prove nothing"
    anonymous = async_to_sync(AsyncClient().get)(url)
    assert MARKER not in body(anonymous), "anonymous visitor was served the stored page"
    assert is_login_redirect(anonymous), anonymous.status_code
    if case.startswith("staff"):
        refused = async_to_sync(logged_in_async("bob").get)(url)
        assert MARKER not in body(refused), "non-staff user was served the staff page"
        assert refused.status_code == 403
