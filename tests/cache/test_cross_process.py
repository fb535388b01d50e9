"""Invalidation is seen by every process that shares the cache."""

import subprocess
import sys
import textwrap

import pytest
from django.core.cache import caches

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

renders = []

View = type(
    "View",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        "shared_side": Panel(
            lambda r: renders.append(1) or f"<p>render {len(renders)}</p>", cache=cache.per_path(60)
        ),
    },
)

OTHER_PROCESS = textwrap.dedent("""
    import sys
    import django
    from django.conf import settings

    settings.configure(
        INSTALLED_APPS=["layouts_cbv"],
        CACHES={"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                            "LOCATION": sys.argv[1]}},
    )
    django.setup()
    from layouts_cbv import cache

    getattr(cache, sys.argv[2])(*sys.argv[3:])
""")


@pytest.fixture
def redis_url(settings, redis_server):
    url = f"redis://127.0.0.1:{redis_server.port}/0"
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    }
    caches["default"].clear()
    renders.clear()
    return url


def in_other_process(url, *call):
    subprocess.run([sys.executable, "-c", OTHER_PROCESS, url, *call], check=True, timeout=60)


@pytest.mark.parametrize(
    ("call", "rerendered"),
    [
        (("invalidate_all", "shared_side"), ["/a/", "/b/"]),
        (("invalidate", "shared_side", "/a/"), ["/a/"]),
    ],
)
def test_invalidation_from_another_process(redis_url, call, rerendered):
    for path in ("/a/", "/b/"):
        render(View, path=path)
    in_other_process(redis_url, *call)
    bodies = {path: text(render(View, path=path)) for path in ("/a/", "/b/")}
    assert len(renders) == 2 + len(rerendered)
    for path in rerendered:
        assert "<p>render 1</p>" not in bodies[path] and "<p>render 2</p>" not in bodies[path]
