"""Panel views that refuse to be opened directly: ``@panel_only`` and ``PanelOnlyMixin``.

A panel renders on a clone of the page's request whose ``layout_role`` is ``"panel"``
(see :mod:`layouts_cbv.clone`); the page's own request, or a visitor opening the panel's
URL, has ``"main"`` or none. A panel view routed in the URLconf (a ``Panel("app:name")``
that is a URL name) is reachable by anyone who guesses its URL; these refuse such a
request with 403 (``PermissionDenied``, so the project's 403 handler answers).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from .clone import PANEL

__all__ = ["PanelOnlyMixin", "is_panel", "panel_only"]

ViewFunction = TypeVar("ViewFunction", bound=Callable[..., Any])

REFUSED = "This view renders only as a panel of a page."


def is_panel(request: HttpRequest) -> bool:
    """Return whether ``request`` is a panel's (a clone made to render one panel)."""
    return getattr(request, "layout_role", None) == PANEL


def panel_only(view: ViewFunction) -> ViewFunction:
    """Refuse (403) a function view unless it renders as a panel; sync or async."""
    if iscoroutinefunction(view):

        async def refuse_async(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not is_panel(request):
                raise PermissionDenied(REFUSED)
            return await view(request, *args, **kwargs)

        return functools.wraps(view)(refuse_async)  # type: ignore[return-value]

    def refuse(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not is_panel(request):
            raise PermissionDenied(REFUSED)
        return view(request, *args, **kwargs)

    return functools.wraps(view)(refuse)  # type: ignore[return-value]


class PanelOnlyMixin:
    """Refuse (403) a class-based view unless it renders as a panel.

    List it first, before the view class (and before ``LayoutMixin``):
    ``class RelatedView(PanelOnlyMixin, ListView)``.
    """

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        if not is_panel(request):
            raise PermissionDenied(REFUSED)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
