"""Child processes that stand for a user's own shell: a build, a fresh project, Sphinx.

They get this environment without what ties a process to the test run: the test
settings module, an import path into the checkout, and the switch that stops Python
from writing bytecode (setuptools warns about it, which would hide real build warnings).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
"""The checkout (or unpacked sdist) the tests run from."""

_TIED = frozenset({"PYTHONPATH", "DJANGO_SETTINGS_MODULE", "PYTHONDONTWRITEBYTECODE"})


def child_env(**extra: str) -> dict[str, str]:
    """Return the environment for a child process, with ``extra`` added."""
    env = {key: value for key, value in os.environ.items() if key not in _TIED}
    return {**env, **extra}
