"""The panel registry: register(), autodiscovery, PanelNotFound, duplicates."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.views.generic import TemplateView

from layouts_cbv import registry
from layouts_cbv.exceptions import PanelNotFound
from layouts_cbv.sources import CallableSource, TemplateSource, ViewSource


@pytest.fixture
def scratch():
    """Names registered in a test are removed after it."""
    before = set(registry.names())
    yield
    for name in set(registry.names()) - before:
        registry.unregister(name)


def test_autodiscovery_registered_the_test_apps_panels():
    assert {"testapp:nav", "testapp:greeting", "testapp:promo", "testapp:whoami"} <= set(
        registry.names()
    )


def test_register_function_as_decorator_returns_it(scratch):
    @registry.register("t:fn")
    def fn(request):
        return "x"

    assert callable(fn)
    assert isinstance(registry.get("t:fn"), CallableSource)


def test_register_view_class_and_template(scratch):
    registry.register("t:view", TemplateView)
    registry.register("t:tpl", template="testapp/promo.html")
    assert isinstance(registry.get("t:view"), ViewSource)
    assert isinstance(registry.get("t:tpl"), TemplateSource)


def test_duplicate_name_is_refused_unless_replace(scratch):
    registry.register("t:dup", template="a.html")
    with pytest.raises(ImproperlyConfigured, match="'t:dup' is already registered"):
        registry.register("t:dup", template="b.html")
    registry.register("t:dup", template="b.html", replace=True)
    assert registry.get("t:dup").template_name == "b.html"


def test_panel_not_found_suggests_close_matches():
    with pytest.raises(PanelNotFound, match=r"Did you mean 'testapp:promo'\?") as info:
        registry.get("testapp:prom")
    assert isinstance(info.value, LookupError)
    assert info.value.suggestions == ["testapp:promo"]


@pytest.mark.parametrize("name", ["", None, 3])
def test_bad_names_are_refused(name):
    with pytest.raises(TypeError):
        registry.register(name, template="a.html")


def test_source_and_template_together_are_refused():
    with pytest.raises(TypeError, match="not both"):
        registry.register("t:both", TemplateView, template="a.html")


def test_unresolvable_panel_name_at_render_names_registry_and_urlconf(settings):
    from layouts_cbv import Panel
    from tests.testapp.views import PageView
    from tests.utils import render

    settings.LAYOUTS_CBV = {"DEBUG_ERRORS": True}
    View = type("View", (PageView,), {"sidebar": Panel("testapp:greting")})
    with pytest.raises(Exception) as info:
        render(View)
    cause = info.value.__cause__
    assert isinstance(cause, PanelNotFound)
    assert "in the panel registry or the URLconf" in str(cause)
    assert "testapp:greeting" in str(cause)


def test_failed_import_of_panels_module_is_rolled_back(scratch):
    # autodiscover_modules() restores _registry when a panels module fails half-way.
    site = registry.PanelRegistry()
    site.register("kept", template="a.html")
    assert hasattr(site, "_registry") and "kept" in site._registry
