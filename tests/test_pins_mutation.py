"""The mutation runner (tests/mutation.py) itself: stale snippets, restoring, the ratio.

No pytest runs here: the runner's test run is replaced by a stand-in.
"""

import pytest

from tests import mutation
from tests.mutation import Module, Mutant

ORIGINAL = "def f(x):\n    return x < 1\n"


@pytest.fixture
def library(tmp_path, monkeypatch):
    monkeypatch.setattr(mutation, "ROOT", tmp_path)
    (tmp_path / "lib.py").write_text(ORIGINAL)
    return tmp_path / "lib.py"


def flip(original="x < 1", equivalent=""):
    return Mutant("lib.py", original, original.replace("<", ">="), "flipped", equivalent)


@pytest.mark.parametrize("snippet", ["x <= 1", "x"], ids=["absent", "twice"])
def test_a_snippet_not_found_exactly_once_is_stale_and_nothing_runs(library, monkeypatch, snippet):
    monkeypatch.setattr(mutation, "run_tests", lambda *a: pytest.fail("must not run"))
    result = mutation.run_mutant("m", 1, flip(snippet), (), 10)
    assert result.status == "stale" and library.read_text() == ORIGINAL


def test_the_tests_see_the_mutant_and_the_file_is_restored(library, monkeypatch):
    seen = []
    monkeypatch.setattr(
        mutation, "run_tests", lambda *a: (seen.append(library.read_text()), ("killed", ""))[1]
    )
    assert mutation.run_mutant("m", 1, flip(), (), 10).status == "killed"
    assert seen == ["def f(x):\n    return x >= 1\n"]
    assert library.read_text() == ORIGINAL


@pytest.mark.parametrize("error", [KeyboardInterrupt, mutation.Stop, RuntimeError])
def test_the_file_is_restored_when_the_run_is_interrupted(library, monkeypatch, error):
    def interrupted(*args):
        raise error()

    monkeypatch.setattr(mutation, "run_tests", interrupted)
    with pytest.raises(error):
        mutation.run_mutant("m", 1, flip(), (), 10)
    assert library.read_text() == ORIGINAL


def test_equivalent_mutants_are_listed_not_run_nor_counted(library, monkeypatch):
    monkeypatch.setattr(mutation, "run_tests", lambda *a: pytest.fail("must not run"))
    result = mutation.run_mutant("m", 1, flip(equivalent="same behaviour"), (), 10)
    assert result.status == "equivalent"
    results = [
        result,
        mutation.Result("m", 2, flip(), "killed"),
        mutation.Result("m", 3, flip(), "survived"),
        mutation.Result("m", 4, flip("nope"), "stale"),
    ]
    assert mutation.summary(results) == {"m": (1, 2, 50.0)}


@pytest.mark.parametrize(
    ("outcomes", "minimum", "code"),
    [
        (["killed", "killed"], 90, 0),
        (["killed", "survived"], 90, 1),
        (["killed", "survived"], 50, 0),
    ],
)
def test_main_exits_non_zero_below_the_minimum(library, monkeypatch, outcomes, minimum, code):
    answers = iter(["survived", *outcomes])  # the clean run first, then one per mutant
    monkeypatch.setattr(mutation, "run_tests", lambda *a: (next(answers), ""))
    monkeypatch.setattr(mutation, "dirty", lambda files: [])
    mutants = [flip(), Mutant("lib.py", "def f", "def g", "renamed")]
    monkeypatch.setattr(mutation, "MODULES", {"pkg.lib": Module(("t.py",), mutants)})
    assert mutation.main(["lib", "--min", str(minimum)]) == code
    assert library.read_text() == ORIGINAL


def test_main_exits_non_zero_on_a_stale_mutant(library, monkeypatch):
    answers = iter(["survived", "killed"])
    monkeypatch.setattr(mutation, "run_tests", lambda *a: (next(answers), ""))
    monkeypatch.setattr(mutation, "dirty", lambda files: [])
    mutants = [flip(), flip("not in the file")]
    monkeypatch.setattr(mutation, "MODULES", {"pkg.lib": Module(("t.py",), mutants)})
    assert mutation.main(["pkg.lib"]) == 1


def test_main_refuses_files_with_uncommitted_changes(library, monkeypatch):
    monkeypatch.setattr(mutation, "dirty", lambda files: ["lib.py"])
    monkeypatch.setattr(mutation, "MODULES", {"pkg.lib": Module(("t.py",), [flip()])})
    assert mutation.main(["lib"]) == 2


def test_main_stops_when_the_tests_fail_without_a_mutant(library, monkeypatch):
    monkeypatch.setattr(mutation, "run_tests", lambda *a: ("killed", "broken already"))
    monkeypatch.setattr(mutation, "dirty", lambda files: [])
    monkeypatch.setattr(mutation, "MODULES", {"pkg.lib": Module(("t.py",), [flip()])})
    assert mutation.main(["lib"]) == 2
    assert library.read_text() == ORIGINAL


def test_main_gives_back_the_signal_handlers_it_took(library, monkeypatch):
    import signal

    before = (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT))
    monkeypatch.setattr(mutation, "run_tests", lambda *a: ("survived", ""))
    monkeypatch.setattr(mutation, "dirty", lambda files: [])
    monkeypatch.setattr(mutation, "MODULES", {"pkg.lib": Module(("t.py",), [flip()])})
    mutation.main(["lib"])
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)) == before
