"""Template tags of layouts_cbv, written with django-classy-tags.

``{% load layouts_cbv %}`` gives ``panel``, ``addscript``, ``addstyle``, ``enqueue``,
``renderscripts``, ``renderstyles`` and ``renderqueue``.
"""

from __future__ import annotations

from typing import Any

from classytags.arguments import Argument, MultiValueArgument
from classytags.core import Options, Tag
from django import template
from django.http import HttpRequest
from django.template.context import Context
from django.utils.safestring import SafeString, mark_safe

from ..assembly import PANELS_KEY, PanelsHTML
from ..deferred import Deferred
from ..holes import Hole
from ..markers import marker
from ..queues import (
    RenderQueue,
    add_script,
    add_style,
    add_to_queue,
    check_declared,
    get_collector,
)

register = template.Library()


def request_of(context: Context, tag_name: str) -> HttpRequest:
    request = getattr(context, "request", None) or context.get("request")
    if request is None:
        raise template.TemplateSyntaxError(
            f"{{% {tag_name} %}} needs the request: render with a RequestContext "
            "(render(request, ...)) or the 'request' context processor."
        )
    return request


@register.tag
class Panel(Tag):
    """``{% panel "name" %}fallback{% endpanel %}``: the panel's HTML, or the fallback."""

    name = "panel"
    options = Options(Argument("panel_name"), blocks=[("endpanel", "fallback")])

    def __init__(self, parser: Any, tokens: Any):
        super().__init__(parser, tokens)
        # The parsed name's expression, resolved as it is: a plain Argument's value
        # adds nothing to it, and this runs for every panel of every page.
        self.panel_name = self.kwargs["panel_name"].var

    def render(self, context: Context) -> str:
        # One method, without Tag.render's generic argument dict.
        panel_name = self.panel_name.resolve(context)
        panels = context.get(PANELS_KEY) or NO_PANELS
        # As the page holds it, unmarked: this tag's output is never escaped.
        html = panels.get(panel_name)
        if isinstance(html, FILLED_LATER):
            # Filled later (for each request from a cached page, or by the browser);
            # the fallback shows until then.
            html = html.wrap(self.blocks["fallback"].render(context))
        elif not html or html.isspace():  # as not html.strip(), without copying the panel
            html = self.blocks["fallback"].render(context)
        if getattr(panels, "badges", False):
            from ..contrib.badges import mark

            return mark(panel_name, html)
        return html


NO_PANELS = PanelsHTML()
FILLED_LATER = (Hole, Deferred)


@register.tag
class AddScript(Tag):
    """``{% addscript "/static/app.js" [async] [defer] %}``: queue a script."""

    name = "addscript"
    options = Options(Argument("src"), MultiValueArgument("flags", required=False, resolve=False))
    allowed_flags = frozenset({"async", "defer"})

    def __init__(self, parser: Any, tokens: Any):
        super().__init__(parser, tokens)
        # Flags are words, checked here so a typo fails when the template is loaded.
        given = self.kwargs.pop("flags", None)
        self.flags = (
            frozenset(flag.var.value for flag in given) if isinstance(given, list) else frozenset()
        )
        unknown = self.flags - self.allowed_flags
        if unknown:
            raise template.TemplateSyntaxError(
                f"{{% addscript %}} takes the flags 'async' and 'defer', not {', '.join(sorted(unknown))}."
            )

    def render_tag(self, context: Context, src: str) -> str:
        add_script(
            request_of(context, self.name),
            src,
            is_async="async" in self.flags,
            is_deferred="defer" in self.flags,
        )
        return ""


@register.tag
class AddStyle(Tag):
    """``{% addstyle "/static/site.css" ["print"] %}``: queue a stylesheet, with an optional media."""

    name = "addstyle"
    options = Options(Argument("href"), Argument("media", required=False, default=""))

    def render_tag(self, context: Context, href: str, media: str) -> str:
        add_style(request_of(context, self.name), href, media=media)
        return ""


@register.tag
class Enqueue(Tag):
    """``{% enqueue "queue" %}...{% endenqueue %}``: queue the rendered block."""

    name = "enqueue"
    options = Options(Argument("queue_name"), blocks=[("endenqueue", "nodelist")])

    def render_tag(self, context: Context, queue_name: str, nodelist: Any) -> str:
        item = mark_safe(nodelist.render(context).strip())
        add_to_queue(request_of(context, self.name), queue_name, item)
        return ""


def render_queue(context: Context, queue_name: str, tag_name: str) -> SafeString:
    request = request_of(context, tag_name)
    check_declared(request, queue_name)
    collector = get_collector(request)
    if collector.deferred:
        # Inside a layout: filled once every panel has added its items.
        return marker(queue_name)
    layout = context.get("layout")
    queue = getattr(layout, "queues", {}).get(queue_name) or RenderQueue()
    return queue.render(collector.items(queue_name), request)


@register.tag
class RenderScripts(Tag):
    """``{% renderscripts %}``: the page's deduplicated scripts."""

    name = "renderscripts"

    def render_tag(self, context: Context) -> str:
        return render_queue(context, "scripts", self.name)


@register.tag
class RenderStyles(Tag):
    """``{% renderstyles %}``: the page's deduplicated stylesheets."""

    name = "renderstyles"

    def render_tag(self, context: Context) -> str:
        return render_queue(context, "styles", self.name)


@register.tag
class RenderQueueTag(Tag):
    """``{% renderqueue "name" %}``: the items of any render queue."""

    name = "renderqueue"
    options = Options(Argument("queue_name"))

    def render_tag(self, context: Context, queue_name: str) -> str:
        return render_queue(context, queue_name, self.name)
