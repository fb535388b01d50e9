"""layouts_cbv: build Django pages out of named panels, each cached on its own terms."""

from . import cache, registry
from .layout import Layout
from .mixins import LayoutMixin
from .panel import Panel

__version__ = "0.1.0"

__all__ = ["Layout", "LayoutMixin", "Panel", "__version__", "cache", "registry"]
