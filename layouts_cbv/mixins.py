"""LayoutMixin: put a class-based view's template into a layout of panels."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

from . import detection
from .cache.invalidation import declare_all
from .clone import MAIN, PANEL
from .layout import CONTENT, Layout, get_layout
from .panel import Panel
from .response import LayoutResponse

__all__ = ["LayoutMixin"]

_MISSING = object()


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


class LayoutMixin:
    """Render the view's template as the ``content`` panel of a layout.

    Use before the view class: ``class ArticleView(LayoutMixin, DetailView)``.
    """

    layout: type[Layout] | str | None = None
    layout_template: str | None = None
    response_class = LayoutResponse

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
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
        if isinstance(cls.__dict__.get(CONTENT), Panel):
            raise TypeError(
                f"{cls.__qualname__} declares a panel named {CONTENT!r}; "
                "that name is the view's own template."
            )
        cls._view_panels = view_declarations(cls)
        declare_all(cls._view_panels)
        cls._merged_panels: dict[type[Layout], dict[str, Panel]] = {}

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)  # type: ignore[misc]
        if getattr(request, "layout_role", None) != PANEL:
            request.layout_role = MAIN  # type: ignore[attr-defined]

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
        merged = self._merged_for(self.get_layout())
        overrides = {
            name: value
            for name, value in vars(self).items()
            if (value is None and name in merged) or isinstance(value, Panel)
        }
        if not overrides:
            return dict(merged)
        panels: dict[str, Panel | None] = {**merged, **overrides}
        return {name: panel for name, panel in panels.items() if panel is not None}

    @classmethod
    def _merged_for(cls, layout: type[Layout]) -> dict[str, Panel]:
        # The merge depends only on the two classes, so it is done once per pair.
        merged = cls._merged_panels.get(layout)
        if merged is None:
            merged = dict(layout.panels)
            for name in list(merged):
                if getattr(cls, name, _MISSING) is None:
                    del merged[name]
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
        response = super().render_to_response(context, **response_kwargs)  # type: ignore[misc]
        response.layout_view = self
        return response
