"""``manage.py layouts_panels``: every registered panel, and every layout and view using it."""

from __future__ import annotations

from collections import defaultdict
from importlib import import_module
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from ... import registry
from ...cache.backends import PanelCacheBackend
from ...checks import routed_views
from ...layout import label_of
from ...layout import registry as layouts
from ...mixins import LayoutMixin
from ...panel import Panel
from ...sources import NamedSource


class Command(BaseCommand):
    help = "List every registered panel and the layouts and views that use it, with its cache."

    def handle(self, *args: Any, **options: Any) -> None:
        # Importing the URLconf imports the views that declare panels.
        import_module(settings.ROOT_URLCONF)
        uses: dict[str, list[str]] = defaultdict(list)
        others: list[str] = []
        for owner, name, panel in declarations():
            line = f"  {owner} as {name!r}: {strategy(panel)}"
            source = panel.source
            if isinstance(source, NamedSource) and source.name in registry.site:
                uses[source.name].append(line)
            else:
                others.append(f"{line}, from {source.describe()}")
        for registered in registry.names():
            self.stdout.write(f"{registered} ({registry.get(registered).describe()})")
            self.stdout.write("\n".join(uses.get(registered) or ["  (not used)"]))
        if others:
            self.stdout.write("Panels not from the registry:")
            self.stdout.write("\n".join(others))


def declarations() -> list[tuple[str, str, Panel]]:
    """Return (owner, panel name, panel) for every layout and routed view."""
    found = [
        (f"layout {label_of(layout)}", name, panel)
        for layout in layouts.all()
        for name, panel in layout.panels.items()
    ]
    for view in sorted(set(routed_views(LayoutMixin)), key=lambda v: v.__qualname__):
        owner = f"view {view.__module__}.{view.__qualname__}"
        found += [(owner, name, panel) for name, panel in view._view_panels.items() if panel]
    return found


def strategy(panel: Panel) -> str:
    """Describe how a panel is cached: its strategy, timeout and alias, or uncached."""
    cache: PanelCacheBackend | None = panel.cache
    if cache is None:
        return "uncached" + (", deferred" if panel.defer else "")
    described = f"{type(cache).__name__}(timeout={cache.timeout!r}"
    described += f", stale_ttl={cache.stale_ttl}" if cache.stale_ttl else ""
    described += f", backend={cache.backend!r})" if cache.backend else ")"
    return described + (", deferred" if panel.defer else "")
