"""The stored entry: small, read by position, and every queue item back as it went in."""

import pickle

import pytest
from django.core.cache import caches
from django.utils.safestring import SafeString, mark_safe

from layouts_cbv import Layout, Panel, cache
from layouts_cbv.cache.entry import Entry, pack_items, unpack, unpack_items
from layouts_cbv.queues import RenderQueue, Script, Style, add_script, add_style, add_to_queue
from tests.testapp.views import PageView
from tests.utils import render, text

ITEMS = [
    ("scripts", Script("/a.js")),
    ("scripts", Script("/b.js", is_async=True)),
    ("scripts", Script("/c.js", is_deferred=True)),
    ("scripts", Script("/d.js", is_async=True, is_deferred=True)),
    ("scripts", Script(inline="console.log(1)")),
    ("styles", Style("/a.css")),
    ("styles", Style("/p.css", media="print")),
    ("styles", Style(inline="p{color:red}")),
    ("extras", Script("/e.js")),  # a built-in kind in another queue
    ("extras", mark_safe("<meta name=x>")),
    ("extras", "<plain>"),  # escaped when rendered: must stay a plain str
    ("extras", 7),
]


def test_queue_items_come_back_as_they_went_in():
    back = unpack_items(pickle.loads(pickle.dumps(pack_items(ITEMS))))
    assert back == tuple(ITEMS)
    assert [type(item) for _, item in back] == [type(item) for _, item in ITEMS]


def test_built_in_items_are_stored_without_their_class():
    stored = pickle.dumps(pack_items([*ITEMS[:8], ITEMS[9]]), pickle.HIGHEST_PROTOCOL)
    assert b"layouts_cbv" not in stored and b"safestring" not in stored
    assert b"scripts" not in stored


renders = []


class QueueLayout(Layout):
    template = "testapp/every_queue.html"
    extras = RenderQueue()


def side(request):
    renders.append(1)
    for queue, item in ITEMS:
        if isinstance(item, Script) and queue == "scripts":
            add_script(
                request,
                item.src or None,
                inline=item.inline or None,
                is_async=item.is_async,
                is_deferred=item.is_deferred,
            )
        elif isinstance(item, Style):
            add_style(request, item.href or None, inline=item.inline or None, media=item.media)
        else:
            add_to_queue(request, queue, item)
    return "<p>side</p>"


View = type(
    "View",
    (PageView,),
    {"layout": QueueLayout, "sidebar": Panel(side, cache=cache.sitewide(60))},
)


@pytest.fixture(autouse=True)
def _count():
    renders.clear()


def test_a_panel_served_from_its_entry_brings_every_queue_item_back():
    rendered = text(render(View))
    served = text(render(View))
    assert len(renders) == 1  # the second page came from the entry
    assert served == rendered
    assert '<script src="/d.js" async defer></script>' in served
    assert '<link rel="stylesheet" href="/p.css" media="print">' in served
    assert "<style>p{color:red}</style>" in served
    assert "&lt;plain&gt;" in served and "<meta name=x>" in served


def test_the_stored_entry_is_the_documented_tuple():
    render(View)
    entry = unpack(caches["default"].get("layouts:panel:sidebar"))
    assert isinstance(entry, Entry) and entry.html == "<p>side</p>"
    assert entry.items[0] == ("scripts", Script("/a.js"))
    assert isinstance(entry.items[9][1], SafeString)
