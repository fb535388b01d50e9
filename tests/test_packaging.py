"""What ships: the sdist and the wheel built from this checkout, offline, as a release
would build them, and the wheel installed into a fresh virtualenv.

An editable install hides missing package data, so the wheel is installed for real
and used from a directory outside the checkout (``tests/installed_probe.py``).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.children import ROOT, child_env
from tests.requirements import need_module

pytestmark = pytest.mark.slow

PROBE = Path(__file__).with_name("installed_probe.py")
# Tracked, but only the repository needs them: CI's script and git's own file.
NOT_SHIPPED = {".ci/run", ".gitignore"}
# Made by the build for the sdist itself.
BUILD_METADATA = re.compile(r"^(PKG-INFO|[^/]+\.egg-info/.*)$")
# Left in a working tree by tools; never part of the project.
LEFTOVERS = {".venv", ".git", ".tox", "build", "dist", "__pycache__", "_build", ".pytest_cache"}


def project_files(root: Path) -> set[str]:
    """Return the project's files under ``root``: what git tracks, or would track."""
    if (root / ".git").exists() and shutil.which("git"):
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return {name for name in listed.split("\0") if name and (root / name).is_file()}
    # An unpacked sdist has no git: everything but what tools leave behind.
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file()
        and not LEFTOVERS & set(path.relative_to(root).parts)
        and not path.name.endswith((".pyc", ".sqlite3"))
        and not BUILD_METADATA.match(str(path.relative_to(root)))
    }


@dataclass
class Built:
    sdist: Path
    wheel: Path
    output: str


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Build the sdist, and the wheel from it, from a copy of the project's files."""
    need_module("build", "pip install build (in the test extras)")
    source = tmp_path_factory.mktemp("source")
    for name in project_files(ROOT):
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: the build uses this environment's setuptools, never the network.
    done = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        env=child_env(),
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    [sdist] = out.glob("*.tar.gz")
    [wheel] = out.glob("*.whl")
    return Built(sdist, wheel, output)


def test_the_build_warns_of_nothing(built):
    warnings = [
        line for line in built.output.splitlines() if re.search(r"warn|ignored", line, re.I)
    ]
    assert warnings == []


def test_the_sdist_holds_every_project_file_but_ci_s_own(built):
    with tarfile.open(built.sdist) as archive:
        names = {member.name.split("/", 1)[1] for member in archive.getmembers() if member.isfile()}
    shipped = {name for name in names if not BUILD_METADATA.match(name)}
    expected = project_files(ROOT) - NOT_SHIPPED
    assert not expected - shipped, "missing from the sdist: add their kind to MANIFEST.in"
    assert not shipped - expected, "in the sdist but not in the project"
    assert "LICENSE" in shipped


def test_the_test_suite_runs_from_the_sdist(built, tmp_path):
    with tarfile.open(built.sdist) as archive:
        archive.extractall(tmp_path, filter="data")
    [unpacked] = tmp_path.iterdir()
    # pytest's "pythonpath = ." makes the sdist's own package and tests the ones used.
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_layout.py"],
        cwd=unpacked,
        capture_output=True,
        text=True,
        env=child_env(),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert re.search(r"\d+ passed", done.stdout)


@pytest.fixture(scope="module")
def installed(built: Built, tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Install the wheel into a fresh virtualenv and return what the probe found there."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "install", "-q", "--no-deps", "--no-index", "--no-cache-dir", str(built.wheel)],
        check=True,
        env=child_env(),
    )
    # The dependencies (Django, django-classy-tags, the toolbar) come from this
    # environment's site-packages, appended after the fresh one's as a plain path. Its
    # .pth files (among them the editable install's hook, which would map layouts_cbv
    # to a checkout) are not run for such a path, so the wheel's copy is the only one.
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(purelib, "_outer_dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")
    workdir = tmp_path_factory.mktemp("elsewhere")
    done = subprocess.run(
        [python, "-I", str(PROBE)],
        cwd=workdir,
        capture_output=True,
        text=True,
        env=child_env(),
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def files_under(folder: Path) -> set[str]:
    return {str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file()}


def test_the_wheel_is_what_gets_imported(installed):
    assert installed["package"] == str(Path(installed["purelib"]) / "layouts_cbv")
    assert installed["typed"]


def test_every_template_and_static_file_is_served_from_the_wheel(installed):
    package = installed["package"]
    templates, static = installed["templates"], installed["static"]
    assert set(templates) == files_under(ROOT / "layouts_cbv" / "templates")
    assert set(static) == files_under(ROOT / "layouts_cbv" / "static")
    for origin in [*templates.values(), *static.values()]:
        assert origin and origin.startswith(package + os.sep)


def test_the_installed_error_template_stands_in_for_a_failing_panel(installed):
    assert "<h1>Installed</h1>" in installed["page"]
    assert (
        '<aside><div class="layouts-panel-error" data-panel="broken">'
        "This part of the page could not be shown.</div>\n</aside>"
    ) in installed["page"]


def test_the_installed_toolbar_panel_renders(installed):
    toolbar = installed["toolbar"]
    assert "<th>Panel</th>" in toolbar
    assert re.search(r"<td>broken</td>.*?<td>error</td>", toolbar, re.S)
