"""Assemble a page: the content panel, the other panels, the layout template, the queues.

Assembly makes the page's *stored form*: the layout rendered with every panel in place
except the holes (left as their ``{% panel %}`` fallback between markers) and with the
render queues still as markers. :func:`serve` fills holes and queues. A page cached
whole keeps its stored form; a page that is not cached is served at once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from . import conf
from . import holes as hole_marks
from .layout import CONTENT, Layout
from .markers import fill_queues
from .queues import QueueCollector, RenderQueue, get_collector
from .rendering import Outcomes, PanelOutcome

# Template context key the {% panel %} tag reads, safe from clashes with view context.
PANELS_KEY = "_layouts_cbv_panels"


class PanelsHTML(dict[str, Any]):
    """What the ``{% panel %}`` tag reads under :data:`PANELS_KEY`: the HTML of each
    panel (or what stands in for it) by name, as the page holds it, and whether to mark
    them for badges (asked once per page, not once per panel).

    Every value is safe HTML, but a panel served from the cache is kept as the plain
    ``str`` its entry holds: marking it safe copies it, which a page of many panels
    would pay for each. The tag prints it as it is (a tag's output is never escaped).
    Templates and other code read the page's panels through :class:`Panels`.
    """

    badges = False


class Panels(Mapping[str, Any]):
    """The layout template's ``panels``: each panel's HTML by name, marked safe as it
    is read (``{{ panels.nav }}``, ``panels.items``, ``dict(panels)``, a project's own
    tag reading ``context["panels"]``).

    Not a dict: what a dict copies or returns without a lookup (``dict(d)``,
    ``d.copy()``, ``{**d}``, ``setdefault``, ``pop``) would hand out a served panel's
    HTML unmarked, to be escaped. A mapping has only lookups, and each one marks.
    """

    __slots__ = ("_html",)

    def __init__(self, html: PanelsHTML):
        self._html = html

    def __getitem__(self, name: str) -> Any:
        html = self._html[name]
        return SafeString(html) if type(html) is str else html

    def __iter__(self) -> Iterator[str]:
        return iter(self._html)

    def __len__(self) -> int:
        return len(self._html)

    def __contains__(self, name: object) -> bool:
        return name in self._html

    def copy(self) -> dict[str, Any]:
        """Return the panels as a dict, every value marked (as dict's ``copy()`` did)."""
        return dict(self)

    def __or__(self, other: Mapping[str, Any]) -> dict[str, Any]:
        return {**self, **other}

    def __ror__(self, other: Mapping[str, Any]) -> dict[str, Any]:
        return {**other, **self}

    def __repr__(self) -> str:
        return f"Panels({dict(self)!r})"


@dataclass
class Assembled:
    """A page in its stored form, with the parts that are filled on every serve."""

    stored: SafeString
    stored_items: list[tuple[str, Any]]  # content, baked panels and the layout's own
    holes: dict[str, PanelOutcome]


def assemble(
    request: HttpRequest,
    layout: Layout,
    template: str | list[str],
    outcomes: Outcomes,
    content: SafeString,
    layout_context: Mapping[str, Any],
    using: str | None = None,
    holes: Collection[str] = (),
    placeholders: Mapping[str, Any] | None = None,
) -> Assembled:
    """Render the layout template around ``content`` and the panels' ``outcomes``.

    ``holes`` are left as their fallback between markers; ``placeholders`` stand in
    for panels that are not rendered here (deferred ones).
    """
    collector = get_collector(request)
    html_by_name = PanelsHTML({CONTENT: content, **(placeholders or {})})
    html_by_name.badges = conf.get("BADGES")
    shown = outcomes.html()
    if holes:
        # In the panels' order, holes in their places (skipped ones too: their markers
        # give way to their fallback): a layout may print the panels in turn.
        for name in outcomes:
            if name in holes:
                html_by_name[name] = hole_marks.Hole(name)
            elif name in shown:
                html_by_name[name] = shown[name]
    else:
        html_by_name.update(shown)
    for name, queue_items in outcomes.queue_items():
        if name not in holes:
            collector.extend(queue_items)
    filled = {name: outcomes[name] for name in outcomes if name in holes} if holes else {}
    context = {
        **layout_context,
        "panels": Panels(html_by_name),
        PANELS_KEY: html_by_name,
        "layout": layout,
    }
    stored = render_to_string(template, context, request, using=using)
    return Assembled(stored, list(collector.record), filled)


def serve(
    stored: str,
    stored_items: list[tuple[str, Any]],
    holes: Mapping[str, PanelOutcome],
    queues: Mapping[str, RenderQueue],
    request: HttpRequest,
) -> SafeString:
    """Return the page: holes filled with their panels, queues with every item."""
    html, collector = gather(stored, stored_items, holes)
    return fill_queues(html, collector, queues, request)


def gather(
    stored: str,
    stored_items: list[tuple[str, Any]],
    holes: Mapping[str, PanelOutcome],
    only: Collection[str] | None = None,
) -> tuple[SafeString, QueueCollector]:
    """Return the page with its holes filled (only those named in ``only``, if given) and
    every queue item so far, its queues still as markers."""
    collector = QueueCollector()
    collector.extend(stored_items)
    shown = {name: outcome for name, outcome in holes.items() if not outcome.skipped}
    for outcome in shown.values():
        collector.extend(outcome.queue_items)
    if holes:  # skipped ones too: their markers give way to their fallback
        html = {name: outcome.html for name, outcome in shown.items()}
        stored = hole_marks.fill(stored, html, only)
    return SafeString(stored), collector
