"""The layout's ``panels`` as a template reads them: safe HTML however it is read.

A panel served from the cache is kept as the plain ``str`` its entry holds (marking it
safe would copy it); the ``{% panel %}`` tag prints it as it is, and every other way a
template reads ``panels`` gets it marked. Escaping it would print the panel's markup
as text.
"""

import pytest
from django.template import Context, Template
from django.test import Client
from django.urls import path
from django.utils.html import escape
from django.utils.safestring import SafeString
from django.views.generic import TemplateView

from layouts_cbv import LayoutMixin, Panel, cache, report
from layouts_cbv.assembly import Panels, PanelsHTML

NAV = "<nav>Home &amp; away</nav>"
WAYS = ("tag", "lookup", "items", "values", "with", "copy")


class EveryWay(LayoutMixin, TemplateView):
    layout_template = "testapp/panels_every_way.html"
    template_name = "testapp/content.html"
    nav = Panel(lambda request: NAV, cache=cache.sitewide(60))


class EveryWayUncached(EveryWay):
    nav = Panel(lambda request: NAV)


urlpatterns = [path("cached/", EveryWay.as_view()), path("uncached/", EveryWayUncached.as_view())]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


def shown(body: str, way: str) -> str:
    start = body.index(f'<div id="{way}">') + len(f'<div id="{way}">')
    return body[start : body.index("</div>", start)]


@pytest.mark.parametrize("url", ["/cached/", "/uncached/"])
def test_every_way_of_reading_a_panel_prints_its_html_on_a_cold_and_a_warm_page(url):
    client = Client()
    for expected_state in ("miss", "hit") if url == "/cached/" else ("uncached", "uncached"):
        response = client.get(url)
        body = response.content.decode()
        [nav] = [row for row in report.records(response.wsgi_request) if row["name"] == "nav"]
        assert nav["state"] == expected_state
        assert {way: shown(body, way) for way in WAYS} == dict.fromkeys(WAYS, NAV)


def panels(**html):
    return Panels(PanelsHTML(html))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ panels.nav }}", NAV),
        ("{% for html in panels.values %}{{ html }}{% endfor %}", NAV),
        ("{% for name, html in panels.items %}{{ name }}={{ html }}{% endfor %}", f"nav={NAV}"),
        ("{% with copied=panels.copy %}{{ copied.nav }}{% endwith %}", NAV),
        ("{% firstof panels.missing panels.nav %}", NAV),
        ("{{ panels.missing|default:panels.nav }}", NAV),
        ("{{ panels.missing }}", ""),
        ("{{ panels|length }}", "1"),
    ],
)
def test_a_served_panel_in_panels_is_read_as_safe_html(source, expected):
    page = panels(nav=NAV)
    assert Template(source).render(Context({"panels": page})) == expected


@pytest.mark.parametrize(
    "copy",
    [
        dict,
        lambda page: {**page},
        lambda page: page.copy(),
        lambda page: page | {},
        lambda page: {} | page,
        lambda page: Context(page).flatten(),
    ],
    ids=["dict()", "{**}", "copy()", "panels |", "| panels", "Context()"],
)
def test_a_copy_of_panels_is_still_safe_html(copy):
    # A project's inclusion tag may hand on {**context["panels"], ...}; a copy made
    # without a lookup would give a served panel's HTML unmarked, to be escaped.
    assert Template("{{ nav }}").render(Context(copy(panels(nav=NAV)))) == NAV


def test_python_code_reading_panels_gets_safe_html_too():
    # A project's own template tag may read context["panels"] as a mapping.
    page = panels(nav=NAV)
    for html in (page["nav"], page.get("nav"), *page.values(), next(iter(page.items()))[1]):
        assert isinstance(html, SafeString) and html == NAV
    assert page.get("missing") is None


def test_a_default_given_to_get_is_not_marked_safe():
    # "The panel, or this text": the text is the caller's, and stays escaped.
    fallback = "<script>alert(1)</script>"
    assert panels(nav=NAV).get("promo", fallback) is fallback
    context = Context({"page": panels(nav=NAV), "title": fallback})
    assert Template("{{ page.promo|default:title }}").render(context) == escape(fallback)
