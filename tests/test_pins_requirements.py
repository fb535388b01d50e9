"""Pins: a missing test dependency skips locally with a hint, and fails under CI=true."""

import pathlib
import shutil

import pytest

from tests import requirements, servers

ABSENT = "layouts_cbv_tests_no_such_module"


@pytest.fixture
def ci(monkeypatch):
    monkeypatch.setenv("CI", "true")


@pytest.fixture
def local(monkeypatch):
    monkeypatch.delenv("CI", raising=False)


def test_a_present_module_is_returned(ci):
    assert requirements.need_module("json", "never needed").dumps([]) == "[]"


def test_a_missing_module_fails_under_ci_with_the_install_hint(ci):
    with pytest.raises(pytest.fail.Exception, match=rf"{ABSENT} is not installed.*pip install x"):
        requirements.need_module(ABSENT, "pip install x")


@pytest.mark.parametrize("value", [None, "false", "1", ""])
def test_a_missing_module_skips_elsewhere_with_the_install_hint(monkeypatch, value):
    if value is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match=rf"{ABSENT} is not installed.*pip install x"):
        requirements.need_module(ABSENT, "pip install x")


def test_a_missing_binary_fails_under_ci_with_the_apt_hint(ci, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.fail.Exception, match="apt-get install -y redis-server"):
        servers.require_binary("redis-server", "redis-server")


def test_a_missing_binary_skips_elsewhere_with_the_apt_hint(local, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="apt-get install -y memcached"):
        requirements.require_binary("memcached", "memcached")


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
