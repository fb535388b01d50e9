"""A server of a sharded cache drops out, the panels are invalidated, and it comes back
with what it held: nothing from before the invalidation is served again.

Memcached with several ``LOCATION``\\s moves the keys of a server it has set aside to
the others, and back when it returns; a Redis Cluster master that was hung answers
again with its old keys. The invalidation state (generations, the epoch) has a copy on
every server (see :mod:`layouts_cbv.cache.copies`).
"""

import time

import pytest
from django.core.cache import caches

from layouts_cbv import Panel, cache
from layouts_cbv.cache import copies, guard
from tests import servers
from tests.cache.test_cluster_faults import own_cluster  # noqa: F401  (a fixture)
from tests.cache.test_faults import three_memcached  # noqa: F401  (a fixture)
from tests.cache.test_redis_cluster import master_of
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

DEAD_TIMEOUT = 1  # seconds memcached's client sets a failing server aside
TIMEOUT = 0.3
version = {"v": 1}
renders: list[str] = []

SITEWIDE = [f"s{i}" for i in range(8)]  # invalidated with invalidate_all()
PER_PATH = [f"q{i}" for i in range(8)]  # invalidated with invalidate(name, "/")


def source(name):
    def panel(request):
        renders.append(name)
        return f"<p>{name} v{version['v']}</p>"

    return panel


View = type(
    "View",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        **{name: Panel(source(name), cache=cache.sitewide(600)) for name in SITEWIDE},
        **{name: Panel(source(name), cache=cache.per_path(600)) for name in PER_PATH},
    },
)


class Whole(View):
    """The same panels, on a page stored whole."""

    page_cache = cache.per_path(600)


@pytest.fixture(autouse=True)
def _fresh():
    renders.clear()
    version["v"] = 1
    guard.reset()
    yield
    guard.reset()


def page():
    """Return the page as served by a view, and by a view that stores it whole."""
    responses = [render(View), render(Whole)]
    assert [response.status_code for response in responses] == [200, 200]
    return "".join(text(response) for response in responses)


def shows(body, v):
    return all(f"<p>{name} v{v}</p>" in body for name in SITEWIDE + PER_PATH)


def invalidate_everything():
    version["v"] += 1
    for name in SITEWIDE:
        cache.invalidate_all(name)
    for name in PER_PATH:
        cache.invalidate(name, "/")


def hung_and_back(server, wait):
    """While ``server`` is hung, invalidate every panel; resume it; check the pages."""
    before = version["v"]
    assert shows(page(), before)
    with servers.away(server, "hung"):
        page()  # the server is found away and set aside
        invalidate_everything()
        assert shows(page(), before + 1)
    wait()
    renders.clear()
    bodies = [page() for _ in range(3)]
    for body in bodies:
        assert f"v{before}<" not in body, "an entry from before the invalidation came back"
        assert shows(body, before + 1)
    # Caching resumes: the first page after the return renders what it must, the
    # others nothing.
    assert len(renders) == len(set(renders))
    return renders


def memcached_pool(settings, nodes):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.memcached.PyMemcacheCache",
            "LOCATION": [f"127.0.0.1:{node.port}" for node in nodes],
            "OPTIONS": {
                "connect_timeout": TIMEOUT,
                "timeout": TIMEOUT,
                "retry_attempts": 0,
                "dead_timeout": DEAD_TIMEOUT,
            },
        }
    }
    caches["default"].clear()


def test_state_has_a_copy_on_every_memcached_server(settings, three_memcached):  # noqa: F811
    memcached_pool(settings, three_memcached)
    client = caches["default"]._cache
    for key in ("layouts:epoch", "layouts:gen:s0"):
        names = copies.names("default", key, None)
        assert names[0] == key
        homes = {client.hasher.get_node(caches["default"].make_key(name)) for name in names}
        assert homes == set(client.clients), names


def test_a_memcached_server_that_was_hung_brings_nothing_old_back_twice(
    settings,
    three_memcached,  # noqa: F811
):
    memcached_pool(settings, three_memcached)
    victim = three_memcached[0]

    def wait():
        time.sleep(DEAD_TIMEOUT + 0.2)  # the client tries the server again

    for _ in range(2):
        hung_and_back(victim, wait)


def test_a_memcached_server_restarted_empty_costs_only_its_panels(
    settings,
    three_memcached,  # noqa: F811
):
    memcached_pool(settings, three_memcached)
    victim = three_memcached[1]
    page()
    victim.stop()
    page()  # set aside: its keys go to the others
    victim.start()
    time.sleep(DEAD_TIMEOUT + 0.2)
    renders.clear()
    bodies = [page() for _ in range(3)]
    assert all(shows(body, 1) for body in bodies)
    # What lived on it renders once more (it is empty), then is served from it.
    client = caches["default"]._cache
    port = f"127.0.0.1:{victim.port}"
    on_victim = {
        name
        for name in SITEWIDE + PER_PATH
        if client.hasher.get_node(
            caches["default"].make_key(f"layouts:panel:{name}" + ("" if name[0] == "s" else ":/"))
        )
        == port
    }
    assert sorted(renders) == sorted(on_victim)


@pytest.fixture
def on_own_cluster(settings, own_cluster):  # noqa: F811
    settings.CACHES = {
        "default": {
            "BACKEND": "layouts_cbv.cache.redis_cluster.RedisClusterCache",
            "LOCATION": own_cluster.location,
            "OPTIONS": {"socket_timeout": TIMEOUT, "socket_connect_timeout": TIMEOUT},
        }
    }
    settings.LAYOUTS_CBV = {"BACKOFF": 0.5}
    caches["default"].clear()
    return own_cluster


def test_state_has_a_copy_on_every_cluster_master(on_own_cluster):
    for key in ("layouts:epoch", "layouts:gen:s0"):
        names = copies.names("default", key, None)
        masters = {master_of(on_own_cluster, caches["default"].make_key(n)) for n in names}
        assert masters == set(on_own_cluster.ports), names


def test_a_cluster_master_that_was_hung_brings_nothing_old_back_twice(on_own_cluster):
    def victim():
        # The master of the epoch's first copy: it holds invalidation state for sure.
        port = master_of(on_own_cluster, caches["default"].make_key("layouts:epoch"))
        return next(s for s in on_own_cluster.servers if s.port == port)

    def wait():
        on_own_cluster.wait_until_ready()
        time.sleep(0.6)  # the back-off is over

    for _ in range(2):
        server = victim()
        hung_and_back(server, wait)


@pytest.mark.urls("tests.cache.test_identity")
@pytest.mark.django_db
def test_a_returning_memcached_server_does_not_vouch_for_an_old_password(
    settings,
    three_memcached,  # noqa: F811
):
    from django.contrib.auth.models import User
    from django.test import Client

    memcached_pool(settings, three_memcached)
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    alice = User.objects.create_user("alice", password="old password")
    old_session = Client()
    old_session.force_login(alice)
    assert "you are alice" in old_session.get("/panels/").content.decode()  # recorded
    with servers.away(three_memcached[2], "hung"):
        old_session.get("/panels/")  # the server is found away and set aside
        alice.set_password("new password")
        alice.save()  # her record is deleted: on the servers that answer
    time.sleep(DEAD_TIMEOUT + 0.2)
    # The server that was away still holds a copy of the old record: alone, it does
    # not count, and the old session is what Django says it is now.
    body = old_session.get("/panels/").content.decode()
    assert "you are alice" not in body and "you are anonymous" in body
