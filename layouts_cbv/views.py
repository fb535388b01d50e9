"""The endpoint deferred panels are fetched from (``layouts_cbv.urls``).

It checks like the page: the reference names a page, which is resolved through the
URLconf and its view called for the visitor (its decorators, access mixins and object
lookup run as for the page, so the visitor gets the page's own 302, 403 or 404), and
the page's pipeline then renders only the one panel.
"""

from __future__ import annotations

import copy
import logging

from asgiref.sync import async_to_sync
from django.core import signing
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase, QueryDict
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_GET

from . import report
from .clone import copy_csrf_state
from .deferred import BadReference, Reference
from .functions import page_view_path
from .pipeline import DEFERRED_PANEL
from .response import LayoutResponse

logger = logging.getLogger("layouts_cbv")

BAD_REFERENCE = "This panel reference is not valid, or has expired."


@require_GET
def deferred_panel(request: HttpRequest) -> HttpResponseBase:
    """Render one deferred panel for the visitor, from a signed reference to its page."""
    try:
        reference = Reference.load(request.GET["ref"])
        page = page_request(request, reference)
        match = resolve(page.path_info)
    except (KeyError, signing.BadSignature, BadReference, Resolver404) as exc:
        return refused(exc)
    # The reference was signed for this view (a LayoutMixin view, a function decorated
    # with @layout or one calling render_with_layout()): it must be the path's view still.
    if not (
        page_view_path(match.func) == reference.view and reference.matches(match.args, match.kwargs)
    ):
        return refused(BadReference(f"{reference.path} is not the page of {reference.view}"))
    page.resolver_match = match
    response = match.func(page, *match.args, **match.kwargs)
    if not isinstance(response, HttpResponseBase):
        response = async_to_sync(_awaited)(response)  # an async view
    if not isinstance(response, LayoutResponse):
        # The page's own answer to this visitor: a redirect to log in, 403, 404.
        return response if response.status_code != 200 else refused(BadReference("no layout"))
    try:
        response.render()
    except BadReference as exc:
        return refused(exc)
    copy_csrf_state(page, request)  # a form in the panel: the visitor's CSRF cookie
    return response


async def _awaited(coroutine):  # type: ignore[no-untyped-def]
    return await coroutine


def refused(reason: Exception) -> HttpResponseBadRequest:
    """Answer a bad reference with 400, logging why (a visitor's error, no traceback)."""
    logger.warning("Refused a deferred panel reference: %s", reason)
    return HttpResponseBadRequest(BAD_REFERENCE)


def page_request(request: HttpRequest, reference: Reference) -> HttpRequest:
    """Return the visitor's request as a GET of the page the panel belongs to."""
    script_name = request.path.removesuffix(request.path_info)
    if not reference.path.startswith(script_name):
        raise BadReference(f"{reference.path} is outside this site")
    page = copy.copy(request)
    page.path = reference.path
    page.path_info = "/" + reference.path.removeprefix(script_name).lstrip("/")
    page.META = {**request.META, "PATH_INFO": page.path_info, "QUERY_STRING": reference.query}
    vars(page).pop("headers", None)  # made again from the page's META
    if "environ" in vars(page):
        page.environ = page.META  # type: ignore[attr-defined]
    page.GET = QueryDict(reference.query)
    vars(page)[DEFERRED_PANEL] = reference.panel
    # What the page's pipeline reports lands on the request the toolbar looks at.
    vars(page)[report.ATTR] = vars(request).setdefault(report.ATTR, [])
    return page
