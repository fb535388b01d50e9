"""Everything that builds a stored thing is watched.

A page stored whole (``page_cache``) or a panel entry shared between visitors is built
from one visitor's request. If what builds it reads something of that request that its
strategy does not vary on (the user, the session, messages, cookies, the host, an
ignored query, any other header), it must not be stored: every visitor then gets a page
built for them, and one WARNING says so per view.

Each case uses several visitors who differ only in what is read, and checks that no
visitor ever sees another's value, and that the page or panel was built per request.
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings as django_settings
from django.contrib import messages
from django.shortcuts import redirect
from django.test import Client, RequestFactory
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.exceptions import PanelRenderError
from layouts_cbv.leaks import UnsafeVary

from .common import EVERY_PANEL, body, logged_in, with_session

builds = []
panel_renders = []
HOSTS = ["testserver", "a.test", "b.test"]


@dataclass
class Visit:
    client: Client
    value: str  # what the page must show this visitor, as "[value]"
    query: str = ""
    headers: dict = field(default_factory=dict)

    def get(self, url):
        return self.client.get(url + self.query, **self.headers)


# Visitors who differ in one input each.


def users():
    return [
        Visit(logged_in("alice"), "alice"),
        Visit(logged_in("bob"), "bob"),
        Visit(Client(), "anon"),
    ]


def users_with_and_without_a_permission():
    return [
        Visit(logged_in("carol", perms=["view_user"]), "can-view-users"),
        Visit(logged_in("bob"), "cannot-view-users"),
        Visit(Client(), "cannot-view-users"),
    ]


def session_values():
    return [
        Visit(with_session(k="value-A"), "value-A"),
        Visit(with_session(k="value-B"), "value-B"),
    ]


def sessions_with_and_without_the_key():
    return [
        Visit(with_session(k="x"), "yes"),
        Visit(with_session(other="x"), "no"),
        Visit(Client(), "no"),
    ]


def session_keys():
    visits = []
    for n in range(2):
        client = with_session(n=n)
        visits.append(Visit(client, client.cookies[django_settings.SESSION_COOKIE_NAME].value))
    return [*visits, Visit(Client(), "none")]


def flavour_cookies():
    visits = []
    for flavour in ("vanilla", "mint"):
        client = Client()
        client.cookies["flavour"] = flavour
        visits.append(Visit(client, flavour))
    return [*visits, Visit(Client(), "none")]


def hosts(value=lambda host: host):
    return [Visit(Client(), value(host), headers={"HTTP_HOST": host}) for host in HOSTS[1:]]


def forwarded_hosts():
    return [Visit(Client(), host, headers={"HTTP_X_FORWARDED_HOST": host}) for host in HOSTS[1:]]


def queries():
    return [Visit(Client(), q, query=f"?q={q}") for q in ("alpha", "beta")]


def user_agents():
    return [
        Visit(Client(), agent, headers={"HTTP_USER_AGENT": agent})
        for agent in ("AgentA/1.0", "AgentB/2.0")
    ]


def flavour_in(cookie_header):
    found = re.search(r"flavour=(\w+)", cookie_header)
    return found.group(1) if found else "none"


@dataclass
class Read:
    visitors: Callable[[], list[Visit]]
    reader: Callable | None = None  # called with the request by get_context_data / the panel
    layout: str = EVERY_PANEL  # a layout template that reads, when reader is None
    settings: dict = field(default_factory=dict)
    ignore_query: bool = False


CONTEXT_READS = {
    "user": Read(users, lambda r: r.user.username or "anon"),
    "session_getitem": Read(session_values, lambda r: r.session["k"]),
    "session_contains": Read(
        sessions_with_and_without_the_key, lambda r: "yes" if "k" in r.session else "no"
    ),
    "session_key": Read(session_keys, lambda r: r.session.session_key or "none"),
    "cookies": Read(flavour_cookies, lambda r: r.COOKIES.get("flavour", "none")),
    "meta_http_cookie": Read(flavour_cookies, lambda r: flavour_in(r.META.get("HTTP_COOKIE", ""))),
    "headers_cookie": Read(flavour_cookies, lambda r: flavour_in(r.headers.get("Cookie", ""))),
    "get_host": Read(hosts, lambda r: r.get_host()),
    "build_absolute_uri": Read(
        lambda: hosts(lambda host: f"http://{host}/"), lambda r: r.build_absolute_uri("/")
    ),
    "host_header": Read(hosts, lambda r: r.headers["Host"]),
    "x_forwarded_host": Read(
        forwarded_hosts, lambda r: r.get_host(), settings={"USE_X_FORWARDED_HOST": True}
    ),
    "x_forwarded_host_header": Read(
        forwarded_hosts, lambda r: r.headers.get("X-Forwarded-Host", "none")
    ),
    "user_agent": Read(user_agents, lambda r: r.headers.get("User-Agent", "none")),
}
PAGE_READS = {
    **{f"context_{name}": read for name, read in CONTEXT_READS.items()},
    "context_ignored_query": Read(queries, lambda r: r.GET.get("q", "none"), ignore_query=True),
    "layout_user": Read(users, layout="integrity/layout_user.html"),
    "layout_perms": Read(users_with_and_without_a_permission, layout="integrity/layout_perms.html"),
    "layout_host": Read(hosts, layout="integrity/layout_host.html"),
}
PANEL_READS = {**CONTEXT_READS, "query": Read(queries, lambda r: r.GET.get("q", "none"))}


def nav(request):
    return "<nav>shared nav</nav>"


def camel(name):
    return "".join(part.title() for part in name.split("_"))


def page_view(name, read):
    def get_context_data(self, **kwargs):
        builds.append(name)
        return {"marker": f"[{read.reader(self.request)}]" if read.reader else ""}

    return type(
        f"Reads{camel(name)}Page",
        (LayoutMixin, TemplateView),
        {
            "__module__": __name__,
            "layout_template": read.layout,
            "template_name": "integrity/marker.html",
            "page_cache": cache.per_path(60),
            "page_cache_ignore_query": read.ignore_query,
            "nav": Panel(nav, cache=cache.sitewide(60)),
            "get_context_data": get_context_data,
        },
    )


PANEL_SETUPS = {
    "sitewide": (cache.sitewide, None),
    "per_path": (cache.per_path, None),
    "sitewide_on_cached_page": (cache.sitewide, cache.per_path),
}


def panel_view(name, read, setup):
    strategy, page_cache = PANEL_SETUPS[setup]

    def box(request):
        panel_renders.append(name)
        return f"<p>[{read.reader(request)}]</p>"

    attrs = {
        "__module__": __name__,
        "layout_template": EVERY_PANEL,
        "template_name": "integrity/build.html",
        "box": Panel(box, cache=strategy(60)),
    }
    if page_cache is not None:
        attrs["page_cache"] = page_cache(60)
    return type(f"Panel{camel(name)}{camel(setup)}", (LayoutMixin, TemplateView), attrs)


PAGES = {name: page_view(name, read) for name, read in PAGE_READS.items()}
PANEL_PAGES = {
    (name, setup): panel_view(name, read, setup)
    for name, read in PANEL_READS.items()
    for setup in PANEL_SETUPS
}


# Messages.


def flash(request, text):
    messages.info(request, text)
    return redirect(request.GET["next"])


def show_messages(request):
    panel_renders.append("messages")
    return "".join(f'<p class="msg">{m}</p>' for m in messages.get_messages(request))


class MessagesInSharedPanel(LayoutMixin, TemplateView):
    layout_template = EVERY_PANEL
    template_name = "integrity/build.html"
    flashes = Panel(show_messages, cache=cache.sitewide(60))


class MessagesInSharedPanelOnCachedPage(MessagesInSharedPanel):
    page_cache = cache.per_path(60)


class MessagesInCachedLayout(LayoutMixin, TemplateView):
    layout_template = "integrity/layout_messages.html"  # {% for m in messages %}
    template_name = "integrity/build.html"
    page_cache = cache.per_path(60)


class MessagesInCachedPageContext(LayoutMixin, TemplateView):
    layout_template = EVERY_PANEL
    template_name = "integrity/marker.html"
    page_cache = cache.per_path(60)

    def get_context_data(self, **kwargs):
        shown = "".join(f'<p class="msg">{m}</p>' for m in messages.get_messages(self.request))
        return {"marker": shown}


MESSAGE_PAGES = {
    "cached_page_context": MessagesInCachedPageContext,
    "shared_panel": MessagesInSharedPanel,
    "shared_panel_on_cached_page": MessagesInSharedPanelOnCachedPage,
    "cached_layout": MessagesInCachedLayout,
}


class SetsACookie(LayoutMixin, TemplateView):
    layout_template = EVERY_PANEL
    template_name = "integrity/build.html"
    page_cache = cache.per_path(60)
    nav = Panel(nav, cache=cache.sitewide(60))

    def get_context_data(self, **kwargs):
        builds.append("sets-cookie")
        return {"build": len(builds)}

    def get(self, request, *args, **kwargs):
        response = super().get(request, *args, **kwargs)
        response.set_cookie("promo", "spring")
        return response


def absolute_root(request):
    panel_renders.append(request.get_host())
    return f"<p>[{request.build_absolute_uri('/')}]</p>"


urlpatterns = [
    *(path(f"reads/page/{name}/", view.as_view()) for name, view in PAGES.items()),
    *(
        path(f"reads/panel/{name}/{setup}/", view.as_view())
        for (name, setup), view in PANEL_PAGES.items()
    ),
    *(path(f"messages/{name}/", view.as_view()) for name, view in MESSAGE_PAGES.items()),
    path("flash/<str:text>/", flash),
    path("sets-cookie/", SetsACookie.as_view()),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset(settings):
    builds.clear()
    panel_renders.clear()
    settings.ALLOWED_HOSTS = HOSTS


def visit_in_turn(visits, url):
    """Each visitor, then the first two again; every page shows its visitor's value only."""
    order = [*visits, *visits[:2]]
    values = {visit.value for visit in visits}
    for visit in order:
        response = visit.get(url)
        assert response.status_code == 200
        page = body(response)
        others = sorted(f"[{value}]" for value in values - {visit.value})
        leaked = [other for other in others if other in page]
        assert not leaked, f"visitor [{visit.value}] was shown {leaked}"
        assert f"[{visit.value}]" in page, f"visitor [{visit.value}] did not get their own page"
    return len(order)


def apply(settings, read):
    for name, value in read.settings.items():
        setattr(settings, name, value)


@pytest.mark.parametrize("name", sorted(PAGE_READS))
def test_page_built_from_a_read_it_does_not_vary_on_is_not_stored(name, settings, caplog):
    read = PAGE_READS[name]
    apply(settings, read)
    view = PAGES[name]
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        requests = visit_in_turn(read.visitors(), f"/reads/page/{name}/")
    assert len(builds) == requests, "the page was stored and served to other visitors"
    warnings = [
        r for r in caplog.records if r.name == "layouts_cbv" and r.levelno == logging.WARNING
    ]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]  # once per view
    assert view.__name__ in warnings[0].getMessage()


@pytest.mark.parametrize(("name", "setup"), sorted(PANEL_PAGES))
def test_shared_panel_reading_what_its_strategy_does_not_vary_on_is_not_stored(
    name, setup, settings
):
    read = PANEL_READS[name]
    apply(settings, read)
    requests = visit_in_turn(read.visitors(), f"/reads/panel/{name}/{setup}/")
    assert len(panel_renders) == requests, "the panel entry was stored and shared"


@pytest.mark.parametrize("page", sorted(MESSAGE_PAGES))
def test_messages_are_never_cached_nor_lost(page, settings):
    [engine] = settings.TEMPLATES
    processors = engine["OPTIONS"]["context_processors"]
    settings.TEMPLATES = [
        {
            **engine,
            "OPTIONS": {
                **engine["OPTIONS"],
                "context_processors": [
                    *processors,
                    "django.contrib.messages.context_processors.messages",
                ],
            },
        }
    ]
    url = f"/messages/{page}/"
    alice, bob, anonymous = logged_in("alice"), logged_in("bob"), Client()
    assert alice.post(f"/flash/for-A/?next={url}").status_code == 302
    assert "for-A" in body(alice.get(url))
    assert bob.post(f"/flash/for-B/?next={url}").status_code == 302
    seen_by_bob = body(bob.get(url))
    assert "for-A" not in seen_by_bob, "bob was shown alice's message"
    assert "for-B" in seen_by_bob, "bob's own message was lost"
    seen_by_anonymous = body(anonymous.get(url))
    assert "for-A" not in seen_by_anonymous and "for-B" not in seen_by_anonymous
    again = body(alice.get(url))  # shown once, as Django's messages are
    assert "for-A" not in again and "for-B" not in again


def test_a_response_that_sets_a_cookie_is_never_stored():
    for _ in range(2):
        response = Client().get("/sets-cookie/")
        assert response.status_code == 200
        assert "promo" in response.cookies, "the page came from the cache without its cookie"
        assert response.cookies["promo"].value == "spring"
    assert len(builds) == 2


@pytest.mark.parametrize("name", ["user", "cookies", "get_host"])
def test_strict_vary_makes_a_shared_panel_that_reads_an_error(name, settings):
    settings.LAYOUTS_CBV = {"STRICT_VARY": True, "DEBUG_ERRORS": True}
    read = PANEL_READS[name]
    [visit, *_] = read.visitors()
    with pytest.raises(PanelRenderError):
        visit.get(f"/reads/panel/{name}/sitewide/")


def test_strict_vary_makes_a_cached_page_whose_layout_reads_the_user_an_error(settings):
    settings.LAYOUTS_CBV = {"STRICT_VARY": True, "DEBUG_ERRORS": True}
    with pytest.raises(UnsafeVary):
        logged_in("alice").get("/reads/page/layout_user/")


# New API: cache.per_host().


def test_per_host_strategy_varies_on_the_host():
    strategy = cache.per_host(60)
    assert type(strategy).__name__ == "PerHostCache"
    assert strategy.varies_on == frozenset({"host"})
    for host in HOSTS[1:]:
        assert strategy.get_vary(RequestFactory().get("/", HTTP_HOST=host)) == host


def test_panel_cached_per_host_is_stored_once_per_host_and_served_to_its_host(settings):
    class PerHostPage(LayoutMixin, TemplateView):
        layout_template = EVERY_PANEL
        template_name = "integrity/build.html"
        root = Panel(absolute_root, cache=cache.per_host(60))

    settings.ROOT_URLCONF = type("urls", (), {"urlpatterns": [path("p/", PerHostPage.as_view())]})
    requests = visit_in_turn(hosts(lambda host: f"http://{host}/"), "/p/")
    assert requests == 4
    assert sorted(panel_renders) == ["a.test", "b.test"], "not stored once per host"
