"""Pins: a missing test dependency skips locally with a hint, and fails under CI=true."""

import pathlib
import re
import shutil

import pytest

from tests import requirements, servers

ABSENT = "layouts_cbv_tests_no_such_module"


def outcome(call, *args):
    """Return the skip or fail that ``call(*args)`` raised (a skip must not skip this test)."""
    try:
        call(*args)
    except (pytest.skip.Exception, pytest.fail.Exception) as exc:
        return exc
    raise AssertionError(f"{call.__name__} neither skipped nor failed")


@pytest.fixture
def ci(monkeypatch):
    monkeypatch.setenv("CI", "true")


@pytest.fixture
def local(monkeypatch):
    monkeypatch.delenv("CI", raising=False)


def test_a_present_module_is_returned(ci):
    assert requirements.need_module("json", "never needed").dumps([]) == "[]"


def test_a_missing_module_fails_under_ci_with_the_install_hint(ci):
    result = outcome(requirements.need_module, ABSENT, "pip install x")
    assert isinstance(result, pytest.fail.Exception)
    assert re.search(rf"{ABSENT} is not installed.*pip install x", result.msg)


@pytest.mark.parametrize("value", [None, "false", "1", ""])
def test_a_missing_module_skips_elsewhere_with_the_install_hint(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    result = outcome(requirements.need_module, ABSENT, "pip install x")
    assert isinstance(result, pytest.skip.Exception)
    assert re.search(rf"{ABSENT} is not installed.*pip install x", result.msg)


def test_a_missing_binary_fails_under_ci_with_the_apt_hint(ci, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = outcome(servers.require_binary, "redis-server", "redis-server")
    assert isinstance(result, pytest.fail.Exception)
    assert "apt-get install -y redis-server" in result.msg


def test_a_missing_binary_skips_elsewhere_with_the_apt_hint(local, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = outcome(requirements.require_binary, "memcached", "memcached")
    assert isinstance(result, pytest.skip.Exception)
    assert "apt-get install -y memcached" in result.msg


def test_a_present_binary_is_returned(ci, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    assert servers.require_binary("redis-server", "redis-server") == "/usr/bin/redis-server"


def test_no_test_module_skips_silently_on_a_missing_dependency():
    # importorskip and find_spec-based skipif skip in CI too; tests.requirements does not.
    here = pathlib.Path(__file__).parent
    offenders = [
        str(path.relative_to(here))
        for path in here.rglob("*.py")
        if path.name != pathlib.Path(__file__).name
        and ("importorskip" in path.read_text() or "find_spec(" in path.read_text())
    ]
    assert offenders == []
