"""Pins: the exact cache keys of the contract, at their edges.

``make_key`` keeps a memcached-safe vary as it is and replaces any other by
``sha256=<64 hex>``; the whole key stays within 200 bytes. The documented keys
``layouts:epoch`` and ``layouts:lock:<name>`` are where the docs say.
"""

import re
import warnings

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import caches
from django.core.cache.backends.base import BaseCache, CacheKeyWarning
from django.test import Client, RequestFactory
from django.urls import path

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

HASHED = re.compile(r"^layouts:panel:nav:sha256=[0-9a-f]{64}$")


def request(path="/"):
    req = RequestFactory().get(path)
    req.user = AnonymousUser()
    return req


def key_of(vary, name="nav"):
    return cache.custom(lambda r: vary, 60).make_key(name, request())


def assert_memcached_safe(key):
    assert len(key.encode()) <= 200
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        BaseCache({}).validate_key(key)


@pytest.mark.parametrize(
    "vary",
    ["a\x7fb", "a b", "tab\there", "caf\u00e9", "\ud800", "x" * 183, "sha256=abc"],
    ids=["DEL", "space", "tab", "non-ascii", "lone-surrogate", "long", "looks-hashed"],
)
def test_an_unsafe_vary_is_replaced_by_sha256_and_64_hex_digits(vary):
    key = key_of(vary)
    assert HASHED.match(key), key
    assert_memcached_safe(key)
    assert key == key_of(vary)  # stable


def test_a_key_of_exactly_200_bytes_keeps_its_vary():
    vary = "v" * (200 - len("layouts:panel:nav:"))
    assert key_of(vary) == f"layouts:panel:nav:{vary}"
    assert len(key_of(vary).encode()) == 200
    assert HASHED.match(key_of(vary + "v"))


@pytest.mark.parametrize("vary", ["42", "/about/", "7:/a/", "a!~z", "sha256"])
def test_a_plain_vary_is_kept_exactly(vary):
    assert key_of(vary) == f"layouts:panel:nav:{vary}"


def test_a_panel_name_of_100_characters_is_kept_and_a_longer_one_hashed():
    name = "n" * 100
    assert cache.sitewide(60).make_key(name, request()) == f"layouts:panel:{name}"
    longer = cache.sitewide(60).make_key(name + "n", request())
    assert re.match(r"^layouts:panel:sha256=[0-9a-f]{64}$", longer)


@pytest.mark.parametrize("name", ["my nav", "men\u00fc", "nav\x7f"])
def test_an_unsafe_panel_name_is_hashed(name):
    key = cache.sitewide(60).make_key(name, request())
    assert re.match(r"^layouts:panel:sha256=[0-9a-f]{64}$", key)
    assert_memcached_safe(key)


def test_a_panel_name_that_looks_hashed_is_hashed():
    key = cache.sitewide(60).make_key("sha256=nav", request())
    assert key != "layouts:panel:sha256=nav"
    assert re.match(r"^layouts:panel:sha256=[0-9a-f]{64}$", key)


renders = []
LONG_NAME = "p" * 240  # a valid attribute name, too long for a memcached key as it is


def counted(request):
    renders.append(request.path)
    return "<p>long</p>"


def lock_seen(name):
    def panel(request):
        renders.append(caches["default"].get(f"layouts:lock:{name}"))
        return f"<p>{name}</p>"

    return panel


LongNamed = type(
    "LongNamed",
    (PageView,),
    {"layout": EveryPanelLayout, LONG_NAME: Panel(counted, cache=cache.sitewide(60))},
)
Locked = type(
    "Locked",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        "held": Panel(lock_seen("held"), cache=cache.sitewide(60)),
        "where": Panel(lock_seen("where:/locked/"), cache=cache.per_path(60)),
    },
)
urlpatterns = [path("long/", LongNamed.as_view()), path("locked/", Locked.as_view())]


@pytest.fixture
def urls(settings):
    settings.ROOT_URLCONF = __name__
    renders.clear()


def test_a_very_long_panel_name_is_cached_under_valid_keys(urls):
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)  # as memcached would refuse them
        for _ in range(3):
            assert "<p>long</p>" in Client().get("/long/").content.decode()
    assert len(renders) == 1


def test_the_lock_of_a_panel_is_layouts_lock_and_its_vary_while_it_renders(urls):
    Client().get("/locked/")
    assert len(renders) == 2 and None not in renders  # both locks held while rendering
    assert caches["default"].get("layouts:lock:held") is None  # and released after
    assert caches["default"].get("layouts:lock:where:/locked/") is None


def test_an_invalidation_writes_the_epoch_under_layouts_epoch():
    assert caches["default"].get("layouts:epoch") is None
    cache.invalidate("anything")
    first = caches["default"].get("layouts:epoch")
    cache.invalidate_all("anything")
    second = caches["default"].get("layouts:epoch")
    assert first and second and first != second
