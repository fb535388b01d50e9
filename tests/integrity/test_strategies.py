"""A user's own caching strategy: ``varies_on`` has one meaning, and undeclared is personal.

``varies_on`` names the request inputs a strategy's output may depend on, from
``{"user", "session", "path", "query", "host", "language"}`` plus ``"header:<Name>"``.
A strategy class that does not declare it is personal: a hole on a cached page, never
baked into it, and a ``layouts_cbv.W003`` check warning. Unknown names are refused
where they are declared.
"""

import pytest
from django.core import checks
from django.test import Client
from django.urls import path
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache
from layouts_cbv.cache import PanelCacheBackend, SitewideCache

from .common import EVERY_PANEL, body

renders = []


def country_of(request):
    return request.headers.get("X-Country", "")


def promo(request):
    country = country_of(request) or "none"
    renders.append(country)
    return f"<p>promo-{country}</p>"


class PerCountry(PanelCacheBackend):
    """Overrides get_vary, says nothing of what it varies on."""

    def get_vary(self, request):
        return country_of(request)


class SitewideByCountry(SitewideCache):
    """Inherits SitewideCache's (empty) varies_on, but varies on something else."""

    def get_vary(self, request):
        return country_of(request)


class DeclaresNothing(PanelCacheBackend):
    """The old documented example: declares it varies on nothing, keys on a header."""

    varies_on = frozenset()

    def get_vary(self, request):
        return country_of(request)


class DeclaresTheHeader(PanelCacheBackend):
    varies_on = frozenset({"header:X-Country"})

    def get_vary(self, request):
        return country_of(request)


STRATEGIES = {
    "undeclared_subclass": lambda: PerCountry(60),
    "undeclared_sitewide_subclass": lambda: SitewideByCountry(60),
    "declares_nothing": lambda: DeclaresNothing(60),
    "declares_the_header": lambda: DeclaresTheHeader(60),
    "custom_undeclared": lambda: cache.custom(country_of, 60),
    "custom_declares_the_header": lambda: cache.custom(
        country_of, 60, varies_on={"header:X-Country"}
    ),
}
# Strategies that say they vary on the header the panel reads: stored once per country.
DECLARED_RIGHT = {"declares_the_header", "custom_declares_the_header"}


def promo_page(name, strategy):
    return type(
        f"Promo{''.join(part.title() for part in name.split('_'))}",
        (LayoutMixin, TemplateView),
        {
            "__module__": __name__,
            "layout_template": EVERY_PANEL,
            "template_name": "integrity/build.html",
            "page_cache": cache.per_path(60),
            "promo": Panel(promo, cache=strategy),
        },
    )


PAGES = {name: promo_page(name, make()) for name, make in STRATEGIES.items()}
urlpatterns = [path(f"promo/{name}/", view.as_view()) for name, view in PAGES.items()]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset():
    renders.clear()


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_a_panel_cached_by_a_custom_strategy_on_a_cached_page_shows_each_visitor_theirs(name):
    client = Client()
    for country, other in [("fr", "de"), ("de", "fr"), ("fr", "de")]:
        page = body(client.get(f"/promo/{name}/", HTTP_X_COUNTRY=country))
        assert f"promo-{other}" not in page, f"a {country} visitor got the {other} promo"
        assert f"promo-{country}" in page
    if name in DECLARED_RIGHT:
        assert renders == ["fr", "de"], "declared strategy was not stored once per country"
    if name == "declares_nothing":
        # It reads a header it says it does not vary on: never stored.
        assert renders == ["fr", "de", "fr"]


def test_check_warns_about_strategy_classes_that_do_not_declare_varies_on():
    warnings = [m for m in checks.run_checks() if m.id == "layouts_cbv.W003"]
    said = " ".join(f"{m.msg} {m.hint} {m.obj}" for m in warnings)
    assert "PerCountry" in said, f"no W003 names PerCountry; W003 messages: {said!r}"
    assert "SitewideByCountry" in said
    assert "DeclaresNothing" not in said and "DeclaresTheHeader" not in said
    assert all(isinstance(m, checks.Warning) for m in warnings)


def test_unknown_varies_on_names_are_refused_where_the_class_is_declared():
    with pytest.raises(TypeError) as info:

        class Typo(PanelCacheBackend):
            varies_on = frozenset({"usr"})

            def get_vary(self, request):
                return ""

    assert "usr" in str(info.value) and "user" in str(info.value).replace("usr", "")


def test_unknown_varies_on_names_are_refused_by_custom():
    with pytest.raises(TypeError, match="user"):
        cache.custom(country_of, 60, varies_on={"usr"})


def test_every_documented_varies_on_name_is_accepted():
    names = {"user", "session", "path", "query", "host", "language", "header:X-Country"}

    class Everything(PanelCacheBackend):
        varies_on = frozenset(names)

        def get_vary(self, request):
            return ""

    assert Everything.varies_on == names
    assert cache.custom(country_of, 60, varies_on=names).varies_on == names
