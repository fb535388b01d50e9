"""Queue markers: render tags leave one while a page is assembled, filled in at the end.

``{% renderstyles %}`` in ``<head>`` runs before the panels below it have added
their styles, so it leaves a marker that :func:`fill_queues` replaces last.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

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

    def render(name: str) -> str:
        queue = queues.get(name) or RenderQueue()
        items = collector.items(name)
        if emitted is not None:
            emitted.setdefault(name, set()).update(id(item) for item in items)
        if not items and not queue.template and type(queue).render is RenderQueue.render:
            return ""  # what the plain queue renders for no items, without building it
        return queue.render(items, request)

    # The queues a page uses are nearly always the layout's and those with items: a plain
    # replace each; a pass over the whole page only for a marker left after them.
    for name in {*queues, *collector.names()}:
        placeholder = marker(name)
        if placeholder in html:
            html = html.replace(placeholder, render(name))
    if _PREFIX in html:
        html = MARKER.sub(lambda match: render(match.group(1)), html)
    return SafeString(html)  # a str here: no lazy argument for mark_safe to look for
