"""Queue markers: render tags leave one while a page is assembled, filled in at the end.

``{% renderstyles %}`` in ``<head>`` runs before the panels below it have added
their styles, so it leaves a marker that :func:`fill_queues` replaces last.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping

from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe

from .queues import QueueCollector, RenderQueue

# The same in every process, because cached pages keep their markers; autoescaped
# content can never produce one (it cannot contain "<!--").
_NAME = re.compile(r"[\w.:-]+")
MARKER = re.compile(r"<!--layouts_cbv:queue:([\w.:-]+)-->")
_PREFIX = "<!--layouts_cbv:queue:"


@functools.lru_cache(maxsize=256)
def marker(queue_name: str) -> SafeString:
    """Return the placeholder for the render queue ``queue_name``."""
    if not _NAME.fullmatch(queue_name):
        raise ValueError(f"Queue names are letters, digits and _ . : -, not {queue_name!r}.")
    return mark_safe(f"<!--layouts_cbv:queue:{queue_name}-->")


def fill_queues(
    html: str,
    collector: QueueCollector,
    queues: Mapping[str, RenderQueue],
    request: HttpRequest,
    emitted: dict[str, set[int]] | None = None,
) -> SafeString:
    """Replace every queue marker in ``html`` with the rendered queue.

    ``emitted``, when given, receives the ids of the items rendered into each queue (a
    streamed page later adds only the items its panels brought).
    """

    rendered: dict[str, str] = {}
    rendering: set[str] = set()

    def render(name: str) -> str:
        if name in rendered:
            return rendered[name]
        if name in rendering:
            return ""  # a queue inside itself would never end
        queue = queues.get(name) or RenderQueue()
        items = collector.items(name)
        if emitted is not None:
            emitted.setdefault(name, set()).update(id(item) for item in items)
        if not items and not queue.template and type(queue).render is RenderQueue.render:
            html = ""  # what the plain queue renders for no items, without building it
        else:
            rendering.add(name)
            # A queue's template may render another queue, which leaves its marker.
            html = _filled(queue.render(items, request), render)
            rendering.discard(name)
        rendered[name] = html
        return html

    return SafeString(_filled(html, render))  # a str: no lazy argument for mark_safe


def _filled(html: str, render: Callable[[str], str]) -> str:
    """Return ``html`` with each queue marker replaced by ``render(name)``."""
    # One pass: each marker found in turn (a plain search, faster than a pattern's), the
    # page copied once around them.
    at = html.find(_PREFIX)
    if at < 0:
        return html
    parts: list[str] = []
    done = 0
    while at >= 0:
        found = MARKER.match(html, at)
        if found is None:
            at = html.find(_PREFIX, at + len(_PREFIX))
            continue
        parts += (html[done:at], render(found.group(1)))
        done = found.end()
        at = html.find(_PREFIX, done)
    parts.append(html[done:])
    return "".join(parts)
