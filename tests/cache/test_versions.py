"""Deploys: KEY_VERSION starts every key afresh; entries of other releases are misses."""

import logging

import pytest
from django.core.cache import caches

from layouts_cbv import Panel, cache
from layouts_cbv.cache import entry as entries
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView
from tests.utils import render, text

renders = []
View = type(
    "View",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        "side": Panel(
            lambda r: renders.append(1) or f"<p>{len(renders)}</p>", cache=cache.sitewide(60)
        ),
    },
)


def setup_function():
    renders.clear()


def test_key_version_changes_every_key(settings):
    render(View)
    settings.LAYOUTS_CBV = {"KEY_VERSION": 7}
    assert "<p>2</p>" in text(render(View))
    assert caches["default"].get("layouts:panel:side", version=7) is not None
    assert "<p>2</p>" in text(render(View))  # and the new version hits
    settings.LAYOUTS_CBV = {}
    assert "<p>1</p>" in text(render(View))  # the old entries were never touched


def test_default_version_is_the_alias_version(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "VERSION": 3}
    }
    render(View)
    assert caches["default"].get("layouts:panel:side", version=3) is not None


@pytest.mark.parametrize(
    "old",
    [
        # the release before: a longer tuple, a str tag
        ("lcbv:7", "<p>old</p>", (), "g", 0.0, 1e12, 1e12, 0.0, (), ""),
        # a tuple of today's shape under an older tag
        (entries.TAG - 1, "<p>old</p>", (), "g", 0.0, 1e12, 0, 0, None),
    ],
)
def test_entry_of_an_older_release_is_a_miss(caplog, old):
    assert old[0] != entries.TAG
    caches["default"].set("layouts:panel:side", old)
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        assert "<p>1</p>" in text(render(View))
    assert "of this release" in caplog.text


def test_entry_whose_classes_no_longer_load_is_a_miss(caplog):
    # A pickle that refers to a module that is gone, as after a refactoring deploy.
    gone = b"\x80\x04\x95\x1c\x00\x00\x00\x00\x00\x00\x00\x8c\x0bno_such_mod\x94\x8c\x04Item\x94\x93\x94."
    cache = caches["default"]  # LocMemCache keeps pickles: its get() will fail to load it
    cache._cache[cache.make_and_validate_key("layouts:panel:side")] = gone
    cache._expire_info[cache.make_and_validate_key("layouts:panel:side")] = None
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        assert "<p>1</p>" in text(render(View))
    assert "unreadable value" in caplog.text
    assert "<p>1</p>" in text(render(View))  # rewritten, and it hits now


@pytest.mark.parametrize(
    "forged",
    [
        (entries.TAG, "<p>forged</p>", (), "generation", 0.0, 1e12, 0, 0),  # an item short
        (entries.TAG, "<p>forged</p>", [], "generation", 0.0, 1e12, 0, 0, None),  # a list
    ],
    ids=["an-item-short", "queue-items-not-a-tuple"],
)
def test_a_value_under_todays_tag_not_of_todays_shape_is_a_miss(caplog, forged):
    render(View)
    # Of the current generation: only its shape tells it is not an entry.
    generation = caches["default"].get("layouts:gen:side")
    caches["default"].set(
        "layouts:panel:side", tuple(generation if item == "generation" else item for item in forged)
    )
    with caplog.at_level(logging.WARNING, logger="layouts_cbv"):
        assert "<p>2</p>" in text(render(View))
    assert "of this release" in caplog.text
