"""The panel registry: named panel sources that layouts and views refer to by name.

Every installed app's ``panels.py`` is imported at start-up (like ``admin.py``), so
registrations there are in place before the first request::

    from layouts_cbv import registry

    @registry.register("blog:nav")
    def nav(request):
        ...
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any, overload

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from .exceptions import PanelNotFound
from .sources import Source, TemplateSource, build_source

__all__ = ["PanelRegistry", "autodiscover", "get", "names", "register", "site", "unregister"]


class PanelRegistry:
    """A mapping of panel names to panel sources."""

    def __init__(self) -> None:
        # Named _registry because autodiscover_modules() rolls it back on a failed import.
        self._registry: dict[str, Source] = {}

    @overload
    def register(
        self, name: str, source: None = None, *, template: None = None, replace: bool = False
    ) -> Callable[[Any], Any]: ...
    @overload
    def register(
        self, name: str, source: Any = None, *, template: str | None = None, replace: bool = False
    ) -> Any: ...

    def register(self, name, source=None, *, template=None, replace=False):
        """Register a function, class-based view or template under ``name``.

        Without ``source`` or ``template`` it returns a decorator.
        """
        if not isinstance(name, str) or not name:
            raise TypeError(f"A panel name must be a non-empty string, not {name!r}.")
        if source is not None and template is not None:
            raise TypeError("register() takes a source or template=, not both.")
        if source is None and template is None:
            return lambda obj: self._add(name, obj, obj, replace)
        if template is not None:
            if not isinstance(template, str):
                raise TypeError(f"template= must be a template name, not {template!r}.")
            return self._add(name, TemplateSource(template), template, replace)
        return self._add(name, source, source, replace)

    def _add(self, name: str, source: Any, returned: Any, replace: bool) -> Any:
        built = build_source(source)
        if name in self._registry and not replace:
            raise ImproperlyConfigured(
                f"A panel named {name!r} is already registered ({self._registry[name].describe()}). "
                "Pick another name, or pass replace=True to replace it."
            )
        self._registry[name] = built
        return returned

    def unregister(self, name: str) -> None:
        """Remove ``name``; raise :class:`PanelNotFound` if it is not registered."""
        self.get(name)
        del self._registry[name]

    def get(self, name: str) -> Source:
        """Return the source registered as ``name``, or raise :class:`PanelNotFound`."""
        try:
            return self._registry[name]
        except KeyError:
            close = difflib.get_close_matches(name, self._registry, n=3, cutoff=0.8)
            raise PanelNotFound(name, close) from None

    def names(self) -> list[str]:
        """Return the registered names, sorted."""
        return sorted(self._registry)

    def __contains__(self, name: object) -> bool:
        return name in self._registry

    def autodiscover(self) -> None:
        """Import the ``panels`` module of every installed app."""
        autodiscover_modules("panels", register_to=self)


site = PanelRegistry()
register = site.register
unregister = site.unregister
get = site.get
names = site.names
autodiscover = site.autodiscover
