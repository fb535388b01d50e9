"""The ``LAYOUTS_CBV`` settings dict, read through a cached accessor."""

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

SETTING_NAME = "LAYOUTS_CBV"

DEFAULTS: dict[str, Any] = {
    "CACHE_ENABLED": True,
    "CACHE_BACKEND": "default",
    "DEBUG_ERRORS": None,
    "PARTIAL_DETECTORS": [],
    "SERVER_TIMING": None,
    "STRICT_VARY": False,
    "LOCK_TIMEOUT": 10,
    "LOCK_WAIT": 1.5,
    "BACKOFF": 5,
    "DEFERRED_MAX_AGE": 86400,
    "KEY_VERSION": None,
    "BADGES": False,
}

NUMBER = (int, float)
# What each key accepts; None stands for "None is allowed".
TYPES: dict[str, tuple[type | None, ...]] = {
    "CACHE_ENABLED": (bool,),
    "CACHE_BACKEND": (str,),
    "DEBUG_ERRORS": (bool, None),
    "PARTIAL_DETECTORS": (list, tuple),
    "SERVER_TIMING": (bool, None),
    "STRICT_VARY": (bool,),
    "LOCK_TIMEOUT": NUMBER,
    "LOCK_WAIT": NUMBER,
    "BACKOFF": NUMBER,
    "DEFERRED_MAX_AGE": (int,),
    "KEY_VERSION": (int, None),
    "BADGES": (bool,),
}


@dataclass(frozen=True)
class Bound:
    """The values a numeric setting may take: finite, and at least (or above) ``minimum``."""

    minimum: float
    inclusive: bool
    hint: str

    def admits(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        return value >= self.minimum if self.inclusive else value > self.minimum

    def describe(self, types: tuple[type | None, ...]) -> str:
        number = "a finite number" if float in types else "an int"
        return f"{number} {'of at least' if self.inclusive else 'greater than'} {self.minimum}"


# KEY_VERSION is any int Django takes as a cache version: only its type is checked.
BOUNDS: dict[str, Bound] = {
    "LOCK_TIMEOUT": Bound(
        1,
        True,
        "It is the seconds a single-flight lock lives if its holder dies: a lock that "
        "expires at once locks nothing, and Django's Redis and memcached backends round "
        "a timeout below 1 second down to 0. The default is 10.",
    ),
    "LOCK_WAIT": Bound(
        0,
        True,
        "It is the seconds a request waits without news of another's render of a panel "
        "before one waiter takes it over; 0 means a waiter takes over after its first look "
        "finds no progress (at most one more render, never one per waiter). The default "
        "is 1.5.",
    ),
    "BACKOFF": Bound(
        0,
        True,
        "It is the seconds a cache alias is left alone after a call to it failed; 0 means "
        "no back-off: every call tries the alias again. The default is 5.",
    ),
    "DEFERRED_MAX_AGE": Bound(
        1,
        True,
        "It is the seconds a deferred panel's signed reference stays valid: a reference "
        "that expires at once can never be fetched. The default is 86400.",
    ),
}

# Settings whose None default means "follow settings.DEBUG".
FOLLOW_DEBUG = frozenset({"DEBUG_ERRORS", "SERVER_TIMING"})


def user_settings() -> dict[str, Any]:
    """Return the project's raw ``LAYOUTS_CBV`` dict (empty when unset)."""
    return dict(getattr(django_settings, SETTING_NAME, None) or {})


def unknown_keys() -> list[str]:
    """Return the keys of ``LAYOUTS_CBV`` that layouts_cbv does not know, sorted."""
    return sorted(set(user_settings()) - set(DEFAULTS))


def wrong_types() -> list[str]:
    """Return one sentence per ``LAYOUTS_CBV`` value of the wrong type."""
    problems = []
    for key, value in user_settings().items():
        allowed = TYPES.get(key)
        if allowed is None or (value is None and None in allowed):
            continue
        types = tuple(t for t in allowed if t is not None)
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join(t.__name__ for t in types) + (" or None" if None in allowed else "")
            problems.append(f"{SETTING_NAME}[{key!r}] must be {names}, not {value!r}.")
    return problems


def out_of_range() -> list[tuple[str, str]]:
    """Return a sentence and a hint per numeric ``LAYOUTS_CBV`` value out of its range.

    Values of the wrong type are left to :func:`wrong_types`.
    """
    problems = []
    for key, value in user_settings().items():
        bound = BOUNDS.get(key)
        if bound is None or isinstance(value, bool) or not isinstance(value, NUMBER):
            continue
        if not bound.admits(value):
            problems.append(
                (
                    f"{SETTING_NAME}[{key!r}] must be {bound.describe(TYPES[key])}, not {value!r}.",
                    bound.hint,
                )
            )
    return problems


def invalid() -> bool:
    """Return whether ``LAYOUTS_CBV`` has an unknown key or a value it does not accept."""
    return bool(unknown_keys() or wrong_types() or out_of_range())


@cache
def _merged() -> dict[str, Any]:
    unknown = unknown_keys()
    if unknown:
        raise ImproperlyConfigured(
            f"Unknown {SETTING_NAME} key(s): {', '.join(unknown)}. "
            f"Valid keys: {', '.join(sorted(DEFAULTS))}."
        )
    problems = wrong_types()
    if problems:
        raise ImproperlyConfigured(" ".join(problems))
    ranges = out_of_range()
    if ranges:
        raise ImproperlyConfigured(" ".join(f"{message} {hint}" for message, hint in ranges))
    return {**DEFAULTS, **user_settings()}


def get(name: str) -> Any:
    """Return the effective value of one ``LAYOUTS_CBV`` setting."""
    value = _merged()[name]
    if value is None and name in FOLLOW_DEBUG:
        return bool(django_settings.DEBUG)
    return value


LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"


@cache
def locale_middleware_installed() -> bool:
    """Return whether LocaleMiddleware is installed (keys then carry the language)."""
    return LOCALE_MIDDLEWARE in django_settings.MIDDLEWARE


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs: Any) -> None:
    # override_settings must be seen at once, in tests and anywhere else.
    if setting in (SETTING_NAME, "DEBUG"):
        _merged.cache_clear()
    if setting == "MIDDLEWARE":
        locale_middleware_installed.cache_clear()
