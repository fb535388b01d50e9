"""manage.py layouts_cache clear / inspect."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from layouts_cbv import Panel, cache
from layouts_cbv.queues import add_script
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

renders = []


def side(request):
    renders.append(1)
    add_script(request, "/side.js")
    return f"<p>side {len(renders)}</p>"


View = type(
    "View",
    (PageView,),
    {"layout": EveryPanelLayout, "cmdpanel": Panel(side, cache=cache.per_path(60))},
)


def run(*args):
    out = StringIO()
    call_command("layouts_cache", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()


def test_inspect_shows_key_age_size_and_queue_items(backend):
    render(View, path="/about/")
    out = run("inspect", "cmdpanel", "--vary", "/about/")
    assert out.startswith("layouts:panel:cmdpanel:/about/ in cache 'default'\n")
    assert "  age: 0s, fresh for: 60s" in out
    assert "  generation: current" in out
    assert "    scripts: Script(src='/side.js'" in out
    assert "  size: " in out and "  queue items: 1" in out


def test_inspect_missing_entry(backend):
    assert "  no entry" in run("inspect", "cmdpanel", "--vary", "/nowhere/")


def test_clear_one_panel_drops_every_variant(backend):
    render(View, path="/a/"), render(View, path="/b/")
    assert "Cleared every entry of panel 'cmdpanel'." in run("clear", "cmdpanel")
    assert "outdated" in run("inspect", "cmdpanel", "--vary", "/a/")
    render(View, path="/a/"), render(View, path="/b/")
    assert len(renders) == 4


def test_clear_all(backend):
    render(View, path="/a/")
    assert "'cmdpanel'" in run("clear", "--all")
    assert "<p>side 2</p>" in text(render(View, path="/a/"))


def test_clear_needs_a_name_or_all():
    with pytest.raises(CommandError, match="panel name or --all"):
        run("clear")
