"""The PanelCacheBackend hierarchy and its exact keys."""

import warnings

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache.backends.base import BaseCache, CacheKeyWarning
from django.test import RequestFactory, override_settings

from layouts_cbv import cache
from layouts_cbv.cache import (
    CustomCache,
    PanelCacheBackend,
    PerHostCache,
    PerPathCache,
    PerSessionCache,
    PerUserCache,
    PerUserPerPathCache,
    SitewideCache,
)


class User:
    is_authenticated = True

    def __init__(self, pk):
        self.pk = pk


class Session:
    def __init__(self, key):
        self.session_key = key


def request(path="/about/", user=None, session=None):
    req = RequestFactory().get(path)
    req.user = user or AnonymousUser()
    if session is not None:
        req.session = session
    return req


@pytest.mark.parametrize(
    ("strategy", "cls", "req", "key"),
    [
        (cache.sitewide(60), SitewideCache, request(), "layouts:panel:nav"),
        (cache.per_user(60), PerUserCache, request(user=User(42)), "layouts:panel:nav:42"),
        (cache.per_user(60), PerUserCache, request(), "layouts:panel:nav:anonymous"),
        (cache.per_path(60), PerPathCache, request("/about/"), "layouts:panel:nav:/about/"),
        (
            cache.per_user_per_path(60),
            PerUserPerPathCache,
            request("/a/", User(7)),
            "layouts:panel:nav:7:/a/",
        ),
        (
            cache.per_session(60),
            PerSessionCache,
            request(session=Session("abc123")),
            "layouts:panel:nav:abc123",
        ),
        (
            cache.per_session(60),
            PerSessionCache,
            request(session=Session(None)),
            "layouts:panel:nav:no-session",
        ),
        (cache.per_session(60), PerSessionCache, request(), "layouts:panel:nav:no-session"),
        (cache.custom(lambda r: "red", 60), CustomCache, request(), "layouts:panel:nav:red"),
        (cache.custom(lambda r: "", 60), CustomCache, request(), "layouts:panel:nav"),
    ],
)
def test_shortcuts_return_their_class_and_exact_keys(strategy, cls, req, key):
    assert type(strategy) is cls and isinstance(strategy, PanelCacheBackend)
    assert strategy.make_key("nav", req) == key


def test_user_subclass_overriding_get_vary():
    class PerCountry(PanelCacheBackend):
        def get_vary(self, request):
            return request.headers.get("X-Country", "")

    req = RequestFactory().get("/", headers={"X-Country": "fr"})
    assert PerCountry(60).make_key("promo", req) == "layouts:panel:promo:fr"


def test_base_class_demands_get_vary():
    with pytest.raises(NotImplementedError, match="must provide get_vary"):
        PanelCacheBackend(60).make_key("nav", request())


@pytest.mark.parametrize(
    "path",
    ["/" + "a" * 300 + "/", "/caf%C3%A9/", "/a%09b/", "/a%20b/"],
)
def test_unsafe_or_long_vary_is_hashed_and_valid_on_memcached(path):
    key = cache.per_path(60).make_key("nav", request(path))
    assert key.startswith("layouts:panel:nav:sha256=") and len(key.encode()) <= 200
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        BaseCache({}).validate_key(key)


def test_literal_vary_starting_with_hash_mark_cannot_collide():
    a = cache.custom(lambda r: "sha256=x", 60).make_key("nav", request())
    assert a != "layouts:panel:nav:sha256=x"


def test_hash_is_stable_and_distinct():
    s = cache.per_path(60)
    assert s.make_key("n", request("/é/")) == s.make_key("n", request("/é/"))
    assert s.make_key("n", request("/é/")) != s.make_key("n", request("/è/"))


def test_non_ascii_panel_name_still_gives_a_valid_key():
    key = cache.sitewide(60).make_key("menü", request())
    BaseCache({}).validate_key(key)
    assert key.startswith("layouts:panel:sha256=")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"timeout": "60"}, TypeError),
        ({"timeout": 1.5}, TypeError),
        ({"timeout": True}, TypeError),
        ({"timeout": -1}, ValueError),
        ({"timeout": 60, "stale_ttl": -5}, ValueError),
        ({"timeout": 60, "stale_ttl": None}, TypeError),
        ({"timeout": 60, "backend": 3}, TypeError),
        ({"timeout": 60, "refresh_func": "x"}, TypeError),
        ({"timeout": 60, "jitter": 2}, ValueError),
        ({"timeout": 60, "jitter": "0.1"}, TypeError),
        ({"timeout": 60, "invalidate_on": ["blog.Article"]}, TypeError),
        ({"timeout": 60, "invalidate_on": object}, TypeError),
    ],
)
def test_bad_arguments_fail_at_declaration(kwargs, error):
    with pytest.raises(error):
        cache.sitewide(**kwargs)


def test_none_and_zero_timeouts_are_valid():
    assert cache.sitewide(None).timeout is None
    assert cache.per_user(0).timeout == 0


def test_custom_needs_a_callable():
    with pytest.raises(TypeError):
        cache.custom("nope", 60)


def test_per_host_varies_on_the_host_the_site_answers_to():
    strategy = cache.per_host(60)
    req = RequestFactory().get("/", headers={"Host": "a.test:8000"})
    assert isinstance(strategy, PerHostCache) and strategy.varies_on == {"host"}
    with override_settings(ALLOWED_HOSTS=["a.test"]):
        assert strategy.make_key("links", req) == "layouts:panel:links:a.test:8000"


@pytest.mark.parametrize(
    ("names", "stored"),
    [
        ({"user", "path"}, {"user", "path"}),
        ({"header:X-Country"}, {"header:X-Country"}),
        (frozenset(), frozenset()),
    ],
)
def test_varies_on_names_are_checked_where_declared(names, stored):
    class Declared(PanelCacheBackend):
        varies_on = names

        def get_vary(self, request):
            return ""

    assert Declared.varies_on == stored and Declared(60).variation.declared
    assert cache.custom(lambda r: "", 60, varies_on=names).varies_on == stored


def test_header_names_compare_in_any_case():
    class PerCountry(PanelCacheBackend):
        varies_on = frozenset({"header:X-Country"})

        def get_vary(self, request):
            return request.headers.get("X-Country", "")

    assert PerCountry(60).variation.allowed == {"header:x-country"}


@pytest.mark.parametrize("names", [{"usr"}, "user", {"header:"}, {"header:a b"}, {5}])
def test_unknown_varies_on_names_raise_naming_the_valid_ones(names):
    with pytest.raises(TypeError, match="varies_on") as info:

        class Typo(PanelCacheBackend):
            varies_on = names

            def get_vary(self, request):
                return ""

    if names == {"usr"}:
        assert "'user'" in str(info.value) and "header:<Name>" in str(info.value)
    with pytest.raises(TypeError, match="varies_on"):
        cache.custom(lambda r: "", 60, varies_on=names)


def test_a_get_vary_without_its_own_varies_on_is_undeclared():
    class PerCountry(PanelCacheBackend):
        def get_vary(self, request):
            return request.headers.get("X-Country", "")

    class CountryAsSitewide(SitewideCache):  # inherits varies_on, but not for this get_vary
        def get_vary(self, request):
            return request.headers.get("X-Country", "")

    class Longer(PerUserCache):  # keeps PerUserCache's get_vary, so its varies_on holds
        pass

    class Narrowed(PerUserPerPathCache):
        varies_on = frozenset({"user", "path", "language"})

    assert not PerCountry(60).variation.declared
    assert not CountryAsSitewide(60).variation.declared
    assert Longer(60).variation.declared and Longer(60).varies_on == {"user"}
    assert Narrowed(60).variation.declared
    assert not cache.custom(lambda r: "", 60).variation.declared
    assert all(
        strategy.variation.declared
        for strategy in (cache.sitewide(1), cache.per_user(1), cache.per_path(1))
    )


def test_custom_refuses_varies_on_given_as_an_empty_string():
    with pytest.raises(TypeError, match="varies_on"):
        cache.custom(lambda r: "", 60, varies_on="")
