"""A stored page never answers for a handler that would refuse, and what the web server
says of the visitor counts as the visitor."""

import pytest
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import Permission
from django.core import checks
from django.http import HttpResponse
from django.test import Client
from django.urls import path
from django.utils.decorators import method_decorator
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.checks import W_DECORATED_HANDLER, check_page_keys

from .common import SHOP_LAYOUT, body, logged_in, make_user

built = []


class Content(TemplateView):
    template_name = "testapp/content.html"

    def get_context_data(self, **kwargs):
        built.append(1)
        return {"title": "Shop"}


@method_decorator(permission_required("auth.view_user", raise_exception=True), name="get")
class UsersReport(LayoutMixin, Content):
    layout_template = SHOP_LAYOUT
    page_cache = cache.per_user(60)


class HeadRefused(LayoutMixin, Content):
    layout_template = SHOP_LAYOUT
    page_cache = cache.per_path(60)

    def head(self, request, *args, **kwargs):
        return HttpResponse(status=405)


def whoami(request):
    meta = request.META
    return f"<p>{meta.get('REMOTE_USER', '')}{meta.get('SSL_CLIENT_S_DN', '')}</p>"


class ServerSaysWho(LayoutMixin, Content):
    layout_template = "testapp/every_panel.html"
    who = Panel(whoami, cache=cache.sitewide(60))


urlpatterns = [
    path("report/", UsersReport.as_view()),
    path("head-refused/", HeadRefused.as_view()),
    path("who/", ServerSaysWho.as_view()),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    built.clear()


def test_a_decorated_get_is_checked_on_every_request_and_its_view_warned():
    # The page cache answers from inside the handler it wraps, which is the decorated
    # get(): the decorator's check would run only when the page was built.
    carol = make_user("carol", perms=["view_user"])
    client = logged_in(carol)
    assert [client.get("/report/").status_code for _ in range(2)] == [200, 200]
    carol.user_permissions.remove(Permission.objects.get(codename="view_user"))
    assert client.get("/report/").status_code == 403
    warned = [m for m in check_page_keys() if m.id == W_DECORATED_HANDLER]
    assert [m.obj for m in warned] == [UsersReport]
    assert all(m.level == checks.WARNING for m in warned)


def test_a_views_own_head_answers_head_not_the_page_its_get_built():
    assert Client().head("/head-refused/").status_code == 405
    Client().get("/head-refused/"), Client().get("/head-refused/")
    assert len(built) == 1  # the page is stored, and served to GET
    assert Client().head("/head-refused/").status_code == 405


@pytest.mark.parametrize("key", ["REMOTE_USER", "SSL_CLIENT_S_DN"])
def test_what_the_web_server_says_of_the_visitor_is_never_shared(key):
    Client(**{key: "alice"}).get("/who/")
    assert "alice" not in body(Client(**{key: "bob"}).get("/who/"))
