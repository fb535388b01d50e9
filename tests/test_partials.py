"""Partial rendering: detectors return only the content panel."""

import logging
import traceback

import pytest

from layouts_cbv import Panel, cache, detection
from tests.testapp.views import PageView
from tests.utils import render, text

DETECTORS = ["layouts_cbv.detection.htmx", "layouts_cbv.detection.query_param"]


@pytest.fixture(autouse=True)
def detectors(settings):
    settings.LAYOUTS_CBV = {"PARTIAL_DETECTORS": DETECTORS}
    detection._logged.clear()


def test_htmx_request_gets_only_content(client):
    response = client.get("/page/", headers={"HX-Request": "true"})
    assert text(response).strip() == "<h1>Page</h1>\n".strip()
    assert "HX-Request" in response["Vary"]


def test_full_page_also_varies_on_hx_request(client):
    response = client.get("/page/")
    assert "<nav>" in text(response)
    assert "HX-Request" in response["Vary"]


def test_history_restore_gets_the_full_page(client):
    response = client.get(
        "/page/", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"}
    )
    assert "<nav>" in text(response)


def test_query_param_detector(client):
    assert "<nav>" not in text(client.get("/page/?_partial=1"))
    assert "<nav>" in text(client.get("/page/?_partial=0"))


def test_no_detectors_no_partials(client, settings):
    settings.LAYOUTS_CBV = {}
    assert "<nav>" in text(client.get("/page/", headers={"HX-Request": "true"}))


def test_partial_content_keeps_its_own_queue_markers(client, settings):
    # A content template that renders its own scripts still gets them in a partial.
    from layouts_cbv.queues import add_script  # noqa: F401

    response = client.get("/page/?_partial=1")
    assert "layouts_cbv:" not in text(response)


def test_view_can_force_the_full_layout(rf):
    from tests.testapp.views import PageView

    class Always(PageView):
        def is_partial(self):
            return False

    response = Always.as_view()(rf.get("/?_partial=1"))
    response.render()
    assert "<nav>" in text(response)


BROKEN = ["tests.testapp.detectors.broken", "tests.testapp.detectors.also_broken"]


def logged(caplog):
    return [r for r in caplog.records if r.name == "layouts_cbv"]


def test_a_detector_that_raises_counts_as_false(client, settings, caplog):
    settings.LAYOUTS_CBV = {"PARTIAL_DETECTORS": [*BROKEN, "layouts_cbv.detection.query_param"]}
    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        whole = [client.get("/page/") for _ in range(3)]
        partial = client.get("/page/?_partial=1")  # the detectors after it are still asked
    assert all(r.status_code == 200 and "<nav>" in text(r) for r in whole)
    assert partial.status_code == 200 and "<nav>" not in text(partial)
    # Logged once per detector per process, with the traceback into the detector.
    assert [(r.levelno, r.getMessage()) for r in logged(caplog)] == [
        (
            logging.ERROR,
            f"PARTIAL_DETECTORS entry {path!r} raised; it counts as false, so the page "
            "renders whole. Logged once per detector per process.",
        )
        for path in BROKEN
    ]
    for record, (raised, where) in zip(
        logged(caplog), [(RuntimeError, "broken"), (KeyError, "also_broken")], strict=True
    ):
        assert record.exc_info[0] is raised
        assert where in [frame.name for frame in traceback.extract_tb(record.exc_info[2])]


built = []


class CachedPage(PageView):
    page_cache = cache.per_path(600)
    nav = Panel(literal="<nav>baked nav</nav>", cache=cache.sitewide(600))

    def get_context_data(self, **kwargs):
        built.append(self.request.path)
        return super().get_context_data(**kwargs)


def test_a_detector_that_raises_on_a_page_cached_page(settings, caplog):
    settings.LAYOUTS_CBV = {"PARTIAL_DETECTORS": BROKEN}
    built.clear()
    with caplog.at_level(logging.ERROR, logger="layouts_cbv"):
        responses = [render(CachedPage, "/cached/") for _ in range(3)]
    assert built == ["/cached/"]  # the whole page, stored once and served from the cache
    for response in responses:
        assert response.status_code == 200
        assert "<nav>baked nav</nav>" in text(response) and "<h1>Page</h1>" in text(response)
    assert len(logged(caplog)) == 2
