"""Follow docs/quickstart.rst from an empty folder, as a newcomer would.

The tutorial's code blocks are read from the .rst, in order, and each is done:

* a block with a file path as ``:caption:`` is that file, whole; a block that is one
  assignment to a name the file already assigns (``INSTALLED_APPS = [...]``) replaces
  that assignment;
* a ``console`` block's ``$`` lines are run in the project (``django-admin``,
  ``python manage.py``, ``curl -sI URL | grep Header``), and the lines under a command
  are its expected output; ``runserver`` starts the site on a free port, and again
  after a file changes, as its autoreloader would;
* a block whose caption is a URL of the site is that page's HTML, exactly (a caption
  ending in ``(part)``: a piece of it), and every static file it links must be served.

The project uses this checkout's layouts_cbv (installing it is tests/test_packaging.py's).
"""

from __future__ import annotations

import ast
import re
import shlex
import socket
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.children import ROOT, child_env

pytestmark = pytest.mark.slow

QUICKSTART = ROOT / "docs" / "quickstart.rst"
DOCUMENTED_HOST = "127.0.0.1:8000"
# Commands about installing layouts_cbv itself, which this checkout already is.
INSTALLING = ("python -m venv ", ". .venv/bin/activate", "pip install ", "python -m build ")
BLOCK = re.compile(r"^\.\. code-block:: (\S+)\n((?:    :.*\n)*)\n((?:    .*\n|\n)+)", re.M)


@dataclass
class Block:
    language: str
    caption: str
    text: str


def code_blocks(rst: str) -> list[Block]:
    """Return the ``code-block`` directives of ``rst``, in order."""
    found = []
    for match in BLOCK.finditer(rst):
        options = dict(re.findall(r"^    :(\w+):\s*(.*)$", match.group(2), re.M))
        text = textwrap.dedent(match.group(3)).strip("\n") + "\n"
        found.append(Block(match.group(1), options.get("caption", ""), text))
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def without_durations(header: str) -> str:
    return re.sub(r";dur=[\d.]+", ";dur=N", header)


@dataclass
class Newcomer:
    """Someone doing what the tutorial says, in ``project``."""

    project: Path
    server: subprocess.Popen | None = None
    port: int = 0
    changed: bool = False
    log: list[str] = field(default_factory=list)

    def env(self) -> dict[str, str]:
        return child_env(PYTHONPATH=str(ROOT))

    # Files --------------------------------------------------------------------------

    def write(self, block: Block) -> None:
        path = self.project / block.caption
        self.log.append(f"write {block.caption}")
        if path.exists() and block.language == "python":
            replaced = self.replace_assignment(path.read_text(), block.text)
            if replaced is not None:
                path.write_text(replaced)
                self.changed = True
                return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(block.text)
        self.changed = True

    @staticmethod
    def replace_assignment(source: str, snippet: str) -> str | None:
        body = ast.parse(snippet).body
        if len(body) != 1 or not isinstance(body[0], ast.Assign) or len(body[0].targets) != 1:
            return None
        name = ast.unparse(body[0].targets[0])
        for node in ast.parse(source).body:
            if isinstance(node, ast.Assign) and [ast.unparse(t) for t in node.targets] == [name]:
                lines = source.splitlines(keepends=True)
                start, end = node.lineno - 1, node.end_lineno or node.lineno
                return "".join([*lines[:start], snippet, *lines[end:]])
        return None

    # Commands -----------------------------------------------------------------------

    def console(self, block: Block) -> None:
        steps: list[tuple[str, list[str]]] = []
        for line in block.text.splitlines():
            if line.startswith("$ "):
                steps.append((line[2:], []))
            else:
                steps[-1][1].append(line)
        for command, expected in steps:
            self.log.append(f"$ {command}")
            output = self.run(command)
            if expected:
                # Times differ from run to run: the documented ones are examples.
                answered = [without_durations(line) for line in output]
                assert answered == [without_durations(line) for line in expected], (
                    f"{command!r} answered {output}"
                )

    def run(self, command: str) -> list[str]:
        if command.startswith(INSTALLING):
            return []
        words = shlex.split(command)
        if words[:2] == ["python", "manage.py"] and words[2:3] == ["runserver"]:
            self.start_server()
            return []
        if words[0] == "curl":
            return self.curl(command)
        if words[0] == "django-admin":
            words = [sys.executable, "-m", "django", *words[1:]]
        elif words[:2] == ["python", "manage.py"]:
            words = [sys.executable, *words[1:]]
        else:
            raise AssertionError(f"the quickstart runs {command!r}, which this test cannot do")
        done = subprocess.run(
            words, cwd=self.project, capture_output=True, text=True, env=self.env()
        )
        assert done.returncode == 0, f"{command!r} failed:\n{done.stdout}{done.stderr}"
        return done.stdout.splitlines()

    def curl(self, command: str) -> list[str]:
        match = re.fullmatch(r"curl -sI (\S+) \| grep (\S+)", command)
        assert match, f"the quickstart runs {command!r}, which this test cannot do"
        with self.open(match.group(1), method="HEAD") as response:
            headers = response.headers.items()
        return [f"{name}: {value}" for name, value in headers if match.group(2) in name]

    # The site -----------------------------------------------------------------------

    def start_server(self) -> None:
        self.stop_server()
        self.port = free_port()
        self.server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=self.project,
            env=self.env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.changed = False
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.server.poll() is not None or time.monotonic() > deadline:
                    said = self.stop_server()
                    raise AssertionError(f"runserver did not start:\n{said}") from None
                time.sleep(0.1)

    def stop_server(self) -> str:
        """Stop the site, if it runs, and return what it said."""
        if self.server is None:
            return ""
        self.server.terminate()
        said, _ = self.server.communicate(timeout=10)
        self.server = None
        # A migrate step missing or misplaced: runserver says so on every start.
        assert "unapplied migration" not in said, said
        return said

    def open(self, url: str, method: str = "GET"):  # type: ignore[no-untyped-def]
        assert self.server is not None, "the quickstart asks for a page before runserver"
        if self.changed:  # runserver's autoreloader would have restarted it
            self.start_server()
        local = url.replace(DOCUMENTED_HOST, f"127.0.0.1:{self.port}")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            return opener.open(urllib.request.Request(local, method=method), timeout=30)
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {url} answered {exc.code}") from None

    def page(self, block: Block) -> None:
        url = block.caption.split()[0]
        self.log.append(f"GET {url}")
        with self.open(url) as response:
            html = response.read().decode()
        if block.caption.endswith("(part)"):
            assert block.text.strip() in html
        else:
            assert html == block.text
        for path in re.findall(r'(?:href|src)="(/static/[^"]+)"', html):
            self.open(f"http://{DOCUMENTED_HOST}{path}").close()  # a 404 fails here

    # The tutorial -------------------------------------------------------------------

    def follow(self, block: Block) -> None:
        if block.language == "console":
            self.console(block)
        elif block.caption.startswith("http://"):
            self.page(block)
        elif block.caption:
            self.write(block)
        else:
            raise AssertionError(f"a {block.language} block without a caption:\n{block.text}")


def test_the_quickstart_s_blocks_are_all_followed():
    blocks = code_blocks(QUICKSTART.read_text())
    languages = {block.language for block in blocks}
    assert languages <= {"console", "python", "html+django", "html", "css", "javascript"}
    # The parser found every code block: as many as the directive appears.
    assert len(blocks) == QUICKSTART.read_text().count(".. code-block::")


def test_a_newcomer_following_the_quickstart_gets_the_documented_pages(tmp_path):
    newcomer = Newcomer(tmp_path)
    try:
        for block in code_blocks(QUICKSTART.read_text()):
            try:
                newcomer.follow(block)
            except AssertionError as exc:
                steps = "\n".join(newcomer.log)
                raise AssertionError(f"{exc}\n\nSteps so far:\n{steps}") from None
    finally:
        newcomer.stop_server()
    assert newcomer.log.count(f"GET http://{DOCUMENTED_HOST}/") == 1
