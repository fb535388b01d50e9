"""Property: caching never changes what a visitor gets.

For any combination of panel cache strategy, page cache, place where the user is
read, access mixin (and its order) and sync or async handler, and for any sequence of
visitors, every response equals what an uncached render of the same view gives the
same visitor at that moment (``LAYOUTS_CBV = {"CACHE_ENABLED": False}``): same status,
same ``Location`` for redirects, same body once per-request values (CSRF tokens) are
normalised. So no visitor sees another's marker, and nobody gets a page the view
would refuse them.

Every example builds its view class with ``type()`` and serves it through one fixed
URL pattern whose view function calls the current example's ``as_view()``.
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from django.conf import settings as django_settings
from django.contrib.auth.mixins import LoginRequiredMixin, UserPassesTestMixin
from django.contrib.auth.models import User
from django.core.cache import caches
from django.template.loader import render_to_string
from django.test import Client, override_settings
from django.urls import path
from django.views.generic import DetailView, TemplateView
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.cache import PanelCacheBackend, guard

# --- the dimensions --------------------------------------------------------------------

# Each list starts with its simplest value: hypothesis shrinks towards it.
PANEL_CACHES = [
    "none",
    "sitewide",
    "per_path",
    "per_user",
    "per_session",
    "custom",  # cache.custom(key_func, 60): varies_on not declared
    "custom_varies_on_user",  # cache.custom(key_func, 60, varies_on={"user"})
    "own_undeclared",  # a user's own PanelCacheBackend subclass, no varies_on
    "own_declared_empty",  # the same, declaring varies_on = frozenset()
]
KEY_FUNCS = ["empty", "user_id"]  # what a custom strategy's key_func returns
PAGE_CACHES = ["none", "per_path", "sitewide", "per_user"]
USER_READS = ["nowhere", "panel", "layout", "context", "object"]
ACCESS = ["none", "login_first", "layout_first_login", "staff_first", "layout_first_staff"]
HANDLERS = ["sync", "async"]
VISITORS = ["alice", "bob", "anonymous"]
TARGETS = ["alice", "bob"]  # whose pk is in the URL


@dataclass(frozen=True)
class Scenario:
    panel_cache: str
    key_func: str | None  # only for the custom strategies
    page_cache: str
    user_read: str
    access: str
    handler: str
    target: str
    visitors: tuple[str, ...]


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    panel_cache = draw(st.sampled_from(PANEL_CACHES))
    user_read = draw(st.sampled_from(USER_READS))
    key_func = None
    if panel_cache.startswith("custom"):
        # A key that ignores the user while varies_on={"user"} declares the panel's
        # output depends on it is the project's own lie, which no library can see
        # through: such a panel must not read the user. Every other pair is drawn.
        lying = panel_cache == "custom_varies_on_user" and user_read == "panel"
        key_func = draw(st.sampled_from(["user_id"] if lying else KEY_FUNCS))
    return Scenario(
        panel_cache=panel_cache,
        key_func=key_func,
        page_cache=draw(st.sampled_from(PAGE_CACHES)),
        user_read=user_read,
        access=draw(st.sampled_from(ACCESS)),
        handler=draw(st.sampled_from(HANDLERS)),
        target=draw(st.sampled_from(TARGETS)),
        visitors=tuple(draw(st.lists(st.sampled_from(VISITORS), min_size=2, max_size=6))),
    )


# --- strategies ------------------------------------------------------------------------


class OwnVary(PanelCacheBackend):
    """A project's own strategy: one shared entry, and nothing said about what it varies on."""

    def get_vary(self, request):
        return ""


class OwnVaryDeclared(OwnVary):
    """The same, declaring that it varies on nothing."""

    varies_on = frozenset()


def key_func_for(kind: str):
    if kind == "empty":
        return lambda request: ""
    return lambda request: str(request.user.pk) if request.user.is_authenticated else "anonymous"


def panel_strategy(s: Scenario) -> PanelCacheBackend | None:
    kind = s.panel_cache
    if kind == "none":
        return None
    if kind in ("sitewide", "per_path", "per_user", "per_session"):
        return getattr(cache, kind)(60)
    if kind == "custom":
        return cache.custom(key_func_for(s.key_func), 60)
    if kind == "custom_varies_on_user":
        return cache.custom(key_func_for(s.key_func), 60, varies_on={"user"})
    if kind == "own_undeclared":
        return OwnVary(60)
    return OwnVaryDeclared(60)


def page_strategy(s: Scenario) -> PanelCacheBackend | None:
    return None if s.page_cache == "none" else getattr(cache, s.page_cache)(60)


# --- views -----------------------------------------------------------------------------


def side_panel(s: Scenario):
    label = s.panel_cache + (f"/{s.key_func}" if s.key_func else "")

    def side(request, **context):
        if s.user_read == "panel":
            marker = f"panel-user:{request.user.username or 'anonymous'}"
        else:
            marker = f"panel-strategy:{label}"
        return render_to_string("props/panel.html", {"marker": marker}, request=request)

    return side


class ReadsUserInContext:
    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["who"] = self.request.user.username or "anonymous"
        return context


class StaffOnly(UserPassesTestMixin):
    def test_func(self):
        return self.request.user.is_staff


class PlainPage(TemplateView):
    pass


class UsersOwnRecord(DetailView):
    """A detail view of a user that only the user themself may see (404 for others)."""

    model = User
    context_object_name = "obj"

    def get_queryset(self):
        return User.objects.filter(pk=self.request.user.pk)


async def async_get(self, request, *args, **kwargs):
    return self.render_to_response(self.get_context_data(**kwargs))


# What touches the ORM (loading the lazy user, the object lookup) is sync-only: the
# async handlers run it in a thread, as Django's documentation recommends.


async def async_context_get(self, request, *args, **kwargs):
    context = await sync_to_async(self.get_context_data)(**kwargs)
    return self.render_to_response(context)


async def async_detail_get(self, request, *args, **kwargs):
    self.object = await sync_to_async(self.get_object)()
    return self.render_to_response(self.get_context_data(object=self.object))


def build_view(s: Scenario) -> type:
    access = {
        "none": ((), ()),
        "login_first": ((LoginRequiredMixin,), ()),
        "layout_first_login": ((), (LoginRequiredMixin,)),
        "staff_first": ((StaffOnly,), ()),
        "layout_first_staff": ((), (StaffOnly,)),
    }[s.access]
    base = UsersOwnRecord if s.user_read == "object" else PlainPage
    reads = (ReadsUserInContext,) if s.user_read == "context" else ()
    bases = (*access[0], LayoutMixin, *access[1], *reads, base)
    attrs = {
        "__module__": __name__,
        "layout_template": "props/layout_user.html"
        if s.user_read == "layout"
        else "props/layout.html",
        "template_name": "props/content.html",
        "page_cache": page_strategy(s),
        "side": Panel(side_panel(s), cache=panel_strategy(s)),
    }
    if s.handler == "async":
        attrs["get"] = {"object": async_detail_get, "context": async_context_get}.get(
            s.user_read, async_get
        )
    return type("PropsView", bases, attrs)


CURRENT: dict = {}


def current_view(request, **kwargs):
    """The one URL's view: the current example's ``as_view()``."""
    view, scenario = CURRENT["view"], CURRENT["scenario"]
    if scenario.handler == "sync":
        return view(request, **kwargs)
    if scenario.access != "none":
        # Django's access mixins read the lazy user in dispatch(), which for an async
        # view runs in the event loop, where loading it from the database raises
        # SynchronousOnlyOperation. Load it here, in sync code, as an async stack
        # would before the view (only then: elsewhere the user stays lazy).
        request.user.is_authenticated  # noqa: B018

    async def run():
        # Django's access mixins answer a refusal with a plain response even on an
        # async view: accept it as well as an awaitable.
        result = view(request, **kwargs)
        return await result if inspect.isawaitable(result) else result

    return async_to_sync(run)()


urlpatterns = [path("props/<int:pk>/", current_view)]

# --- comparing responses ---------------------------------------------------------------

CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{64}(?![A-Za-z0-9])")


def normalise(body: str) -> str:
    """Replace what differs per request by design (CSRF tokens) with a fixed string."""
    body = CSRF_INPUT.sub(r"\1<csrf>\2", body)
    return TOKEN.sub("<csrf>", body)


def fetch(client: Client, url: str) -> tuple:
    """Return what a visitor gets: (status, Location, normalised body), or the exception."""
    try:
        response = client.get(url)
    except Exception as exc:  # the test client re-raises what the view raised
        return ("exception", type(exc).__name__, str(exc)[:200])
    location = response.get("Location", "") if 300 <= response.status_code < 400 else ""
    return (response.status_code, location, normalise(response.content.decode()))


def markers(body: str) -> list[str]:
    return re.findall(r"(?:panel|layout|context|object)-user:\w+", body)


# --- the property ----------------------------------------------------------------------

pytestmark = [pytest.mark.urls(__name__)]


@pytest.fixture
def people():
    """Alice (staff), Bob and an anonymous visitor, each with a logged-in client (once
    per test function: logging in costs database writes)."""
    alice = User.objects.create_user("alice", is_staff=True)
    bob = User.objects.create_user("bob")
    users = {"alice": alice, "bob": bob, "anonymous": None}
    return {name: (user, client_for(user), client_for(user)) for name, user in users.items()}


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def fresh_cookies(client: Client) -> Client:
    """Forget every cookie of ``client`` but its session (a CSRF cookie, for one)."""
    kept = {name: morsel.value for name, morsel in client.cookies.items()}
    client.cookies = SimpleCookie(
        {name: value for name, value in kept.items() if name == django_settings.SESSION_COOKIE_NAME}
    )
    return client


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(s=scenarios())
def test_cached_responses_equal_uncached_renders(s: Scenario, people):
    for c in caches.all():
        c.clear()
    guard.reset()
    CURRENT["view"] = build_view(s).as_view()
    CURRENT["scenario"] = s
    url = f"/props/{people[s.target][0].pk}/"
    # One client per visitor for the cached run, its cookies reset to the session
    # alone each example; the reference renders use clients of their own, logged in as
    # the same users, so they never change what the cached run's visitors send.
    visitors = {name: fresh_cookies(client) for name, (_, client, _) in people.items()}
    references = {name: client for name, (_, _, client) in people.items()}
    for step, visitor in enumerate(s.visitors):
        got = fetch(visitors[visitor], url)
        with override_settings(LAYOUTS_CBV={"CACHE_ENABLED": False}):
            want = fetch(references[visitor], url)
        assert got == want, (
            f"visit {step} ({visitor}, sequence {s.visitors}) of {url}: got status "
            f"{got[0]} {got[1]} with markers {markers(str(got[2]))}, but an uncached render "
            f"gives {want[0]} {want[1]} with markers {markers(str(want[2]))}\n"
            f"got:  {got[2]!r}\nwant: {want[2]!r}"
        )
