"""What a failing panel turns into: the layout's error template, or PanelRenderError."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from . import conf
from .exceptions import PanelRenderError

logger = logging.getLogger("layouts_cbv")


def panel_failed(
    name: str, exc: BaseException, error_template: str, request: HttpRequest
) -> SafeString:
    """Log the failure of panel ``name`` and return what the page shows instead.

    With ``DEBUG_ERRORS`` on, raise :class:`PanelRenderError` chained to ``exc`` instead.
    """
    if conf.get("DEBUG_ERRORS"):
        raise PanelRenderError(name, str(exc)) from exc
    logger.error("Panel %r failed to render", name, exc_info=(type(exc), exc, exc.__traceback__))
    # The error template never sees the exception: its text may hold internals.
    return mark_safe(render_to_string(error_template, {"panel_name": name}, request))


def condition_failed(name: str, exc: BaseException) -> None:
    """Log a ``condition=`` that raised; the panel is then skipped."""
    logger.error(
        "The condition of panel %r raised; the panel is skipped",
        name,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
