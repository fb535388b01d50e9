"""Partial-rendering detectors: ``(request) -> bool``; true renders only the content panel.

List them in ``LAYOUTS_CBV["PARTIAL_DETECTORS"]`` by dotted path. A detector may name
the request headers it reads in a ``vary_headers`` attribute; responses vary on them.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

from django.http import HttpRequest

from . import conf
from .sources import import_callable

__all__ = ["htmx", "query_param"]


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
def _load(paths: tuple[str, ...]) -> tuple[Callable[[HttpRequest], bool], ...]:
    return tuple(import_callable(path) for path in paths)


def detectors() -> tuple[Callable[[HttpRequest], bool], ...]:
    """Return the configured detectors, imported."""
    return _load(tuple(conf.get("PARTIAL_DETECTORS")))


def vary_headers() -> list[str]:
    """Return the request headers the configured detectors read."""
    return [header for detector in detectors() for header in getattr(detector, "vary_headers", ())]


def is_partial(request: HttpRequest) -> bool:
    """Return whether any configured detector fires for ``request``."""
    return any(detector(request) for detector in detectors())
