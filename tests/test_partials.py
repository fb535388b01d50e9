"""Partial rendering: detectors return only the content panel."""

import pytest

from tests.utils import text

DETECTORS = ["layouts_cbv.detection.htmx", "layouts_cbv.detection.query_param"]


@pytest.fixture(autouse=True)
def detectors(settings):
    settings.LAYOUTS_CBV = {"PARTIAL_DETECTORS": DETECTORS}


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
