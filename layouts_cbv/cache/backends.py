"""The PanelCacheBackend hierarchy: one class per strategy, each saying what a panel varies by."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, ClassVar

from django.http import HttpRequest
from django.utils import translation

from .. import conf
from . import identity
from .keys import panel_key
from .variation import HOST, PATH, SESSION, USER, Variation, validate, variation

__all__ = [
    "CustomCache",
    "PanelCacheBackend",
    "PerHostCache",
    "PerPathCache",
    "PerSessionCache",
    "PerUserCache",
    "PerUserPerPathCache",
    "SitewideCache",
]


def _check_timeout(name: str, value: Any, *, allow_none: bool) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(
            f"{name} must be a non-negative int{' or None' if allow_none else ''}, not {value!r}."
        )
    if value < 0:
        raise ValueError(f"{name} must not be negative, got {value}.")


def _models(value: Iterable[type]) -> tuple[type, ...]:
    from django.db.models import Model

    if isinstance(value, str) or not isinstance(value, Iterable):
        raise TypeError(f"invalidate_on must be a list of model classes, not {value!r}.")
    models = tuple(value)
    for model in models:
        if not (isinstance(model, type) and issubclass(model, Model)):
            raise TypeError(f"invalidate_on takes model classes, not {model!r}.")
    return models


def _declares_varies_on(cls: type) -> bool:
    # varies_on describes get_vary, so it counts only where that get_vary is defined or
    # below: a subclass with its own get_vary and an inherited varies_on says nothing.
    vary_owner = next(klass for klass in cls.__mro__ if "get_vary" in vars(klass))
    names_owner = next(klass for klass in cls.__mro__ if "varies_on" in vars(klass))
    return names_owner is not PanelCacheBackend and issubclass(names_owner, vary_owner)


class PanelCacheBackend:
    """How a panel is cached: for how long, in which cache alias, varying by what.

    Subclasses override :meth:`get_vary` and declare ``varies_on``: the request inputs
    the panel's output may depend on, which the vary must tell apart (names from
    :mod:`layouts_cbv.cache.variation`). A subclass that does not declare it is
    treated as personal (see :func:`~layouts_cbv.cache.variation.variation_of`).
    """

    varies_on: ClassVar[frozenset[str]] = frozenset()
    # Set for each subclass: whether its varies_on was declared with its get_vary.
    varies_on_declared: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "varies_on" in vars(cls):
            cls.varies_on = validate(cls.varies_on, cls.__qualname__)
        cls.varies_on_declared = _declares_varies_on(cls)

    def __init__(
        self,
        timeout: int | None,
        *,
        backend: str | None = None,
        stale_ttl: int = 0,
        refresh_func: Callable[[HttpRequest], Any] | None = None,
        jitter: float = 0.0,
        early_refresh: bool = False,
        invalidate_on: Iterable[type] = (),
    ):
        _check_timeout("timeout", timeout, allow_none=True)
        _check_timeout("stale_ttl", stale_ttl, allow_none=False)
        if backend is not None and not isinstance(backend, str):
            raise TypeError(f"backend must be a cache alias name, not {backend!r}.")
        if refresh_func is not None and not callable(refresh_func):
            raise TypeError(f"refresh_func must be callable, not {refresh_func!r}.")
        if isinstance(jitter, bool) or not isinstance(jitter, int | float):
            raise TypeError(f"jitter must be a number, not {jitter!r}.")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter is a fraction of the timeout, from 0 to 1, got {jitter}.")
        self.timeout = timeout
        self.backend = backend
        self.stale_ttl = stale_ttl
        self.refresh_func = refresh_func
        self.jitter = float(jitter)
        self.early_refresh = bool(early_refresh)
        self.invalidate_on = _models(invalidate_on)

    def get_vary(self, request: HttpRequest) -> str:
        """Return what this panel's entry varies by for ``request`` ("" for one shared entry)."""
        raise NotImplementedError("subclasses of PanelCacheBackend must provide get_vary()")

    @cached_property
    def variation(self) -> Variation:
        """What this strategy's key tells apart; read it through ``variation_of()``."""
        return variation(frozenset(self.varies_on), self.varies_on_declared)

    def make_key(self, panel_name: str, request: HttpRequest) -> str:
        """Return the cache key of ``panel_name`` for ``request``.

        With LocaleMiddleware installed, the active language ends the vary, so a
        French visitor never gets the English entry.
        """
        return panel_key(panel_name, with_language(self.get_vary(request)))

    def fixed_key(self, panel_name: str) -> str | None:
        """Return the key of ``panel_name`` when no request changes it, else None.

        Asked once per set of panels: a fixed key is not made again on every request.
        Only a strategy whose :meth:`get_vary` ignores the request may give one.
        """
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} timeout={self.timeout!r} backend={self.backend!r}>"


def with_language(vary: str, language: str | None = None) -> str:
    """Return ``vary`` followed by the active language when LocaleMiddleware is installed."""
    if not conf.locale_middleware_installed():
        return vary
    language = language or translation.get_language()
    if not language:
        return vary
    return f"{vary}:{language}" if vary else language


def user_vary(request: HttpRequest) -> str:
    claimed = identity.claimed_vary(request)
    if claimed is not None:
        return claimed  # checked by the lookup that builds this key, before any use
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "anonymous"
    return str(user.pk)


def session_vary(request: HttpRequest) -> str:
    session = getattr(request, "session", None)
    return (session.session_key if session is not None else None) or "no-session"


class SitewideCache(PanelCacheBackend):
    """One entry shared by every visitor and page."""

    varies_on = frozenset()

    def get_vary(self, request):
        return ""

    def make_key(self, panel_name: str, request: HttpRequest) -> str:
        if type(self).get_vary is not SitewideCache.get_vary:
            return super().make_key(panel_name, request)  # a subclass's own vary
        # The same for every request: worked out once per panel and language.
        language = translation.get_language() if conf.locale_middleware_installed() else ""
        try:
            return self._keys[(panel_name, language)]
        except KeyError:
            key = self._keys[(panel_name, language)] = super().make_key(panel_name, request)
            return key

    @cached_property
    def _keys(self) -> dict[tuple[str, str | None], str]:
        return {}

    def fixed_key(self, panel_name: str) -> str | None:
        if (
            getattr(self.get_vary, "__func__", None) is not SitewideCache.get_vary
            or getattr(self.make_key, "__func__", None) is not SitewideCache.make_key
            or conf.locale_middleware_installed()
        ):
            # A vary or a key of its own (a subclass's or the instance's, which may
            # tell users apart), or the language: made per request.
            return None
        return panel_key(panel_name)


class PerUserCache(PanelCacheBackend):
    """One entry per user; every anonymous visitor shares the ``anonymous`` entry."""

    varies_on = frozenset({USER})

    def get_vary(self, request):
        return user_vary(request)


class PerPathCache(PanelCacheBackend):
    """One entry per URL path."""

    varies_on = frozenset({PATH})

    def get_vary(self, request):
        return request.path


class PerUserPerPathCache(PanelCacheBackend):
    """One entry per user and URL path."""

    varies_on = frozenset({USER, PATH})

    def get_vary(self, request):
        return f"{user_vary(request)}:{request.path}"


class PerSessionCache(PanelCacheBackend):
    """One entry per session; visitors without a session share ``no-session``."""

    varies_on = frozenset({SESSION})

    def get_vary(self, request):
        return session_vary(request)


class PerHostCache(PanelCacheBackend):
    """One entry per host the site answers to (``request.get_host()``, port included)."""

    varies_on = frozenset({HOST})

    def get_vary(self, request):
        return request.get_host()


class CustomCache(PanelCacheBackend):
    """One entry per value of ``key_func(request)``; ``""`` means one shared entry."""

    def __init__(
        self,
        key_func: Callable[[HttpRequest], str],
        timeout: int | None,
        *,
        varies_on: Iterable[str] | None = None,
        **kwargs: Any,
    ):
        if not callable(key_func):
            raise TypeError(f"key_func must be callable, not {key_func!r}.")
        super().__init__(timeout, **kwargs)
        self.key_func = key_func
        # Undeclared, nothing is known about what key_func tells apart: it is personal.
        self.varies_on_declared = varies_on is not None  # type: ignore[misc]
        self.varies_on = validate(  # type: ignore[misc]
            () if varies_on is None else varies_on, "cache.custom()"
        )

    def get_vary(self, request):
        return str(self.key_func(request))
