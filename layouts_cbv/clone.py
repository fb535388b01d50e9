"""Cloned GET requests that panels render on."""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict

from .queues import REQUEST_ATTR

MAIN = "main"
PANEL = "panel"

# Request attributes a clone must not share with the page's request.
_BODY_ATTRS = ("_post", "_files", "_body", "_stream", "_read_started", REQUEST_ATTR)


def freeze(context: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return a read-only view of ``context``."""
    return MappingProxyType(dict(context))


def clone_for_panel(request: HttpRequest, layout_context: Mapping[str, Any]) -> HttpRequest:
    """Return a GET copy of ``request`` for one panel: no body, no POST data, no files."""
    clone = copy.copy(request)
    for attr in _BODY_ATTRS:
        clone.__dict__.pop(attr, None)
    clone.method = "GET"
    clone.META = {**request.META, "REQUEST_METHOD": "GET", "CONTENT_LENGTH": "0"}
    clone.META.pop("CONTENT_TYPE", None)
    clone._post = QueryDict(mutable=False)  # type: ignore[attr-defined]
    clone._files = MultiValueDict()  # type: ignore[attr-defined]
    clone._body = b""  # type: ignore[attr-defined]
    clone._stream = io.BytesIO()  # type: ignore[attr-defined]
    clone.layout_role = PANEL  # type: ignore[attr-defined]
    clone.layout_context = layout_context  # type: ignore[attr-defined]
    return clone
