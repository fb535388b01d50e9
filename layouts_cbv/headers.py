"""The page's headers: what its panels depend on and what their responses said.

A page varies on ``Cookie`` when any part of it depends on who is asking: a panel
cached per user or per session (or with a strategy that does not declare
``varies_on``), or any panel, cached or not, whose render or ``condition`` read the
user, the session, messages or cookies. A part that depends on a request header
(``varies_on`` with ``header:X-Country``, or a render that read it) adds that header.
Panels' own ``Vary`` headers are merged; a panel marked ``private`` or ``no-store``
makes the page so. Cookies set by a panel are applied only when it was rendered for
this request, never when it was replayed from the cache.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.http import HttpResponseBase
from django.utils.cache import patch_cache_control, patch_vary_headers

from .cache.variation import HEADER, PERSONAL

if TYPE_CHECKING:
    from .sources import PanelHeaders


def vary_for(depends_on: Iterable[str]) -> tuple[str, ...]:
    """Return the request headers a response must vary on when it depends on ``depends_on``."""
    return _vary_for(frozenset(depends_on))


@functools.lru_cache(maxsize=256)
def _vary_for(depends_on: frozenset[str]) -> tuple[str, ...]:
    names = ["Cookie"] if depends_on & PERSONAL else []
    names += sorted(
        name.removeprefix(HEADER).title() for name in depends_on if name.startswith(HEADER)
    )
    return tuple(names)


def apply(
    response: HttpResponseBase, parts: Iterable[tuple[frozenset[str], PanelHeaders, bool]]
) -> None:
    """Patch ``response`` with what its panels vary on and asked for.

    ``parts`` gives, for each panel, what it depends on, its response's headers and
    whether it came from the cache (see :meth:`~layouts_cbv.rendering.Outcomes.header_parts`).
    """
    # Panels cached alike share one depends_on: each set is looked at once.
    depends_on: dict[frozenset[str], None] = {}
    vary: list[str] = []
    private = no_store = False
    for panel_depends_on, headers, from_cache in parts:
        depends_on[panel_depends_on] = None
        if not (headers.vary or headers.cache_control or headers.cookies):
            continue
        vary.extend(headers.vary)
        directives = headers.cache_control.lower()
        private = private or "private" in directives
        no_store = no_store or "no-store" in directives
        if headers.cookies and not from_cache:
            response.cookies.update(headers.cookies)
    vary[:0] = [name for names in depends_on for name in vary_for(names)]
    add_vary(response, vary)
    if no_store:
        add_cache_control(response, no_store=True)
    if private:
        add_cache_control(response, private=True)


def add_vary(response: HttpResponseBase, names: Iterable[str]) -> None:
    """Add ``names`` to the ``Vary`` header; leave it unset when there are none."""
    names = [name for name in names if name]
    if not names:
        return  # patch_vary_headers would set an empty Vary, which later becomes ", Cookie"
    existing = response.headers.get("Vary")
    if existing is None:
        seen: dict[str, str] = {}
        for name in names:
            seen.setdefault(name.lower(), name)
        response.headers["Vary"] = ", ".join(seen.values())
    elif not {name.lower() for name in names} <= {
        part.strip().lower() for part in existing.split(",")
    }:
        patch_vary_headers(response, names)


def add_cache_control(response: HttpResponseBase, **directives: Any) -> None:
    """Add ``directives`` to ``Cache-Control``, as ``patch_cache_control`` does."""
    if "Cache-Control" in response or len(directives) != 1:
        patch_cache_control(response, **directives)
        return
    # The common case, one directive on a response without the header, needs no parsing.
    ((name, value),) = directives.items()
    name = name.replace("_", "-")
    response.headers["Cache-Control"] = name if value is True else f"{name}={value}"
