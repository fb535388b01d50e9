"""What a panel entry costs in the cache: bytes stored against the panel's own bytes.

A panel's own bytes are its HTML and its queue items as the page gets them (a script
tag, a stylesheet link). What is stored is layouts_cbv's entry, pickled by the cache
backend as Django does (the same bytes on Redis, memcached or LocMem); Redis adds its
own bookkeeping for every key, shown apart (``MEMORY USAGE``).
"""

from __future__ import annotations

import pickle

import redis
from django.core.cache import caches
from django.test.utils import override_settings
from django.urls import path

from layouts_cbv import Panel, cache
from layouts_cbv.cache.entry import Entry, unpack
from tests.benchmarks.common import Driver, goal, table
from tests.benchmarks.pages import ITEMS, SETTINGS
from tests.benchmarks.scaling import Many

GOAL = 1.2
PANELS = {
    "list": ("a 10-item list (the benchmarks' panel)", "bench/panel.html"),
    "assets": ("the same list with a script and a stylesheet", "bench/panel_assets.html"),
    "account": ("the per-user account line, anonymous", "bench/account.html"),
}
Page = type(
    "MemoryPage",
    (Many,),
    {
        **{
            name: Panel(
                template=template,
                context={"n": 1, "items": ITEMS},
                cache=cache.per_user(600) if name == "account" else cache.sitewide(600),
            )
            for name, (_, template) in PANELS.items()
        },
        "layout_names": list(PANELS),
    },
)
urlpatterns = [path("memory/", Page.as_view())]


def own_bytes(entry: Entry) -> int:
    items = "".join(str(item) for _, item in entry.items)
    return len(entry.html.encode()) + len(items.encode())


def run(redis_port: int) -> str:
    config = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": f"redis://127.0.0.1:{redis_port}/0",
    }
    settings = {**SETTINGS, "ROOT_URLCONF": __name__}
    client = redis.Redis(port=redis_port)
    rows = []
    with override_settings(CACHES={"default": config}, **settings):
        caches["default"].clear()
        Driver().get("/memory/")
        for name, (label, _) in PANELS.items():
            vary = ":anonymous" if name == "account" else ""
            key = caches["default"].make_key(f"layouts:panel:{name}{vary}")
            stored = client.get(key)
            entry = unpack(pickle.loads(stored))
            ratio = len(stored) / own_bytes(entry)
            rows.append(
                [
                    label,
                    str(own_bytes(entry)),
                    str(len(stored)),
                    str(len(stored) - own_bytes(entry)),
                    str(client.memory_usage(key)),
                    f"{ratio:.2f}",
                    goal(ratio, GOAL) if name != "account" else "(fixed cost, see text)",
                ]
            )
    client.close()
    headers = [
        "panel",
        "HTML + queue items, bytes",
        "entry stored, bytes",
        "overhead, bytes",
        "Redis `MEMORY USAGE`, bytes",
        "stored / own",
        "goal",
    ]
    intro = (
        "Bytes of one panel entry on Redis against the panel's HTML and queue items as the "
        "page gets them. The entry adds a fixed part (its tag, generation, three times, "
        "the render's cost, the panel's headers, whether its HTML holds placeholders, "
        "pickling): a share that shrinks as the "
        "panel grows. The goal applies to panels of real size; a one-line panel shows "
        "the fixed part alone."
    )
    return intro + "\n\n" + table(headers, rows)
