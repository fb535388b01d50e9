"""With LocaleMiddleware the language is part of every key; without it keys are unchanged."""

import pytest
from django.core.cache import caches
from django.test import Client
from django.urls import path
from django.utils import translation

from layouts_cbv import Panel, cache
from tests.testapp.layouts import EveryPanelLayout
from tests.testapp.views import PageView

LOCALE = "django.middleware.locale.LocaleMiddleware"


def hello(request):
    return f"<p>{translation.gettext('Yes')} ({translation.get_language()})</p>"


View = type(
    "View",
    (PageView,),
    {
        "layout": EveryPanelLayout,
        "greet": Panel(hello, cache=cache.sitewide(60)),
        "where": Panel(hello, cache=cache.per_path(60)),
    },
)
urlpatterns = [path("about/", View.as_view())]


def localize(settings):
    settings.ROOT_URLCONF = __name__
    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    settings.LANGUAGE_CODE = "en"
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:1], LOCALE, *settings.MIDDLEWARE[1:]]


@pytest.fixture
def localized(settings):
    localize(settings)


def test_a_french_visitor_never_gets_the_english_panel(localized):
    english = Client(headers={"accept-language": "en"}).get("/about/").content.decode()
    french = Client(headers={"accept-language": "fr"}).get("/about/").content.decode()
    assert "<p>Yes (en)</p>" in english
    assert "<p>Oui (fr)</p>" in french
    assert caches["default"].get("layouts:panel:greet:fr") is not None
    assert caches["default"].get("layouts:panel:where:/about/:fr") is not None
    assert caches["default"].get("layouts:panel:greet:en") is not None


def test_invalidate_drops_the_entry_of_every_language(localized):
    for language in ("en", "fr"):
        Client(headers={"accept-language": language}).get("/about/")
    cache.invalidate("where", "/about/")
    assert caches["default"].get("layouts:panel:where:/about/:fr") is None
    assert caches["default"].get("layouts:panel:where:/about/:en") is None
    assert caches["default"].get("layouts:panel:greet:fr") is not None


def test_without_locale_middleware_keys_are_exactly_the_seed_table(settings):
    settings.ROOT_URLCONF = __name__
    with translation.override("fr"):
        Client().get("/about/")
    assert caches["default"].get("layouts:panel:greet") is not None
    assert caches["default"].get("layouts:panel:where:/about/") is not None


def test_locale_middleware_added_later_keys_a_view_already_served_by_language(settings):
    settings.ROOT_URLCONF = __name__
    Client().get("/about/")
    assert caches["default"].get("layouts:panel:greet") is not None
    localize(settings)
    french = Client(headers={"accept-language": "fr"}).get("/about/").content.decode()
    assert "<p>Oui (fr)</p>" in french
    assert caches["default"].get("layouts:panel:greet:fr") is not None
