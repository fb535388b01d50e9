"""Optional test dependencies: skip without them locally, fail without them in CI.

A test that needs a Python package or a system binary asks for it here. Locally a
missing one skips the test with a message saying how to install it; under
``CI=true`` it fails the test with the same message, so CI never goes green on tests
that did not run.
"""

from __future__ import annotations

import importlib
import os
import shutil
from types import ModuleType
from typing import NoReturn

import pytest

INSTALL_TEST_EXTRAS = "pip install -e '.[test]' (make test does so)"


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def missing(message: str) -> NoReturn:
    """Fail (under CI=true) or skip (elsewhere) with ``message``."""
    if in_ci():
        pytest.fail(message, pytrace=False)
    pytest.skip(message, allow_module_level=True)


def need_module(name: str, install_hint: str = INSTALL_TEST_EXTRAS) -> ModuleType:
    """Return the imported module ``name``; skip, or fail under CI=true, when it is missing."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        missing(f"{name} is not installed ({exc}): install it with {install_hint}")


def require_binary(name: str, package: str) -> str:
    """Return the path of ``name``; skip, or fail under CI=true, when it is not installed."""
    path = shutil.which(name)
    if path:
        return path
    missing(
        f"{name} is not installed: install it with 'apt-get install -y {package}' "
        "(make test does so by itself when run as root)"
    )
