"""Panel sources: the things a panel can be made of, and how each becomes HTML."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.template.loader import render_to_string
from django.urls import get_resolver, resolve, reverse
from django.utils.module_loading import import_string
from django.utils.safestring import SafeString, mark_safe
from django.views import View

from .exceptions import PanelNotFound


class PanelResponseError(Exception):
    """A panel answered with an error status or a redirect."""


class Source:
    """Something that produces a panel's output for a request and context kwargs.

    ``__call__`` returns the raw output (str, HttpResponse, None) or an awaitable of it.
    """

    def __call__(self, request: HttpRequest, context: Mapping[str, Any]) -> Any:
        raise NotImplementedError("subclasses of Source must provide __call__()")

    def describe(self) -> str:
        raise NotImplementedError("subclasses of Source must provide describe()")

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()}>"


class TemplateSource(Source):
    def __init__(self, template_name: str):
        self.template_name = template_name

    def __call__(self, request, context):
        return render_to_string(self.template_name, dict(context), request)

    def describe(self):
        return f"template={self.template_name}"


class LiteralSource(Source):
    def __init__(self, html: str):
        self.html = html

    def __call__(self, request, context):
        return self.html

    def describe(self):
        return f"literal={self.html[:40]!r}"


class CallableSource(Source):
    def __init__(self, func: Callable[..., Any]):
        self.func = func

    def __call__(self, request, context):
        return self.func(request, **context)

    def describe(self):
        return f"{self.func.__module__}.{getattr(self.func, '__qualname__', repr(self.func))}"


class ViewSource(Source):
    def __init__(self, view_class: type[View]):
        self.view_class = view_class
        self.view = view_class.as_view()

    def __call__(self, request, context):
        return self.view(request, **context)

    def describe(self):
        return f"{self.view_class.__module__}.{self.view_class.__qualname__}"


class URLSource(Source):
    """A URL name: reversed with the panel's context as kwargs, then resolved and called."""

    def __init__(self, url_name: str):
        self.url_name = url_name

    def __call__(self, request, context):
        match = resolve(reverse(self.url_name, kwargs=dict(context) or None))
        return match.func(request, *match.args, **match.kwargs)

    def describe(self):
        return f"url_name={self.url_name}"


class NamedSource(Source):
    """A positional string: a panel registry name first, else a URL name."""

    def __init__(self, name: str):
        self.name = name

    def resolve(self) -> Source:
        from . import registry

        try:
            return registry.get(self.name)
        except PanelNotFound as not_registered:
            if url_name_exists(self.name):
                return URLSource(self.name)
            raise PanelNotFound(self.name, not_registered.suggestions, url_tried=True) from None

    def __call__(self, request, context):
        return self.resolve()(request, context)

    def describe(self):
        return self.name


def url_name_exists(url_name: str) -> bool:
    """Return whether ``url_name`` names a URL pattern in the root URLconf, namespaces included."""
    resolver = get_resolver()
    *namespaces, name = url_name.split(":")
    for namespace in namespaces:
        if namespace not in resolver.namespace_dict and namespace in resolver.app_dict:
            # An application namespace: look in its first instance, as reverse() would.
            namespace = resolver.app_dict[namespace][0]
        if namespace not in resolver.namespace_dict:
            return False
        resolver = resolver.namespace_dict[namespace][1]
    return name in resolver.reverse_dict


def is_view_class(obj: Any) -> bool:
    return inspect.isclass(obj) and issubclass(obj, View)


def build_source(obj: Any) -> Source:
    """Turn a positional panel source (name, callable, view class) into a :class:`Source`."""
    if isinstance(obj, Source):
        return obj
    if isinstance(obj, str):
        if not obj:
            raise ValueError("A panel source name cannot be empty.")
        return NamedSource(obj)
    if is_view_class(obj):
        return ViewSource(obj)
    if inspect.isclass(obj):
        raise TypeError(
            f"{obj.__qualname__} is a class but not a Django View; "
            "pass a class-based view, a function, or a name."
        )
    if callable(obj):
        return CallableSource(obj)
    raise TypeError(
        f"A panel source must be a name, a callable or a class-based view, not {obj!r}."
    )


def import_callable(path: str) -> Callable[..., Any]:
    """Import a dotted path that names a callable."""
    obj = import_string(path)
    if not callable(obj):
        raise TypeError(f"{path} is not callable.")
    return obj


def to_html(output: Any) -> SafeString:
    """Turn a rendered panel output (str, HttpResponse or None) into safe HTML.

    A panel's output is its response body, so a plain string is HTML, as an
    ``HttpResponse`` body would be.
    """
    if output is None:
        return mark_safe("")
    if isinstance(output, str):
        return mark_safe(output)
    if isinstance(output, HttpResponseBase):
        return mark_safe(response_body(output))
    raise TypeError(f"A panel must return a str or an HttpResponse, not {type(output).__name__}.")


def response_body(response: HttpResponseBase) -> str:
    if response.status_code >= 400 or 300 <= response.status_code < 400:
        raise PanelResponseError(f"the panel answered with status {response.status_code}")
    if isinstance(response, StreamingHttpResponse):
        raise TypeError("A panel cannot be a streaming response.")
    return response.content.decode(response.charset)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PanelHeaders:
    """What a panel's response says to caches downstream, kept for the page."""

    vary: tuple[str, ...] = ()
    cache_control: str = ""
    cookies: SimpleCookie | None = None  # applied only when the panel renders fresh


def headers_of(output: Any) -> PanelHeaders:
    """Return the Vary, Cache-Control and cookies of a panel's response, if it has one."""
    if not isinstance(output, HttpResponseBase):
        return PanelHeaders()
    vary = tuple(v.strip() for v in output.get("Vary", "").split(",") if v.strip())
    return PanelHeaders(vary, output.get("Cache-Control", ""), output.cookies or None)


def needs_render(output: Any) -> bool:
    """Return whether ``output`` is a TemplateResponse that still has to be rendered."""
    return hasattr(output, "render") and callable(output.render) and not output.is_rendered
