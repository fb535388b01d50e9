"""layouts_cbv: build Django pages out of named panels, each cached on its own terms."""

from . import cache, registry
from .functions import layout, render_with_layout
from .layout import Layout
from .mixins import LayoutMixin
from .panel import Panel
from .roles import PanelOnlyMixin, panel_only

__version__ = "0.1.0"

__all__ = [
    "Layout",
    "LayoutMixin",
    "Panel",
    "PanelOnlyMixin",
    "__version__",
    "cache",
    "layout",
    "panel_only",
    "registry",
    "render_with_layout",
]
