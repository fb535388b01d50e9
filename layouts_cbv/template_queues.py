"""The render queues a template names, found without rendering it (for ``manage.py check``).

Only what is written as a constant counts: ``{% renderqueue "head_extras" %}``,
``{% enqueue "head_extras" %}``, ``{% renderscripts %}`` and ``{% renderstyles %}``, in the
template and in the templates it extends or includes by a constant name. A queue named
by a variable is checked when the page renders.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.template import Template, TemplateDoesNotExist, TemplateSyntaxError
from django.template.base import FilterExpression, Node
from django.template.loader import select_template
from django.template.loader_tags import ExtendsNode, IncludeNode

from .templatetags.layouts_cbv import Enqueue, RenderQueueTag, RenderScripts, RenderStyles

_FIXED = {RenderScripts: "scripts", RenderStyles: "styles"}


def named_queues(template_names: str | list[str] | tuple[str, ...]) -> dict[str, str]:
    """Return each queue name the first of ``template_names`` that exists names, with
    the name of the template that names it ({} when none is found)."""
    names = [template_names] if isinstance(template_names, str) else list(template_names)
    found: dict[str, str] = {}
    template = _load(names)
    if template is not None:
        _walk(template, found, set())
    return found


def _load(names: list[str]) -> Template | None:
    try:
        loaded = select_template(names)
    except (TemplateDoesNotExist, TemplateSyntaxError):
        return None  # not this check's business: rendering the page reports it
    return getattr(loaded, "template", None)  # Django templates only


def _walk(template: Template, found: dict[str, str], seen: set[str]) -> None:
    if template.origin.name in seen:
        return
    seen.add(template.origin.name)
    for node in _nodes(template):
        if isinstance(node, ExtendsNode | IncludeNode):
            name = _constant(node.parent_name if isinstance(node, ExtendsNode) else node.template)
            other = _load([name]) if name else None
            if other is not None:
                _walk(other, found, seen)
            continue
        queue = _FIXED.get(type(node)) or _constant(node.kwargs["queue_name"].var)
        if queue:
            found.setdefault(queue, template.origin.template_name or template.origin.name)


def _nodes(template: Template) -> Iterator[Node]:
    for kind in (ExtendsNode, IncludeNode, RenderQueueTag, Enqueue, RenderScripts, RenderStyles):
        yield from template.nodelist.get_nodes_by_type(kind)


def _constant(expression: FilterExpression) -> str | None:
    """Return the text a template expression always is, or None if it may vary."""
    fixed = isinstance(expression, FilterExpression) and not expression.filters
    return str(expression.var) if fixed and isinstance(expression.var, str) else None
