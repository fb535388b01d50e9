"""Holes: the parts of a cached page filled again for every request.

In the stored page each hole is its ``{% panel %}`` fallback between two markers.
Filling a hole puts the panel's HTML there, or keeps the fallback when the panel
is absent or empty, exactly as ``{% panel %}`` does on a page rendered whole.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

from django.utils.safestring import SafeString, mark_safe

_HOLE = re.compile(r"<!--layouts_cbv:hole:([\w.:-]+)-->(.*?)<!--layouts_cbv:/hole:\1-->", re.S)


class Hole:
    """What ``{% panel %}`` finds for a panel that is left as a hole in a cached page."""

    def __init__(self, name: str):
        self.name = name

    def __html__(self) -> SafeString:
        # Printed with {{ panels.name }} rather than {% panel %}: a hole with no fallback.
        return self.wrap("")

    __str__ = __html__

    def wrap(self, fallback: str) -> SafeString:
        """Return the hole's segment of the stored page, with ``fallback`` inside."""
        return mark_safe(
            f"<!--layouts_cbv:hole:{self.name}-->{fallback}<!--layouts_cbv:/hole:{self.name}-->"
        )


def fill(
    page: str, html_by_name: Mapping[str, str], only: Collection[str] | None = None
) -> SafeString:
    """Replace every hole of ``page`` (or those named in ``only``, leaving the others as
    they are) with its panel's HTML, or its fallback if none."""

    def one(match: re.Match[str]) -> str:
        if only is not None and match.group(1) not in only:
            return match.group(0)
        html = html_by_name.get(match.group(1))
        return html if html and html.strip() else match.group(2)

    return mark_safe(_HOLE.sub(one, page))
