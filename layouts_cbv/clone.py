"""Cloned GET requests that panels render on, each noting what its panel reads."""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

from .queues import REQUEST_ATTR
from .tracking import Reads, originals, track

MAIN = "main"
PANEL = "panel"

# Request attributes a clone must not share with the page's request.
_BODY_ATTRS = ("_post", "_files", "_body", "_stream", "_read_started", REQUEST_ATTR)


def freeze(context: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a read-only view of ``context``."""
    return MappingProxyType(dict(context))


def clone_for_panel(
    request: HttpRequest, layout_context: Mapping[str, Any]
) -> tuple[HttpRequest, Reads]:
    """Return a GET copy of ``request`` for one panel (no body, no POST data, no files),
    and what the panel will be seen to read of it.

    The clone is made from the request's own user, session, cookies and headers, never
    from the proxies of a page being watched: what a panel reads is its own.
    """
    values = originals(request)
    clone = copy.copy(request)
    attrs = vars(clone)
    for attr in _BODY_ATTRS:
        attrs.pop(attr, None)
    meta = {**values["META"], "REQUEST_METHOD": "GET", "CONTENT_LENGTH": "0"}
    meta.pop("CONTENT_TYPE", None)
    values = {**values, "META": meta}
    if "environ" in values:
        values["environ"] = meta
    clone.method = "GET"
    clone._post = QueryDict(mutable=False)  # type: ignore[attr-defined]
    clone._files = MultiValueDict()  # type: ignore[attr-defined]
    clone._body = b""  # type: ignore[attr-defined]
    clone._stream = io.BytesIO()  # type: ignore[attr-defined]
    clone.layout_role = PANEL  # type: ignore[attr-defined]
    clone.layout_context = layout_context  # type: ignore[attr-defined]
    return clone, track(clone, values)


def copy_csrf_state(clone: HttpRequest, request: HttpRequest) -> None:
    """Give ``request`` the CSRF state a render on ``clone`` left, so the response sets the
    visitor's CSRF cookie as Django would for a token used on the page."""
    for key in ("CSRF_COOKIE", "CSRF_COOKIE_NEEDS_UPDATE"):
        if key in clone.META:
            request.META[key] = clone.META[key]
