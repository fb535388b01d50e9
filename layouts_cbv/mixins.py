"""LayoutMixin: put a class-based view's template into a layout of panels."""

from __future__ import annotations

from typing import Any, ClassVar

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django.views.generic.base import TemplateResponseMixin

from . import detection
from .cache.backends import PanelCacheBackend
from .cache.invalidation import declare_all
from .clone import MAIN, PANEL
from .layout import CONTENT, Layout, get_layout
from .panel import Panel
from .pipeline import Pipeline
from .response import LayoutResponse

__all__ = ["LayoutMixin"]


def view_declarations(cls: type) -> dict[str, Panel | None]:
    """Return the panels declared on a view class and its bases; ``None`` marks a removal."""
    panels: dict[str, Panel | None] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Panel):
                panels[name] = value
            elif name in panels:
                panels[name] = None
    return panels


def _dropped_by_view(cls: type, name: str) -> bool:
    """Return whether a layout view class says ``name = None`` to drop that panel.

    Only the project's own view classes count: Django's ``model = None`` or
    ``template_name = None`` are never panel removals.
    """
    for klass in cls.__mro__:
        if name in vars(klass):
            return vars(klass)[name] is None and issubclass(klass, LayoutMixin)
    return False


def _check_order(cls: type) -> None:
    mro = cls.__mro__
    if TemplateResponseMixin in mro and mro.index(TemplateResponseMixin) < mro.index(LayoutMixin):
        raise TypeError(
            f"{cls.__qualname__} lists LayoutMixin after the generic view it builds on; "
            f"put it first: class {cls.__qualname__}(LayoutMixin, ...)."
        )


class LayoutMixin:
    """Render the view's template as the ``content`` panel of a layout.

    Use before the view class: ``class ArticleView(LayoutMixin, DetailView)``; access
    mixins may come before or after it. Each request goes through a
    :class:`~layouts_cbv.pipeline.Pipeline`, entered at the view's ``get``/``head``
    (:meth:`setup`) and when its :class:`LayoutResponse` renders
    (:meth:`render_to_response`).
    """

    layout: type[Layout] | str | None = None
    layout_template: str | None = None
    response_class = LayoutResponse
    page_cache: PanelCacheBackend | None = None
    page_cache_ignore_query = False
    stream_panels = False
    # Filled for each subclass when it is created.
    _view_panels: ClassVar[dict[str, Panel | None]] = {}
    _merged_panels: ClassVar[dict[type[Layout], dict[str, Panel]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        _check_order(cls)
        layout = cls.__dict__.get("layout")
        if (
            layout is not None
            and not isinstance(layout, str)
            and not (isinstance(layout, type) and issubclass(layout, Layout))
        ):
            raise TypeError(
                f"{cls.__qualname__}.layout must be a Layout subclass or an "
                f"'app_label.ClassName' string, not {layout!r}."
            )
        page_cache = cls.__dict__.get("page_cache")
        if page_cache is not None and not isinstance(page_cache, PanelCacheBackend):
            raise TypeError(
                f"{cls.__qualname__}.page_cache must be a PanelCacheBackend such as "
                f"cache.per_path(600), not {page_cache!r}."
            )
        if not isinstance(cls.__dict__.get("stream_panels", False), bool):
            raise TypeError(
                f"{cls.__qualname__}.stream_panels must be True or False, "
                f"not {cls.__dict__['stream_panels']!r}."
            )
        if isinstance(cls.__dict__.get(CONTENT), Panel):
            raise TypeError(
                f"{cls.__qualname__} declares a panel named {CONTENT!r}; "
                "that name is the view's own template."
            )
        cls._view_panels = view_declarations(cls)
        declare_all(cls._view_panels)
        cls._merged_panels = {}

    def __init__(self, **kwargs: Any) -> None:
        # as_view() arguments make another page of the same class: they are in its key.
        self.layout_initkwargs = kwargs
        super().__init__(**kwargs)

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        """Set up the view, then enter its ``get`` and ``head`` through the pipeline."""
        super().setup(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(request, "layout_role", None) != PANEL:
            request.layout_role = MAIN  # type: ignore[attr-defined]
        self.layout_pipeline = Pipeline(self)
        # The handler is the last step of dispatch(): wrapping it, rather than
        # overriding dispatch(), puts the page cache after every check the view makes,
        # in whatever order its mixins are listed. Only the handler of this request's
        # method is wrapped: GET, or HEAD (which View.setup() makes get() unless the view
        # has its own).
        method = request.method.lower() if request.method else ""
        if method == "head" and getattr(type(self), "head", None) is not None:
            return  # its own head(): never answered with the page its get() built
        if method in ("get", "head"):
            handler = getattr(self, method, None)
            if handler is not None:
                setattr(self, method, self.layout_pipeline.wrap(handler))

    def get_page_cache(self) -> PanelCacheBackend | None:
        """Return how whole pages of this view are cached (``page_cache``), or None."""
        return self.page_cache

    def get_stream_panels(self) -> bool:
        """Return whether every panel of this page is streamed (``stream_panels``).

        Streamed panels that are not ready when the page starts are sent into their
        places later in the same response (see :mod:`layouts_cbv.streaming`); a panel
        declared with ``stream=True`` is streamed whatever this says.
        """
        return self.stream_panels

    def get_layout(self) -> type[Layout]:
        """Return the Layout class of this view (``layout``, resolved when it is a label)."""
        if self.layout is not None:
            return get_layout(self.layout)
        if self.layout_template is not None:
            return Layout
        raise ImproperlyConfigured(
            f"{type(self).__name__} requires either 'layout' (or 'layout_template') "
            "or an implementation of 'get_layout()'."
        )

    def get_layout_template(self, layout: Layout) -> str | list[str]:
        """Return the layout template: ``layout_template`` if set, else the layout's."""
        return self.layout_template or layout.get_template(self.request)  # type: ignore[attr-defined]

    def get_panels(self) -> dict[str, Panel | None]:
        """Return the page's panels: the layout's, overridden by the view's declarations."""
        pipeline = getattr(self, "layout_pipeline", None)
        layout = pipeline.layout_class() if pipeline is not None else self.get_layout()
        panels: dict[str, Panel | None] = dict(self._merged_for(layout))
        # as_view(sidebar=...) sets an instance attribute; Django allows that only for
        # names the class already has, so only the view's own panel names can differ.
        for name in self._view_panels.keys() & vars(self).keys():
            value = vars(self)[name]
            if value is None:
                panels.pop(name, None)
            elif isinstance(value, Panel):
                panels[name] = value
        return panels

    @classmethod
    def _merged_for(cls, layout: type[Layout]) -> dict[str, Panel]:
        # The merge depends only on the two classes, so it is done once per pair.
        merged = cls._merged_panels.get(layout)
        if merged is None:
            merged = {
                name: panel
                for name, panel in layout.panels.items()
                if not _dropped_by_view(cls, name)
            }
            for name, panel in cls._view_panels.items():
                if panel is None:
                    merged.pop(name, None)
                else:
                    merged[name] = panel
            cls._merged_panels[layout] = merged
        return merged

    def get_layout_context(self) -> dict[str, Any]:
        """Return extra context for the layout template and every panel (default: none)."""
        return {}

    def is_partial(self) -> bool:
        """Return whether to answer with the content panel alone.

        True when this view itself renders as another page's panel, or when a
        ``PARTIAL_DETECTORS`` detector fires. Override to force either way.
        """
        request = self.request  # type: ignore[attr-defined]
        return getattr(request, "layout_role", None) == PANEL or detection.is_partial(request)

    def partial_vary_headers(self) -> list[str]:
        """Return the request headers that choose between partial and full responses."""
        return detection.vary_headers()

    def render_to_response(self, context: dict[str, Any], **response_kwargs: Any) -> LayoutResponse:
        """Return a :class:`LayoutResponse`, assembled by this request's pipeline when rendered."""
        response = super().render_to_response(context, **response_kwargs)  # type: ignore[misc]
        pipeline = getattr(self, "layout_pipeline", None)
        response.layout_pipeline = pipeline if pipeline is not None else Pipeline(self)
        return response
