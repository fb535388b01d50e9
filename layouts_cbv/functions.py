"""Function views in a layout: the ``@layout(SiteLayout)`` decorator and ``render_with_layout()``.

Both run on the request pipeline of :class:`~layouts_cbv.mixins.LayoutMixin`: the function
is given a class-based view of its own, named like the function, so panels, render
queues, panel caching, the leak guard, deferred panels and (for the decorator) the page
cache work as for class-based views, and ``manage.py check`` sees a routed decorated
view's panels.

What a decorated function returns decides what the visitor gets:

* a ``TemplateResponse`` not rendered yet: its template is the content panel and its
  context the view's context; its status, headers and cookies are kept;
* an ``HttpResponse`` with status 200 and an HTML content type (what ``render()``
  returns, or a rendered ``TemplateResponse``): its body is the content panel, its
  headers and cookies are kept;
* anything else (a redirect, an error status, JSON, a file, a stream, a response
  ``render_with_layout()`` already made) goes out as it is.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from inspect import iscoroutinefunction
from typing import Any, ClassVar, TypeVar

from django.http import HttpRequest, HttpResponse
from django.template.response import SimpleTemplateResponse, TemplateResponse
from django.views import View

from . import pages
from .cache.backends import PanelCacheBackend
from .cache.invalidation import declare_all
from .layout import CONTENT, Layout, get_layout
from .mixins import LayoutMixin
from .panel import Panel
from .response import LayoutResponse

__all__ = ["FunctionView", "layout", "page_view_path", "render_with_layout"]

ViewFunction = TypeVar("ViewFunction", bound=Callable[..., Any])
Panels = Mapping[str, Panel | None]


class FunctionView(LayoutMixin, View):
    """The class-based view a function decorated with :func:`layout` runs as.

    :func:`layout` makes one subclass per function, with the function's module and
    qualified name (page-cache keys and deferred-panel references name the view by
    them) and the decorator's arguments as class attributes.
    """

    function: ClassVar[Callable[..., Any]]
    # The decorator's layout and panels: part of the page key, as as_view() arguments are.
    arguments: ClassVar[dict[str, Any]] = {}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.layout_initkwargs = self.arguments

    @classmethod
    def respond(cls, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """Run the function for ``request`` and return its response, laid out."""
        view = cls()
        view.setup(request, *args, **kwargs)
        # setup() entered get (or head, which is get) through the pipeline, for GET and
        # HEAD only: other methods run the function as they come.
        handler = view.head if request.method == "HEAD" else view.get  # type: ignore[attr-defined]
        return handler(request, *args, **kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        """Answer any method with the function's response, laid out."""
        return laid_out(self.function(request, *args, **kwargs), self)


class AsyncFunctionView(FunctionView):
    """The class-based view an ``async def`` function decorated with :func:`layout` runs as."""

    async def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        return laid_out(await self.function(request, *args, **kwargs), self)


def layout(
    layout: type[Layout] | str,
    *,
    panels: Panels | None = None,
    page_cache: PanelCacheBackend | None = None,
    page_cache_ignore_query: bool = False,
) -> Callable[[ViewFunction], ViewFunction]:
    """Put a function view (sync or async) into ``layout``.

    ``panels`` adds panels to the layout's, or removes one with ``None``, as panel
    attributes on a class-based view do. ``page_cache`` caches whole pages as
    ``LayoutMixin.page_cache`` does: then ``@layout`` must be the decorator closest to
    the function, below ``@login_required`` and any other check, so that every check
    runs before a stored page is served.
    """
    if not (isinstance(layout, str) or (isinstance(layout, type) and issubclass(layout, Layout))):
        raise TypeError(
            f"@layout() takes a Layout subclass or its 'app_label.ClassName' label, not "
            f"{layout!r}; write @layout(SiteLayout)."
        )
    declared = checked_panels(panels, "@layout()")

    def decorate(function: ViewFunction) -> ViewFunction:
        if page_cache is not None and hasattr(function, "__wrapped__"):
            raise TypeError(
                f"@layout(..., page_cache=...) is above another decorator of "
                f"{function.__qualname__}: a stored page would be served before that "
                "decorator runs. Put @layout(...) last, right above the def, and "
                "@login_required and other checks above it."
            )
        view_class = function_view_class(
            function, layout, declared, page_cache, page_cache_ignore_query
        )
        if iscoroutinefunction(function):

            async def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
                return await view_class.respond(request, *args, **kwargs)

        else:

            def view(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:  # type: ignore[misc]
                return view_class.respond(request, *args, **kwargs)

        functools.update_wrapper(view, function)
        # As as_view() does: the deferred-panel endpoint and the system checks find the
        # view's class here, through any decorator added above (functools.wraps copies it).
        view.view_class = view_class  # type: ignore[attr-defined]
        return view  # type: ignore[return-value]

    return decorate


def function_view_class(
    function: Callable[..., Any],
    layout: type[Layout] | str,
    panels: dict[str, Panel | None],
    page_cache: PanelCacheBackend | None,
    ignore_query: bool,
) -> type[FunctionView]:
    """Return the class-based view ``function`` runs as."""
    arguments = {"layout": layout, "panels": panels} if page_cache is not None else {}
    try:
        pages.arguments_part(arguments)
    except pages.UnstableArguments as exc:
        raise TypeError(
            f"@layout() arguments of {function.__qualname__} cannot be part of a page key "
            f"({exc}): give panels sources that print the same in every process."
        ) from None
    base = AsyncFunctionView if iscoroutinefunction(function) else FunctionView
    view_class: type[FunctionView] = type(
        function.__name__,
        (base,),
        {
            "__module__": function.__module__,
            "__qualname__": function.__qualname__,
            "__doc__": function.__doc__,
            "function": staticmethod(function),
            "arguments": arguments,
            "layout": layout,
            "page_cache": page_cache,
            "page_cache_ignore_query": ignore_query,
        },
    )
    # Set after the class is made: a panel called "options" or "get" is no method.
    view_class._view_panels = panels
    declare_all(panels)
    return view_class


def checked_panels(panels: Panels | None, where: str) -> dict[str, Panel | None]:
    """Return ``panels`` as a dict, or raise TypeError where one is not a panel."""
    if panels is None:
        return {}
    if not isinstance(panels, Mapping):
        raise TypeError(f"{where} panels= must map names to Panel or None, not {panels!r}.")
    for name, panel in panels.items():
        if not isinstance(name, str) or not (panel is None or isinstance(panel, Panel)):
            raise TypeError(
                f"{where} panels= must map names to Panel or None; {name!r}: {panel!r}."
            )
        if name == CONTENT:
            raise TypeError(f"{where} panels= names a panel {CONTENT!r}: that is the view's own.")
    return dict(panels)


# Responses -------------------------------------------------------------------------------


class ContentResponse(LayoutResponse):
    """A LayoutResponse whose content panel is HTML the view rendered itself."""

    def __init__(self, request: HttpRequest, html: str, **kwargs: Any):
        super().__init__(request, None, **kwargs)  # type: ignore[arg-type]
        self.content_html = html

    def render_content_panel(self) -> str:
        return self.content_html


def laid_out(response: Any, view: LayoutMixin) -> Any:
    """Return ``response`` in the layout of ``view``, or as it is (see the module's doc)."""
    if isinstance(response, LayoutResponse):
        return response
    if isinstance(response, TemplateResponse) and not response.is_rendered:
        # The same response, rendered as a LayoutResponse: everything the view set on it
        # (headers, cookies, post-render callbacks, its class's own behaviour) stays.
        response.__class__ = _layout_response_class(type(response))  # type: ignore[arg-type]
    elif is_html_page(response):
        response = _content_response(response, view.request)  # type: ignore[attr-defined]
    else:
        return response
    response.layout_pipeline = view.layout_pipeline
    return response


def is_html_page(response: Any) -> bool:
    """Return whether ``response`` is an HTML page whose body can be the content panel."""
    unrendered = isinstance(response, SimpleTemplateResponse) and not response.is_rendered
    return (
        isinstance(response, HttpResponse)
        and not unrendered
        and response.status_code == 200
        and response.get("Content-Type", "").partition(";")[0].strip() == "text/html"
    )


@functools.cache
def _layout_response_class(cls: type[TemplateResponse]) -> type[LayoutResponse]:
    if cls is TemplateResponse:
        return LayoutResponse
    return type(cls.__name__, (LayoutResponse, cls), {"__module__": __name__})


def _content_response(page: HttpResponse, request: HttpRequest) -> ContentResponse:
    headers = {name: value for name, value in page.items() if name.lower() != "content-length"}
    response = ContentResponse(
        request, page.content.decode(page.charset), charset=page.charset, headers=headers
    )
    response.cookies = page.cookies
    return response


# render_with_layout() ----------------------------------------------------------------------


class RenderedView(LayoutMixin, View):
    """The class-based view one :func:`render_with_layout` call renders as.

    A subclass is made for each view the URLconf routes to, named like it, so that a
    deferred panel's reference names the page's view.
    """

    call_panels: dict[str, Panel | None] = {}
    call_layout_context: dict[str, Any] = {}

    def get_panels(self) -> dict[str, Panel | None]:
        """Return the layout's panels with the call's ``panels=`` on top."""
        panels = super().get_panels()
        for name, panel in self.call_panels.items():
            if panel is None:
                panels.pop(name, None)
            else:
                panels[name] = panel
        return panels

    def get_layout_context(self) -> dict[str, Any]:
        """Return the call's ``layout_context=``."""
        return self.call_layout_context


def render_with_layout(
    request: HttpRequest,
    template_name: str | list[str],
    context: dict[str, Any] | None = None,
    *,
    layout: type[Layout] | str,
    panels: Panels | None = None,
    layout_context: Mapping[str, Any] | None = None,
    content_type: str | None = None,
    status: int | None = None,
    using: str | None = None,
) -> LayoutResponse:
    """Return a response that renders ``template_name`` as the content of ``layout``.

    Like ``django.shortcuts.render()``, for a function view that is not decorated with
    :func:`layout`; the page is assembled when the response is rendered. ``panels`` adds
    or removes (``None``) panels for this response; ``layout_context`` is extra context
    for the layout template and every panel (``request.layout_context``). It has no page
    cache: the view has already run when it is called.
    """
    get_layout(layout)  # a wrong layout fails here, not when the response renders
    view = _rendered_view_class(request)()
    view.layout = layout
    view.call_panels = checked_panels(panels, "render_with_layout()")
    declare_all(view.call_panels)
    view.call_layout_context = dict(layout_context or {})
    match = request.resolver_match
    view.setup(request, *(match.args if match else ()), **(match.kwargs if match else {}))
    response = LayoutResponse(
        request, template_name, context, content_type=content_type, status=status, using=using
    )
    response.layout_pipeline = view.layout_pipeline
    return response


def _rendered_view_class(request: HttpRequest) -> type[RenderedView]:
    match = request.resolver_match
    name = _view_name(match.func) if match is not None else None
    if name is None:
        return RenderedView  # not reached through the URLconf: deferred panels cannot load
    return _named_rendered_view(*name)


@functools.cache
def _named_rendered_view(module: str, qualname: str) -> type[RenderedView]:
    return type(
        qualname.rpartition(".")[2],
        (RenderedView,),
        {"__module__": module, "__qualname__": qualname},
    )


def page_view_path(func: Callable[..., Any]) -> str | None:
    """Return the dotted path a deferred panel's reference names the URL's view ``func``
    by, or None when it cannot answer with a layout.

    A class-based view's (``@layout`` gives a function one) is its class's, if it is a
    layout view; a function's is its own: it may call :func:`render_with_layout`.
    """
    name = _view_name(func)
    return ".".join(name) if name is not None else None


def _view_name(func: Callable[..., Any]) -> tuple[str, str] | None:
    named = getattr(func, "view_class", func)
    if isinstance(named, type) and not issubclass(named, LayoutMixin):
        return None
    module, qualname = getattr(named, "__module__", None), getattr(named, "__qualname__", None)
    return (module, qualname) if module and qualname else None
