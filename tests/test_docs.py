"""The manual builds as ``make docs`` builds it (warnings are errors), pictures included.

CI runs ``make test`` only, so this is where it checks the manual.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.children import ROOT, child_env
from tests.requirements import need_module, require_binary

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def html(tmp_path_factory: pytest.TempPathFactory):
    need_module("sphinx", "pip install sphinx (in the test and docs extras)")
    need_module("furo", "pip install furo (in the test and docs extras)")
    require_binary("dot", "graphviz")
    out = tmp_path_factory.mktemp("docs")
    command = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html"]
    done = subprocess.run(
        [*command, "-d", str(out / "doctrees"), str(ROOT / "docs"), str(out / "html")],
        capture_output=True,
        text=True,
        env=child_env(),
    )
    assert done.returncode == 0, done.stderr
    return out / "html"


def test_the_manual_builds_without_a_warning(html):
    assert (html / "index.html").is_file()
    assert (html / "quickstart.html").is_file()


@pytest.mark.parametrize(
    ("page", "words"),
    [
        ("layouts.html", ["serve_stored()", "page.store()", "what is asked for?"]),
        ("pages.html", ["HIT: the view", "MISS: the view", "recommended", "deferred"]),
    ],
)
def test_the_pictures_are_drawn_into_the_manual(html, page, words):
    [image] = re.findall(r'data="(_images/graphviz-[0-9a-f]+\.svg)"', (html / page).read_text())
    svg = (html / image).read_text()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for word in words:
        assert word.replace("'", "&#39;") in svg or word in svg
