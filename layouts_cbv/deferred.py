"""Deferred panels: a placeholder now, the panel fetched by the browser (or an ESI edge).

``Panel(..., defer=True)`` puts the panel's ``{% panel %}`` fallback in the page inside
an element that names a signed reference to the panel endpoint
(``layouts_cbv.urls``); ``static/layouts_cbv/deferred.js`` fetches it and swaps it in,
or htmx does when it is on the page. ``defer="esi"`` emits ``<esi:include>`` for an
edge cache instead.
"""

from __future__ import annotations

from dataclasses import dataclass
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


class BadReference(ValueError):
    """A panel reference that is signed by this site but does not name a deferred panel."""


def view_path(view_class: type) -> str:
    """Return the dotted path a reference names a view class by."""
    return f"{view_class.__module__}.{view_class.__qualname__}"


def reference(view: LayoutMixin, panel_name: str) -> str:
    """Return the signed URL of panel ``panel_name`` of this page."""
    request: HttpRequest = view.request  # type: ignore[attr-defined]
    payload = {
        "view": view_path(type(view)),
        "panel": panel_name,
        "path": request.path,
        "query": request.META.get("QUERY_STRING", ""),
        # As text: URL converters give UUIDs, dates and more, which JSON cannot carry.
        "args": [str(arg) for arg in view.args],  # type: ignore[attr-defined]
        "kwargs": {key: str(value) for key, value in view.kwargs.items()},  # type: ignore[attr-defined]
    }
    token = signing.dumps(payload, salt=SALT, compress=True)
    return f"{reverse('layouts_cbv:panel')}?ref={token}"


@dataclass(frozen=True)
class Reference:
    """What a panel reference names: a page (view, path, query, URL arguments) and a panel."""

    view: str
    panel: str
    path: str
    query: str
    args: tuple[str, ...]
    kwargs: dict[str, str]

    @classmethod
    def load(cls, token: str) -> Reference:
        """Return the reference signed in ``token``.

        Raise ``signing.BadSignature`` if it is tampered with or older than
        ``DEFERRED_MAX_AGE``, and :class:`BadReference` if it is signed but malformed.
        """
        payload = signing.loads(token, salt=SALT, max_age=conf.get("DEFERRED_MAX_AGE"))
        if not isinstance(payload, dict):
            raise BadReference("the reference is not a mapping")
        try:
            view, panel, path, query = (payload[key] for key in ("view", "panel", "path", "query"))
            args, kwargs = payload["args"], payload["kwargs"]
        except KeyError as exc:
            raise BadReference(f"the reference has no {exc}") from None
        texts = (view, panel, path, query)
        if not all(isinstance(text, str) for text in texts) or not path.startswith("/"):
            raise BadReference("the reference's view, panel, path and query must be text")
        if not (isinstance(args, list) and all(isinstance(arg, str) for arg in args)):
            raise BadReference("the reference's args must be a list of text")
        if not (
            isinstance(kwargs, dict) and all(isinstance(value, str) for value in kwargs.values())
        ):
            raise BadReference("the reference's kwargs must map names to text")
        return cls(view, panel, path, query, tuple(args), kwargs)

    def matches(self, args: Any, kwargs: Any) -> bool:
        """Return whether the page's URL resolves to the arguments the reference was made with."""
        return list(self.args) == [str(arg) for arg in args] and self.kwargs == {
            key: str(value) for key, value in kwargs.items()
        }


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
