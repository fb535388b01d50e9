"""Deferred panels: a placeholder now, the panel fetched by the browser (or an ESI edge).

``Panel(..., defer=True)`` puts the panel's ``{% panel %}`` fallback in the page inside
an element that names a signed reference to the panel endpoint
(``layouts_cbv.urls``); ``static/layouts_cbv/deferred.js`` fetches it and swaps it in,
or htmx does when it is on the page. ``defer="esi"`` emits ``<esi:include>`` for an
edge cache instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core import signing
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from . import conf
from .queues import add_script

if TYPE_CHECKING:
    from .mixins import LayoutMixin

SALT = "layouts_cbv.deferred"
SCRIPT = "layouts_cbv/deferred.js"
ESI = "esi"


def reference(view: LayoutMixin, panel_name: str) -> str:
    """Return the signed URL of panel ``panel_name`` of this page."""
    request: HttpRequest = view.request  # type: ignore[attr-defined]
    payload = {
        "view": f"{type(view).__module__}.{type(view).__qualname__}",
        "panel": panel_name,
        "path": request.path,
        "query": request.META.get("QUERY_STRING", ""),
        "args": list(view.args),  # type: ignore[attr-defined]
        "kwargs": dict(view.kwargs),  # type: ignore[attr-defined]
    }
    token = signing.dumps(payload, salt=SALT, compress=True)
    return f"{reverse('layouts_cbv:panel')}?ref={token}"


def load(token: str) -> dict[str, Any]:
    """Return the payload of a reference; raise ``signing.BadSignature`` if it is bad or old."""
    return signing.loads(token, salt=SALT, max_age=conf.get("DEFERRED_MAX_AGE"))


class Deferred:
    """What ``{% panel %}`` finds for a deferred panel: a placeholder around the fallback."""

    def __init__(self, name: str, url: str, mode: bool | str):
        self.name, self.url, self.mode = name, url, mode

    def wrap(self, fallback: str) -> SafeString:
        if self.mode == ESI:
            return format_html('<esi:include src="{}" />', self.url)
        return format_html(
            '<div data-layouts-deferred="{}" hx-get="{}" hx-trigger="load" hx-swap="outerHTML">'
            "{}</div>",
            self.url,
            self.url,
            fallback,
        )

    def __html__(self) -> SafeString:
        return self.wrap("")

    __str__ = __html__


def placeholder(view: LayoutMixin, name: str, mode: bool | str) -> Deferred:
    """Return the placeholder of a deferred panel; queue the script that fills it."""
    if mode != ESI:
        add_script(view.request, static(SCRIPT), is_deferred=True)  # type: ignore[attr-defined]
    return Deferred(name, reference(view, name), mode)
