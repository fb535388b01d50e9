"""What a failing panel turns into: the layout's error template, or PanelRenderError."""

from __future__ import annotations

import logging
import threading

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from . import conf
from .exceptions import PanelRenderError

logger = logging.getLogger("layouts_cbv")

_logged: set[tuple[str, str]] = set()
_logged_lock = threading.Lock()


def panel_failed(
    name: str, exc: BaseException, error_template: str, request: HttpRequest
) -> SafeString:
    """Log the failure of panel ``name`` and return what the page shows instead.

    With ``DEBUG_ERRORS`` on, raise :class:`PanelRenderError` chained to ``exc`` instead.
    """
    if conf.get("DEBUG_ERRORS"):
        raise PanelRenderError(name, str(exc)) from exc
    logger.error("Panel %r failed to render", name, exc_info=(type(exc), exc, exc.__traceback__))
    try:
        # The error template never sees the exception: its text may hold internals.
        html = render_to_string(error_template, {"panel_name": name}, request)
    except Exception as template_exc:
        # A broken error template must not take the page down either: the panel's
        # place is left empty, so its {% panel %} fallback shows.
        error_template_failed(name, error_template, template_exc)
        return mark_safe("")
    return mark_safe(html)


def error_template_failed(name: str, error_template: str, exc: BaseException) -> None:
    """Log, once per panel and template per process, an error template that failed."""
    with _logged_lock:
        first = (name, error_template) not in _logged
        _logged.add((name, error_template))
    if first:
        logger.error(
            "The error template %r failed to render for panel %r (%s: %s); the panel's "
            "place is left empty. Logged once per panel per process.",
            error_template,
            name,
            type(exc).__name__,
            exc,
            exc_info=(type(exc), exc, exc.__traceback__),
        )


def condition_failed(name: str, exc: BaseException) -> None:
    """Log a ``condition=`` that raised; the panel is then skipped."""
    logger.error(
        "The condition of panel %r raised; the panel is skipped",
        name,
        exc_info=(type(exc), exc, exc.__traceback__),
    )
