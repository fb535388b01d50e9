"""Invalidations that race a render, or meet a cache fault, are never lost.

An invalidation is what keeps a saved article from being served from a panel rendered
before the save: losing one serves stale content for the panel's whole timeout, to
every visitor, with nothing to tell.
"""

import logging
import os
import signal
import time

import pytest

from layouts_cbv import Panel, cache
from layouts_cbv.cache import guard, invalidate_all
from tests import servers
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

data = {"value": "", "renders": 0}


def view(**panels):
    return type("View", (PageView,), {"layout": EveryPanelLayout, **panels})


def saved_while_rendering(old, new):
    """A panel source that reads the row, which another worker then saves."""

    def source(request):
        seen = data["value"]
        if seen == old:
            data["value"] = new
            invalidate_all("sidebar")  # the save's post_save, on another worker
        return f"<p>{seen}</p>"

    return source


def test_an_invalidation_during_a_panels_first_render_is_not_lost(backend):
    # The first render starts the panel's generation; it must not overwrite the one
    # the invalidation started meanwhile.
    data["value"] = "old"
    View = view(sidebar=Panel(saved_while_rendering("old", "new"), cache=cache.sitewide(600)))
    assert "<p>old</p>" in text(render(View))  # rendered before the save: fine
    assert "<p>new</p>" in text(render(View))


def test_an_invalidation_during_a_later_render_is_not_lost(backend):
    data["value"] = "zero"
    View = view(sidebar=Panel(lambda r: f"<p>{data['value']}</p>", cache=cache.sitewide(600)))
    render(View)
    invalidate_all("sidebar")
    View = view(sidebar=Panel(saved_while_rendering("zero", "one"), cache=cache.sitewide(600)))
    assert "<p>zero</p>" in text(render(View))
    assert "<p>one</p>" in text(render(View))


def counted(request):
    data["renders"] += 1
    return f"<p>render {data['renders']}</p>"


@pytest.fixture
def stalling_redis(settings):
    """A Redis whose calls time out after 0.2 s while it is stopped (SIGSTOP)."""
    with servers.running(servers.redis_server()) as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://{servers.HOST}:{server.port}/0",
                "OPTIONS": {"socket_timeout": 0.2, "socket_connect_timeout": 0.2},
            }
        }
        settings.LAYOUTS_CBV = {"BACKOFF": 1}
        guard.reset()
        data["renders"] = 0
        yield server.process.pid
        os.kill(server.process.pid, signal.SIGCONT)
        guard.reset()


def test_an_invalidation_during_a_back_off_reaches_the_server(stalling_redis):
    # One stall backs the alias off in this process; other processes still read the
    # server, so an invalidation skipped here would leave them the stale entry.
    View = view(sidebar=Panel(counted, cache=cache.sitewide(600)))
    assert "<p>render 1</p>" in text(render(View))
    os.kill(stalling_redis, signal.SIGSTOP)
    render(View)  # times out: the alias is backed off
    os.kill(stalling_redis, signal.SIGCONT)
    assert guard.is_down("default")
    invalidate_all("sidebar")
    time.sleep(1.1)  # the back-off is over
    assert "<p>render 1</p>" not in text(render(View))


def test_an_invalidation_the_server_missed_is_made_when_it_answers(stalling_redis, caplog):
    View = view(sidebar=Panel(counted, cache=cache.sitewide(600)))
    assert "<p>render 1</p>" in text(render(View))
    os.kill(stalling_redis, signal.SIGSTOP)
    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        invalidate_all("sidebar")  # times out
    assert "Could not invalidate every variant of panel 'sidebar'" in caplog.text
    os.kill(stalling_redis, signal.SIGCONT)
    time.sleep(1.1)  # the back-off is over: the next call probes, and succeeds
    render(View)  # its read came before the invalidation was made again
    assert "<p>render 1</p>" not in text(render(View))
