"""The endpoint deferred panels are fetched from (``layouts_cbv.urls``)."""

from __future__ import annotations

import copy

from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.utils.cache import patch_cache_control
from django.utils.module_loading import import_string
from django.views.decorators.http import require_GET

from . import deferred, headers
from .clone import freeze
from .markers import fill_queues, marker
from .mixins import LayoutMixin
from .queues import QueueCollector
from .rendering import PanelRenderer

BAD_REFERENCE = "This panel reference is not valid, or has expired."


@require_GET
def deferred_panel(request: HttpRequest) -> HttpResponse:
    """Render one deferred panel for the visitor, from a signed reference to its page."""
    try:
        payload = deferred.load(request.GET["ref"])
        view_class = import_string(payload["view"])
    except (KeyError, ImportError, signing.BadSignature):
        return HttpResponseBadRequest(BAD_REFERENCE)
    if not (isinstance(view_class, type) and issubclass(view_class, LayoutMixin)):
        return HttpResponseBadRequest(BAD_REFERENCE)
    view = view_class()
    view.setup(page_request(request, payload), *payload["args"], **payload["kwargs"])
    panel = view.get_panels().get(payload["panel"])
    if panel is None or not panel.defer:
        return HttpResponseBadRequest(BAD_REFERENCE)
    return render_panel(view, payload["panel"], panel)


def page_request(request: HttpRequest, payload: dict) -> HttpRequest:
    """Return the visitor's request as if it were for the page the panel belongs to."""
    page = copy.copy(request)
    page.path = page.path_info = payload["path"]
    page.META = {**request.META, "PATH_INFO": payload["path"], "QUERY_STRING": payload["query"]}
    page.GET = QueryDict(payload["query"])
    return page


def render_panel(view: LayoutMixin, name: str, panel) -> HttpResponse:
    request = view.request  # type: ignore[attr-defined]
    layout = view.get_layout()(view)
    layout_context = freeze({**layout.get_layout_context(request), **view.get_layout_context()})
    renderer = PanelRenderer(request, layout_context, layout.error_template)
    outcome = renderer.render_all({name: panel})[name]
    # The panel's scripts and styles come with it: the page has already been rendered.
    collector = QueueCollector()
    collector.extend(outcome.queue_items)
    queued = "".join(marker(queue) for queue in collector.names())
    body = fill_queues(outcome.html + queued, collector, layout.queues, request)
    response = HttpResponse(body)
    headers.apply(response, [outcome])
    patch_cache_control(response, private=True)
    return response
