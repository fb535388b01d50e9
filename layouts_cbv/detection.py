"""Partial-rendering detectors: ``(request) -> bool``; true renders only the content panel.

List them in ``LAYOUTS_CBV["PARTIAL_DETECTORS"]`` by dotted path. A detector may name
the request headers it reads in a ``vary_headers`` attribute; responses vary on them.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import lru_cache

from django.http import HttpRequest

from . import conf
from .sources import import_callable

__all__ = ["htmx", "query_param"]

logger = logging.getLogger("layouts_cbv")

Detector = Callable[[HttpRequest], bool]


def htmx(request: HttpRequest) -> bool:
    """Fire for htmx requests (``HX-Request: true``), except history restores."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


htmx.vary_headers = ("HX-Request",)  # type: ignore[attr-defined]


def query_param(request: HttpRequest) -> bool:
    """Fire for ``?_partial=1``."""
    return request.GET.get("_partial") == "1"


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> tuple[tuple[str, Detector], ...]:
    return tuple((path, import_callable(path)) for path in paths)


def _configured() -> tuple[tuple[str, Detector], ...]:
    return _load(tuple(conf.get("PARTIAL_DETECTORS")))


def detectors() -> tuple[Detector, ...]:
    """Return the configured detectors, imported."""
    return tuple(detector for _, detector in _configured())


def vary_headers() -> list[str]:
    """Return the request headers the configured detectors read."""
    return [header for detector in detectors() for header in getattr(detector, "vary_headers", ())]


def is_partial(request: HttpRequest) -> bool:
    """Return whether any configured detector fires for ``request``.

    A detector that raises counts as false: a broken detector must not take down
    every page, and the whole page is always a correct answer.
    """
    return any(_fires(path, detector, request) for path, detector in _configured())


_logged: set[str] = set()
_logged_lock = threading.Lock()


def _fires(path: str, detector: Detector, request: HttpRequest) -> bool:
    try:
        return bool(detector(request))
    except Exception:
        with _logged_lock:
            first = path not in _logged
            _logged.add(path)
        if first:
            logger.exception(
                "PARTIAL_DETECTORS entry %r raised; it counts as false, so the page "
                "renders whole. Logged once per detector per process.",
                path,
            )
        return False
