"""The leak guard: what a strategy does not vary on, a cached panel may not read."""

import logging

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.cache import SessionStore
from django.test import RequestFactory

from layouts_cbv import Panel, cache, leaks
from layouts_cbv.cache import refresh
from layouts_cbv.exceptions import PanelRenderError
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

renders = []


def reads_user(request):
    renders.append(1)
    return f"<p>hello {request.user.username}</p>"


def reads_session(request):
    renders.append(1)
    return f"<p>cart {request.session.get('cart', 0)}</p>"


def hasattr_only(request):
    renders.append(1)
    return f"<p>{hasattr(request, 'user')} {hasattr(request, 'session')}</p>"


def reads_session_key(request):
    renders.append(1)
    return f"<p>{request.session.session_key}</p>"


def view(panel):
    return type("View", (PageView,), {"layout": EveryPanelLayout, "box": panel})


def get(View, user=None, cart=0, session_key="s1"):
    request = RequestFactory().get("/")
    request.user = user or AnonymousUser()
    request.session = SessionStore(session_key=session_key)
    request.session["cart"] = cart
    request.session.accessed = False
    response = View.as_view()(request)
    response.render()
    return response


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()
    leaks._warned.clear()


@pytest.fixture
def alice():
    return User(pk=1, username="alice")


@pytest.fixture
def bob():
    return User(pk=2, username="bob")


@pytest.mark.parametrize(
    "strategy",
    [cache.sitewide(60), cache.per_path(60), cache.custom(lambda r: "x", 60)],
    ids=["sitewide", "per_path", "custom"],
)
def test_shared_strategy_reading_the_user_is_not_stored(strategy, alice, bob, caplog):
    View = view(Panel(reads_user, cache=strategy))
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        first = get(View, alice).content.decode()
        second = get(View, bob).content.decode()
    assert "hello alice" in first and "hello bob" in second and "alice" not in second
    assert len(renders) == 2
    [warning] = [r for r in caplog.records if r.name == "layouts_cbv"]  # once per panel
    message = warning.getMessage()
    assert "Panel 'box' read request.user" in message and type(strategy).__name__ in message
    assert "cache.per_user" in message


def test_per_path_reading_the_user_suggests_per_user_per_path(alice, caplog):
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        get(view(Panel(reads_user, cache=cache.per_path(60))), alice)
    assert "cache.per_user_per_path()" in caplog.text


@pytest.mark.parametrize(
    ("source", "strategy", "stored"),
    [
        (reads_user, cache.per_user(60), True),
        (reads_user, cache.per_session(60), True),  # a session belongs to one user
        (reads_user, cache.per_user_per_path(60), True),
        (reads_user, cache.custom(lambda r: str(r.user.pk), 60, varies_on={"user"}), True),
        (reads_session, cache.per_session(60), True),
        (reads_session, cache.per_user(60), False),  # anonymous visitors share one entry
        (reads_session, cache.sitewide(60), False),
        (hasattr_only, cache.sitewide(60), True),  # hasattr reads nothing
        (reads_session_key, cache.sitewide(60), False),  # the session key is the session's
        (reads_session_key, cache.per_session(60), True),
    ],
)
def test_what_each_strategy_may_read(alice, source, strategy, stored):
    View = view(Panel(source, cache=strategy))
    get(View, alice), get(View, alice)
    assert len(renders) == (1 if stored else 2)


def test_per_user_panel_reading_the_session_never_shows_one_anonymous_cart_to_another():
    View = view(Panel(reads_session, cache=cache.per_user(60)))
    assert "cart 3" in get(View, cart=3, session_key="a").content.decode()
    assert "cart 0" in get(View, cart=0, session_key="b").content.decode()


def test_strict_vary_makes_it_an_error(settings, alice):
    settings.LAYOUTS_CBV = {"STRICT_VARY": True, "DEBUG_ERRORS": True}
    with pytest.raises(PanelRenderError) as info:
        get(view(Panel(reads_user, cache=cache.sitewide(60))), alice)
    assert isinstance(info.value.__cause__, leaks.UnsafeVary)
    assert "cache.per_user()" in str(info.value.__cause__)


def test_strict_vary_without_debug_errors_shows_the_error_template(settings, alice):
    settings.LAYOUTS_CBV = {"STRICT_VARY": True, "DEBUG_ERRORS": False}
    body = get(view(Panel(reads_user, cache=cache.sitewide(60))), alice).content.decode()
    assert 'data-panel="box"' in body and "hello alice" not in body


def test_condition_reading_the_user_does_not_block_storing(alice):
    staff_only = Panel(
        hasattr_only, cache=cache.sitewide(60), condition=lambda r: r.user.is_authenticated
    )
    View = view(staff_only)
    get(View, alice), get(View, alice)
    assert len(renders) == 1


def test_background_refresh_that_reads_the_user_is_not_stored(alice, bob, monkeypatch):
    import time

    View = view(Panel(hasattr_only, cache=cache.sitewide(10, stale_ttl=600)))
    get(View, alice)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 11)
    # The panel now reads the user: the refresh renders but must not store.
    View2 = view(Panel(reads_user, cache=cache.sitewide(10, stale_ttl=600)))
    get(View2, alice)
    refresh.wait_for_refreshes()
    assert "hello alice" not in get(View2, bob).content.decode()
