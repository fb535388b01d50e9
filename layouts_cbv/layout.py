"""The Layout base class and the registry of layouts by ``"app_label.ClassName"``."""

from __future__ import annotations

import difflib
from typing import Any, ClassVar

from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest

from .cache.invalidation import declare_all
from .panel import Panel
from .queues import RenderQueue, ScriptQueue, StyleQueue

__all__ = ["Layout", "get_layout", "label_of"]

CONTENT = "content"


def collect_declarations(cls: type) -> tuple[dict[str, Panel], dict[str, RenderQueue]]:
    """Return the panels and queues declared on ``cls`` and its bases, the subclass winning.

    ``None`` under a name a base declared removes that panel or queue.
    """
    panels: dict[str, Panel] = {}
    queues: dict[str, RenderQueue] = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Panel):
                panels[name] = value
                queues.pop(name, None)
            elif isinstance(value, RenderQueue):
                queues[name] = value
                panels.pop(name, None)
            elif name in panels or name in queues:
                panels.pop(name, None)
                queues.pop(name, None)
    return panels, queues


class Layout:
    """A page layout: a template with named panels and render queues.

    Concrete subclasses set ``template``; ``abstract = True`` marks a base that needs none.
    Panels and queues are class attributes and are inherited (the subclass wins).
    """

    abstract: ClassVar[bool] = True
    template: ClassVar[str | list[str] | None] = None
    error_template: ClassVar[str] = "layouts_cbv/panel_error.html"
    scripts = ScriptQueue()
    styles = StyleQueue()

    panels: ClassVar[dict[str, Panel]] = {}
    queues: ClassVar[dict[str, RenderQueue]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.abstract = bool(cls.__dict__.get("abstract", False))
        if not cls.abstract and not cls.template:
            raise TypeError(
                f"{cls.__module__}.{cls.__qualname__} must set 'template' "
                "(or 'abstract = True' for a base layout)."
            )
        if cls.template is not None and not _is_template_name(cls.template):
            raise TypeError(
                f"{cls.__qualname__}.template must be a template name or a list of them."
            )
        if isinstance(cls.__dict__.get(CONTENT), Panel):
            raise TypeError(
                f"{cls.__qualname__} declares a panel named {CONTENT!r}; that name is the "
                "view's own template."
            )
        cls.panels, cls.queues = collect_declarations(cls)
        declare_all(cls.panels)
        registry.add(cls)

    def __init__(self, view: Any = None):
        self.view = view

    def get_template(self, request: HttpRequest) -> str | list[str]:
        """Return the layout template (a name or a list of names to try)."""
        return self.template  # type: ignore[return-value]

    def get_layout_context(self, request: HttpRequest) -> dict[str, Any]:
        """Return extra context for the layout template and for every panel."""
        return {}


def _is_template_name(value: Any) -> bool:
    if isinstance(value, str):
        return bool(value)
    return (
        isinstance(value, list | tuple) and bool(value) and all(isinstance(v, str) for v in value)
    )


def label_of(layout: type[Layout]) -> str:
    """Return ``"app_label.ClassName"``, or ``"module.ClassName"`` outside installed apps."""
    app_config = apps.get_containing_app_config(layout.__module__)
    if app_config is None:
        return f"{layout.__module__}.{layout.__name__}"
    return f"{app_config.label}.{layout.__name__}"


class LayoutRegistry:
    """Every concrete Layout subclass, found by its label."""

    def __init__(self) -> None:
        self._layouts: dict[str, type[Layout]] = {}  # by module and qualname
        # Labels come from the app registry; views look layouts up by label on every
        # request, so they are worked out once per change, not once per lookup.
        self._labels: dict[str, list[type[Layout]]] | None = None

    def add(self, layout: type[Layout]) -> None:
        if not layout.abstract:
            self._layouts[f"{layout.__module__}.{layout.__qualname__}"] = layout
            self.forget_labels()

    def remove(self, layout: type[Layout]) -> None:
        self._layouts.pop(f"{layout.__module__}.{layout.__qualname__}", None)
        self.forget_labels()

    def forget_labels(self) -> None:
        self._labels = None

    def all(self) -> list[type[Layout]]:
        return list(self._layouts.values())

    def by_label(self) -> dict[str, list[type[Layout]]]:
        if self._labels is None:
            found: dict[str, list[type[Layout]]] = {}
            for layout in self._layouts.values():
                found.setdefault(label_of(layout), []).append(layout)
            self._labels = found
        return self._labels

    def get(self, label: str) -> type[Layout]:
        found = self.by_label()
        matches = found.get(label)
        if not matches:
            close = difflib.get_close_matches(label, found, n=3, cutoff=0.8)
            hint = (" Did you mean " + ", ".join(map(repr, close)) + "?") if close else ""
            raise ImproperlyConfigured(f"No layout is registered as {label!r}.{hint}")
        if len(matches) > 1:
            raise ImproperlyConfigured(
                f"Several layouts are registered as {label!r}: "
                + ", ".join(f"{m.__module__}.{m.__qualname__}" for m in matches)
            )
        return matches[0]


registry = LayoutRegistry()


def get_layout(reference: type[Layout] | str) -> type[Layout]:
    """Return the Layout class for a class or an ``"app_label.ClassName"`` string."""
    if isinstance(reference, str):
        return registry.get(reference)
    if isinstance(reference, type) and issubclass(reference, Layout):
        return reference
    raise ImproperlyConfigured(
        f"A layout must be a Layout subclass or its label, not {reference!r}."
    )


Layout.panels, Layout.queues = collect_declarations(Layout)


@receiver(setting_changed)
def _installed_apps_changed(*, setting: str, **kwargs: Any) -> None:
    # A layout's label is its app's label: other apps, other labels.
    if setting == "INSTALLED_APPS":
        registry.forget_labels()
