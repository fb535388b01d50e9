"""System checks: ``manage.py check`` reports bad settings, panel names and layout references."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from . import conf
from . import registry as panel_registry
from .cache.aliases import alias_of
from .cache.backends import PanelCacheBackend
from .cache.variation import variation_of
from .layout import get_layout
from .layout import registry as layout_registry
from .panel import Panel
from .sources import NamedSource, URLSource, import_callable, url_name_exists

V = TypeVar("V")

E_UNKNOWN_SETTING = "layouts_cbv.E001"
E_LAYOUT_PANEL = "layouts_cbv.E002"
E_VIEW_PANEL = "layouts_cbv.E003"
E_LAYOUT_REFERENCE = "layouts_cbv.E004"
E_LAYOUT_CLASH = "layouts_cbv.E005"
E_SETTING_TYPE = "layouts_cbv.E006"
E_UNKNOWN_ALIAS = "layouts_cbv.E007"
E_DETECTOR = "layouts_cbv.E008"
E_SETTING_RANGE = "layouts_cbv.E009"
W_SHARED_NAME = "layouts_cbv.W001"
W_UNBOUNDED = "layouts_cbv.W002"
W_UNDECLARED = "layouts_cbv.W003"
W_UNSTABLE_ARGUMENTS = "layouts_cbv.W004"
W_STREAMED_BAKED = "layouts_cbv.W006"
W_UNDECLARED_QUEUE = "layouts_cbv.W005"
W_DECORATED_HANDLER = "layouts_cbv.W007"


def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    unknown = conf.unknown_keys()
    if unknown:
        return [
            checks.Error(
                f"Unknown {conf.SETTING_NAME} key(s): {', '.join(unknown)}.",
                hint=f"Valid keys: {', '.join(sorted(conf.DEFAULTS))}.",
                id=E_UNKNOWN_SETTING,
            )
        ]
    problems = conf.wrong_types()
    if problems:
        return [checks.Error(problem, id=E_SETTING_TYPE) for problem in problems]
    ranges = conf.out_of_range()
    if ranges:
        return [checks.Error(problem, hint=hint, id=E_SETTING_RANGE) for problem, hint in ranges]
    return [*_detector_errors(), *_alias_errors([conf.get("CACHE_BACKEND")], "CACHE_BACKEND")]


def _detector_errors() -> Iterator[checks.CheckMessage]:
    for path in conf.get("PARTIAL_DETECTORS"):
        try:
            import_callable(path)
        except Exception as exc:
            yield checks.Error(
                f"PARTIAL_DETECTORS entry {path!r} cannot be imported: {exc}",
                hint="Give the dotted path of a function (request) -> bool.",
                id=E_DETECTOR,
            )


def _alias_errors(aliases: list[str], where: str) -> Iterator[checks.CheckMessage]:
    from django.conf import settings

    for alias in aliases:
        if alias not in settings.CACHES:
            yield checks.Error(
                f"{where} names the cache alias {alias!r}, which is not in settings.CACHES.",
                hint=f"Known aliases: {', '.join(sorted(settings.CACHES))}.",
                id=E_UNKNOWN_ALIAS,
            )


def unresolved(panel: Panel) -> str | None:
    """Return the name a panel refers to when nothing resolves it, else None."""
    source = panel.source
    if isinstance(source, NamedSource):
        if source.name in panel_registry.site or url_name_exists(source.name):
            return None
        return source.name
    if isinstance(source, URLSource) and not url_name_exists(source.url_name):
        return source.url_name
    return None


def panel_errors(
    panels: Mapping[str, Panel | None], owner: str, obj: Any, check_id: str
) -> Iterator[checks.CheckMessage]:
    for name, panel in panels.items():
        missing = panel and unresolved(panel)
        if missing:
            yield checks.Error(
                f"Panel {name!r} of {owner} refers to {missing!r}, which is neither a "
                "registered panel nor a URL name.",
                hint=_suggestion(missing),
                obj=obj,
                id=check_id,
            )


def _suggestion(name: str) -> str:
    suggestions: list[str] = []
    try:
        panel_registry.get(name)
    except LookupError as exc:
        suggestions = getattr(exc, "suggestions", [])
    if suggestions:
        return "Did you mean " + ", ".join(map(repr, suggestions)) + "?"
    return "Register it in an app's panels.py with registry.register(), or add the URL pattern."


def check_layouts(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for label, layouts in layout_registry.by_label().items():
        if len(layouts) > 1:
            errors.append(
                checks.Error(
                    f"Several layouts share the label {label!r}: "
                    + ", ".join(f"{layout.__module__}.{layout.__qualname__}" for layout in layouts)
                    + ".",
                    hint="Rename one of them; layouts are referred to as 'app_label.ClassName'.",
                    obj=layouts[0],
                    id=E_LAYOUT_CLASH,
                )
            )
        for layout in layouts:
            errors.extend(panel_errors(layout.panels, f"layout {label!r}", layout, E_LAYOUT_PANEL))
    return errors


def cached_declarations() -> Iterator[tuple[str, Panel]]:
    """Yield every cached panel declared on a layout or a routed view, with its name."""
    from .mixins import LayoutMixin

    declarations: list[Mapping[str, Panel | None]] = [
        layout.panels for layout in layout_registry.all()
    ]
    declarations += [view._view_panels for view in routed_views(LayoutMixin)]
    for panels in declarations:
        for name, panel in panels.items():
            if panel is not None and panel.cache is not None:
                yield name, panel


def check_cached_names(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    if conf.invalid():
        return []  # E001, E006 or E009 says why; the default alias is not known yet
    declared = list(cached_declarations())
    sources: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, panel in declared:
        sources[(name, alias_of(panel.cache))].add(panel.source.describe())  # type: ignore[arg-type]
    errors: list[checks.CheckMessage] = []
    for name, alias in sorted(sources):
        errors.extend(_alias_errors([alias], f"The cache of panel {name!r}"))
    errors += [
        checks.Warning(
            f"Cached panels named {name!r} in cache {alias!r} have different sources: "
            + ", ".join(sorted(described))
            + ".",
            hint="They share cache entries and invalidation; give them different names "
            "or different cache aliases.",
            id=W_SHARED_NAME,
        )
        for (name, alias), described in sorted(sources.items())
        if len(described) > 1
    ]
    errors += sorted(_unbounded(declared), key=lambda message: message.msg)
    return errors + sorted(_undeclared(declared), key=lambda message: message.msg)


def _undeclared(declared: list[tuple[str, Panel]]) -> Iterator[checks.CheckMessage]:
    from .mixins import LayoutMixin

    users = {(f"Panel {name!r}", panel.cache) for name, panel in declared}
    users |= {
        (f"The page cache of {view.__qualname__}", view.page_cache)
        for view in routed_views(LayoutMixin)
        if isinstance(view.page_cache, PanelCacheBackend)
    }
    for owner, strategy in users:
        if not variation_of(strategy).declared:
            yield checks.Warning(
                f"{owner} is cached with {type(strategy).__name__}, which does not declare "
                "varies_on: it is treated as personal (never baked into a cached page, "
                "private, and its renders may read nothing of the visitor and be stored).",
                hint="Declare varies_on: the request inputs its output depends on, from "
                "'user', 'session', 'path', 'query', 'host', 'language' or 'header:<Name>'.",
                id=W_UNDECLARED,
            )


def _unbounded(declared: list[tuple[str, Panel]]) -> Iterator[checks.CheckMessage]:
    seen = set()
    for name, panel in declared:
        strategy = panel.cache
        visitor_chosen = variation_of(strategy).unbounded
        if visitor_chosen and strategy.timeout is None and name not in seen:  # type: ignore[union-attr]
            seen.add(name)
            yield checks.Warning(
                f"Panel {name!r} is cached with {type(strategy).__name__} and no timeout: "
                "its keys come from what visitors request, so its entries can grow "
                "without bound.",
                hint="Give it a timeout, so entries nobody asks for again expire.",
                id=W_UNBOUNDED,
            )


def check_views(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .mixins import LayoutMixin

    errors: list[checks.CheckMessage] = []
    for view_class in sorted(set(routed_views(LayoutMixin)), key=lambda v: v.__qualname__):
        owner = f"view {view_class.__module__}.{view_class.__qualname__}"
        errors.extend(panel_errors(view_class._view_panels, owner, view_class, E_VIEW_PANEL))
        reference = view_class.layout
        if isinstance(reference, str):
            try:
                get_layout(reference)
            except ImproperlyConfigured as exc:
                errors.append(
                    checks.Error(
                        f"{owner} has layout = {reference!r}: {exc}",
                        hint="Use a Layout class, or its 'app_label.ClassName' label.",
                        obj=view_class,
                        id=E_LAYOUT_REFERENCE,
                    )
                )
    return errors


def routed_views(base: type[V]) -> Iterator[type[V]]:
    """Yield every class-based view in the root URLconf that subclasses ``base``."""
    for view_class, _ in routed(base):
        yield view_class


def routed(base: type[V]) -> Iterator[tuple[type[V], dict[str, Any]]]:
    """Yield every class-based view in the root URLconf that subclasses ``base``, with the
    arguments its ``as_view()`` was given there."""
    from django.urls import URLPattern, URLResolver, get_resolver

    def walk(patterns: list[Any]) -> Iterator[tuple[type, dict[str, Any]]]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern):
                view_class = getattr(pattern.callback, "view_class", None)
                if isinstance(view_class, type) and issubclass(view_class, base):
                    yield view_class, getattr(pattern.callback, "view_initkwargs", {})

    yield from walk(get_resolver().url_patterns)


def check_page_keys(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .mixins import LayoutMixin
    from .pages import UnstableArguments, arguments_part, decorated_handler

    warnings: list[checks.CheckMessage] = []
    for view_class, initkwargs in routed(LayoutMixin):
        strategy = initkwargs.get("page_cache", view_class.page_cache)
        if strategy is None:
            continue
        warnings.extend(_streamed_baked(view_class, strategy))
        if decorated_handler(view_class):  # type: ignore[arg-type]
            warnings.append(
                checks.Warning(
                    f"{view_class.__module__}.{view_class.__qualname__} has a page_cache and "
                    "a decorated get(): a stored page would be served before the "
                    "decorator's checks ran, so its pages are never served from the page "
                    "cache.",
                    hint="Decorate dispatch() instead (method_decorator(..., "
                    'name="dispatch")), or use an access mixin such as LoginRequiredMixin.',
                    obj=view_class,
                    id=W_DECORATED_HANDLER,
                )
            )
        try:
            arguments_part(initkwargs)
        except UnstableArguments as exc:
            warnings.append(
                checks.Warning(
                    f"{view_class.__module__}.{view_class.__qualname__} is routed with "
                    f"as_view() arguments that cannot be part of its page key ({exc}); its "
                    "pages are never served from the page cache.",
                    hint="Pass values that print the same in every process (names, numbers, "
                    "classes, functions), or set them on a subclass instead.",
                    obj=view_class,
                    id=W_UNSTABLE_ARGUMENTS,
                )
            )
    return warnings


def _streamed_baked(view_class: Any, strategy: Any) -> Iterator[checks.CheckMessage]:
    # A panel baked into the stored page renders before the page is sent: stream=True
    # cannot hold for it, and the user should know rather than wonder.
    from .pages import is_baked, key_names

    try:
        panels = view_class._merged_for(get_layout(view_class.layout))
    except Exception:
        return  # E004 or the layout checks say why
    names = key_names(strategy, view_class.page_cache_ignore_query)
    for name, panel in sorted(panels.items()):
        if panel.stream and is_baked(panel, names):
            yield checks.Warning(
                f"Panel {name!r} of {view_class.__module__}.{view_class.__qualname__} has "
                "stream=True but is baked into the view's cached page, so it is rendered "
                "before the page is sent, never streamed.",
                hint="Drop stream=True, or cache the panel per user (a hole streams), or "
                "drop the view's page_cache.",
                obj=view_class,
                id=W_STREAMED_BAKED,
            )


def check_queue_names(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn where a layout template names a render queue its layout does not declare:
    rendering it raises QueueNotDeclared."""
    from .layout import Layout, label_of
    from .mixins import LayoutMixin
    from .template_queues import named_queues

    templates: list[tuple[str, Any, str | list[str], type[Layout]]] = [
        (f"layout {label_of(layout)!r}", layout, layout.template, layout)
        for layout in layout_registry.all()
        if layout.template
    ]
    for view_class in sorted(set(routed_views(LayoutMixin)), key=lambda v: v.__qualname__):
        if view_class.layout_template:
            try:
                layout = get_layout(view_class.layout) if view_class.layout else Layout
            except ImproperlyConfigured:
                continue  # E004 says why
            owner = f"view {view_class.__module__}.{view_class.__qualname__}"
            templates.append((owner, view_class, view_class.layout_template, layout))
    warnings = []
    for owner, obj, template, layout in templates:
        for queue, where in sorted(named_queues(template).items()):
            if queue not in layout.queues:
                declared = ", ".join(map(repr, sorted(layout.queues))) or "none"
                warnings.append(
                    checks.Warning(
                        f"Template {where!r} of {owner} names the render queue {queue!r}, "
                        f"which its layout does not declare (its queues: {declared}).",
                        hint=f"Declare it on the layout ({queue} = RenderQueue()), or fix "
                        "the name: rendering the page raises QueueNotDeclared.",
                        obj=obj,
                        id=W_UNDECLARED_QUEUE,
                    )
                )
    return warnings
