"""The Panel declaration: what fills one named region of a page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.http import HttpRequest

from .cache.backends import PanelCacheBackend
from .sources import LiteralSource, Source, TemplateSource, URLSource, build_source

__all__ = ["Panel"]


class Panel:
    """A panel declared on a Layout or a view, under the attribute name that names it.

    Give exactly one source: a positional registry name, URL name, callable or
    class-based view; or ``template=``, ``url_name=`` or ``literal=``.
    Mistakes raise ``TypeError`` or ``ValueError`` here, where the panel is declared.
    """

    def __init__(
        self,
        source: Any = None,
        *,
        template: str | None = None,
        url_name: str | None = None,
        literal: str | None = None,
        context: Mapping[str, Any] | None = None,
        cache: PanelCacheBackend | None = None,
        condition: Callable[[HttpRequest], bool] | None = None,
        defer: bool | str = False,
        stream: bool = False,
    ):
        self.source = _source_from(source, template=template, url_name=url_name, literal=literal)
        if context is not None and not isinstance(context, Mapping):
            raise TypeError(f"Panel context= must be a mapping, not {context!r}.")
        if cache is not None and not isinstance(cache, PanelCacheBackend):
            raise TypeError(
                f"Panel cache= must be a PanelCacheBackend such as cache.sitewide(60), not {cache!r}."
            )
        if condition is not None and not callable(condition):
            raise TypeError(
                f"Panel condition= must be a callable (request) -> bool, not {condition!r}."
            )
        if not (isinstance(defer, bool) or defer == "esi"):
            raise TypeError(f"Panel defer= must be True, False or 'esi', not {defer!r}.")
        if not isinstance(stream, bool):
            raise TypeError(f"Panel stream= must be True or False, not {stream!r}.")
        if stream and defer:
            raise TypeError(
                "A panel is either deferred (fetched by the browser) or streamed (sent "
                "later in the same response), not both: drop defer= or stream=."
            )
        self.context: dict[str, Any] = dict(context or {})
        self.cache = cache
        self.condition = condition
        self.defer = defer
        self.stream = stream

    def __repr__(self) -> str:
        return f"<Panel {self.source.describe()}>"


def _source_from(source: Any, *, template: Any, url_name: Any, literal: Any) -> Source:
    given = {
        name: value
        for name, value in (
            ("source", source),
            ("template", template),
            ("url_name", url_name),
            ("literal", literal),
        )
        if value is not None
    }
    if len(given) != 1:
        raise TypeError(
            "Panel() takes exactly one source: a registry or URL name, a callable or a "
            "class-based view, or one of template=, url_name=, literal=; "
            f"got {', '.join(given) or 'none'}."
        )
    for name in ("template", "url_name", "literal"):
        if name in given and not isinstance(given[name], str):
            raise TypeError(f"Panel {name}= must be a string, not {given[name]!r}.")
    if template is not None:
        return TemplateSource(template)
    if url_name is not None:
        return URLSource(url_name)
    if literal is not None:
        return LiteralSource(literal)
    return build_source(source)
