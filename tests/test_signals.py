"""Signals: panel_rendered, panel_cache_hit, panel_cache_miss, panel_error."""

import pytest

from layouts_cbv import Panel, cache, signals
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render


@pytest.fixture
def heard():
    received = []

    def receiver(signal, sender, **kwargs):
        received.append((signal, sender, kwargs))

    names = ["panel_rendered", "panel_cache_hit", "panel_cache_miss", "panel_error"]
    for name in names:
        getattr(signals, name).connect(receiver)
    yield lambda: [(next(n for n in names if getattr(signals, n) is s), k) for s, _, k in received]
    for name in names:
        getattr(signals, name).disconnect(receiver)


def boom(request):
    raise RuntimeError("no")


View = type(
    "View",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        "cached": Panel(literal="<p>c</p>", cache=cache.sitewide(60)),
        "plain": Panel(literal="<p>p</p>"),
        "broken": Panel(boom),
    },
)


def test_a_cold_then_warm_page(heard):
    render(View)
    first = heard()
    assert [name for name, _ in first] == [
        "panel_cache_miss",
        "panel_rendered",
        "panel_rendered",
        "panel_error",
    ]
    miss = first[0][1]
    assert miss["name"] == "cached" and miss["key"] == "layouts:panel:cached"
    rendered = dict(first)["panel_rendered"]
    assert rendered["duration"] >= 0 and str(rendered["html"]).startswith("<p>")
    error = first[3][1]
    assert error["name"] == "broken" and isinstance(error["exception"], RuntimeError)
    render(View)
    hit = [kwargs for name, kwargs in heard()[len(first) :] if name == "panel_cache_hit"]
    assert hit[0]["name"] == "cached" and hit[0]["state"] == "hit"


def test_signals_are_sent_by_the_panel_class(heard):
    received = []

    def receiver(sender, **kwargs):
        received.append(sender)

    signals.panel_rendered.connect(receiver, sender=Panel)
    try:
        render(View)
    finally:
        signals.panel_rendered.disconnect(receiver, sender=Panel)
    assert received and all(sender is Panel for sender in received)
