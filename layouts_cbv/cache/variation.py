"""What a cached thing may depend on: one meaning of ``varies_on``, read through one function.

A strategy's ``varies_on`` names the request inputs its output may depend on. Its key
must tell those inputs apart, so a render that reads only them may be stored:

``user``, ``session``, ``path``, ``query``, ``host``, ``language``
    the logged-in user, the session, the URL path, the query string, the host
    (``request.get_host()``) and the active language;
``header:<Name>``
    one request header, such as ``header:X-Country``.

A strategy that does not declare it (a subclass of
:class:`~layouts_cbv.cache.PanelCacheBackend` whose ``get_vary`` comes without a
``varies_on``, or ``cache.custom()`` without ``varies_on=``) is *undeclared*: nothing is
known about what its key tells apart, so it is treated as personal everywhere. The leak
guard lets its renders read nothing, cached pages keep it as a hole, pages that show it
are private, and ``manage.py check`` warns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backends import PanelCacheBackend

USER, SESSION, PATH, QUERY, HOST, LANGUAGE = "user", "session", "path", "query", "host", "language"
NAMES = frozenset({USER, SESSION, PATH, QUERY, HOST, LANGUAGE})
HEADER = "header:"
# What makes a page differ from one visitor to the next: it varies on Cookie.
PERSONAL = frozenset({USER, SESSION, "cookies", "messages"})
# Inputs a visitor chooses freely: keys that vary on them can grow without bound.
VISITOR_CHOSEN = frozenset({PATH, QUERY, HOST})

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP header name (RFC 9110)


def header(name: str) -> str:
    """Return the ``varies_on`` name of request header ``name`` (``header:x-country``)."""
    return HEADER + name.lower()


def validate(names: Any, owner: str) -> frozenset[str]:
    """Return ``names`` as a ``varies_on`` set; raise ``TypeError`` for anything unknown."""
    if isinstance(names, str) or not isinstance(names, Iterable):
        raise TypeError(f"{owner}: varies_on is a set of names such as {{'user'}}, not {names!r}.")
    names = list(names)
    for name in names:
        if not (isinstance(name, str) and (name in NAMES or _is_header(name))):
            raise TypeError(
                f"{owner}: {name!r} is not a varies_on name. Valid names: "
                f"{', '.join(map(repr, sorted(NAMES)))}, or 'header:<Name>' for a request header."
            )
    return frozenset(names)


def _is_header(name: str) -> bool:
    return name.startswith(HEADER) and bool(_TOKEN.fullmatch(name.removeprefix(HEADER)))


@dataclass(frozen=True)
class Variation:
    """What a strategy's key tells apart, and whether the strategy said so."""

    names: frozenset[str]
    declared: bool

    @property
    def allowed(self) -> frozenset[str]:
        """What a render may read and still be stored under this strategy's key."""
        if not self.declared:
            return frozenset()
        # A session belongs to one user, so what varies by session may read the user.
        return self.names | ({USER} if SESSION in self.names else frozenset())

    @property
    def depends_on(self) -> frozenset[str]:
        """What the stored output may depend on (anything, when undeclared)."""
        return self.names if self.declared else NAMES

    @property
    def personal(self) -> bool:
        """Whether the output may differ from one visitor to the next."""
        return bool(self.depends_on & PERSONAL)

    @property
    def unbounded(self) -> bool:
        """Whether visitors choose the keys (path, query, host, headers), so keys can pile up."""
        return bool(self.depends_on & VISITOR_CHOSEN) or any(
            name.startswith(HEADER) for name in self.depends_on
        )

    def within(self, names: frozenset[str]) -> bool:
        """Whether everything this key tells apart is among ``names`` (for baking into a page)."""
        return self.declared and self.names <= names


UNCACHED = Variation(frozenset(), declared=True)


def variation(names: frozenset[str], declared: bool) -> Variation:
    """Return the variation of validated ``varies_on`` names (header names in any case)."""
    return Variation(
        frozenset(header(n.removeprefix(HEADER)) if n.startswith(HEADER) else n for n in names),
        declared,
    )


def variation_of(strategy: PanelCacheBackend | None) -> Variation:
    """Return what ``strategy``'s key tells apart: the one reading of ``varies_on``.

    The leak guard, page baking, response headers and system checks all ask here.
    ``None`` (an uncached panel) varies on nothing.
    """
    if strategy is None:
        return UNCACHED
    return strategy.variation
