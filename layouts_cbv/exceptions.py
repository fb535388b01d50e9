"""Exceptions raised by layouts_cbv."""

import difflib

from django.core.exceptions import ImproperlyConfigured

__all__ = ["ImproperlyConfigured", "PanelNotFound", "PanelRenderError", "QueueNotDeclared"]


class PanelNotFound(LookupError):
    """A panel name resolves to nothing in the panel registry or the URLconf."""

    def __init__(self, name: str, suggestions: list[str] | None = None, *, url_tried: bool = False):
        self.name = name
        self.suggestions = list(suggestions or [])
        where = "in the panel registry or the URLconf" if url_tried else "in the panel registry"
        message = f"No panel named {name!r} {where}."
        if self.suggestions:
            message += " Did you mean " + ", ".join(repr(s) for s in self.suggestions) + "?"
        super().__init__(message)


class PanelRenderError(Exception):
    """A panel failed to render; raised instead of the error template when DEBUG_ERRORS is on.

    The original exception is chained as ``__cause__``.
    """

    def __init__(self, panel_name: str, message: str = ""):
        self.panel_name = panel_name
        super().__init__(
            f"Panel {panel_name!r} failed to render" + (f": {message}" if message else ".")
        )


class QueueNotDeclared(LookupError):
    """A render queue name that the page's layout does not declare (a typo, most often)."""

    def __init__(self, name: str, owner: str, declared: list[str]):
        self.name = name
        self.declared = sorted(declared)
        listed = ", ".join(map(repr, self.declared)) or "none"
        message = f"Render queue {name!r} is not declared on {owner}; its queues are {listed}."
        close = difflib.get_close_matches(name, self.declared, n=1)
        if close:
            message += f" Did you mean {close[0]!r}?"
        else:
            message += f" Declare it on the layout: {name} = RenderQueue()."
        super().__init__(message)
