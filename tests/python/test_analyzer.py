"""The ``hp`` console command (``hp params PATH``), run as the installed script."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SOURCE = '''
import hyperparameter as hp
from hyperparameter import auto_param, param_scope

@hp.param("train")
def fit(data, lr: float = 0.1, *, epochs=3):
    """Fits.

    Args:
        lr: the learning rate
    """
    dim = hp.scope.model.dim | 64  # width of the model
    depth = hp.scope["model.depth"] | 2
    act = param_scope.model.act("relu")
    name = hp.scope.model.name()
    keys = hp.scope.keys()
    return hp.scope.get("model.seed", 7)

@auto_param
class Net:
    def __init__(self, width=8):
        """:param width: units per layer"""

raise SystemExit("the analyzer must not run this file")
'''


def hp_command() -> str:
    """The console script the package installs (next to the interpreter)."""
    beside = Path(sys.executable).with_name("hp")
    found = str(beside) if beside.exists() else shutil.which("hp")
    assert found, "the `hp` console script is not installed (pip install -e .)"
    return found


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([hp_command(), *args], capture_output=True, text=True, check=False)


@pytest.fixture
def program(tmp_path: Path) -> Path:
    (tmp_path / "pkg").mkdir()
    path = tmp_path / "pkg" / "train.py"
    path.write_text(textwrap.dedent(SOURCE), encoding="utf-8")
    return path


def test_text_lists_signatures_and_reads(program: Path) -> None:
    done = run("params", str(program))
    assert done.returncode == 0, done.stderr
    rows = [line.split(None, 3) for line in done.stdout.splitlines()]
    assert [row[0] for row in rows] == [
        "Net.width", "model.act", "model.depth", "model.dim", "model.name", "model.seed",
        "train.epochs", "train.lr",
    ]  # fmt: skip
    by_key = {row[0]: row[1:] for row in rows}
    assert by_key["train.lr"] == ["0.1", f"{program}:6", "the learning rate"]
    assert by_key["model.dim"] == ["64", f"{program}:12", "width of the model"]
    assert by_key["model.act"] == ["'relu'", f"{program}:14"]
    assert by_key["model.name"] == ["-", f"{program}:15"]
    assert by_key["Net.width"] == ["8", f"{program}:21", "units per layer"]


def test_json_and_markdown_for_a_package(program: Path) -> None:
    done = run("params", str(program.parent), "--format", "json")
    assert done.returncode == 0, done.stderr
    found = {item["key"]: item for item in json.loads(done.stdout)}
    assert found["train.epochs"] == {
        "key": "train.epochs",
        "default": "3",
        "file": str(program),
        "line": 6,
        "kind": "param",
        "where": "fit",
        "description": "",
    }
    assert found["model.depth"]["kind"] == "read"
    assert found["model.depth"]["where"] == "fit"
    assert found["model.name"]["kind"] == "required read"
    done = run("params", str(program), "--format=markdown")
    lines = done.stdout.splitlines()
    assert lines[:2] == ["| key | default | where | description |", "|---|---|---|---|"]
    assert f"| `train.lr` | `0.1` | {program}:6 | the learning rate |" in lines


def test_the_quickstart_example() -> None:
    import hyperparameter.examples.quickstart as quickstart

    done = run("params", quickstart.__file__)
    assert [line.split()[0] for line in done.stdout.splitlines()] == [
        "greet.enthusiasm",
        "greet.name",
    ]
    assert "Who to greet." in done.stdout


def test_unparsable_and_missing_files(tmp_path: Path, program: Path) -> None:
    (program.parent / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    done = run("params", str(program.parent))
    assert done.returncode == 2
    assert f"hp: error: {program.parent / 'broken.py'}:1:" in done.stderr
    assert "cannot parse" in done.stderr
    assert "train.lr" in done.stdout  # the good file is still listed
    done = run("params", str(tmp_path / "missing.py"))
    assert done.returncode == 2
    assert done.stderr == (
        f"hp: error: {tmp_path / 'missing.py'}: no such file, directory or importable module\n"
    )
    (tmp_path / "latin.py").write_bytes(b"x = '\xff'\n")
    done = run("params", str(tmp_path / "latin.py"))
    assert done.returncode == 2
    assert "cannot read" in done.stderr
    assert "Traceback" not in done.stderr


def test_usage() -> None:
    done = run("--help")
    assert done.returncode == 0
    assert "params" in done.stdout
    done = run("params", "--help")
    assert "--format {text,json,markdown}" in done.stdout
    done = run("parms", "x")
    assert done.returncode == 2
    assert "invalid choice: 'parms'" in done.stderr
    done = run("params", "x", "--format", "yaml")
    assert done.returncode == 2


def test_module_form_matches_the_script(program: Path) -> None:
    by_module = subprocess.run(
        [sys.executable, "-m", "hyperparameter", "params", str(program), "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert by_module.returncode == 0, by_module.stderr
    assert by_module.stdout == run("params", str(program), "--format", "json").stdout


def test_an_installed_module_by_name() -> None:
    import hyperparameter.examples.quickstart as quickstart

    for name in ("hyperparameter.examples", "hyperparameter.examples.quickstart"):
        done = run("params", name, "--format", "json")
        assert done.returncode == 0, done.stderr
        found = json.loads(done.stdout)
        assert [item["key"] for item in found] == ["greet.enthusiasm", "greet.name"]
        assert {item["file"] for item in found} == {str(Path(quickstart.__file__))}
    done = run("params", "no_such_module_here")
    assert done.returncode == 2


def test_defaults_are_shown_as_written_without_ast_unparse(monkeypatch: pytest.MonkeyPatch) -> None:
    """Python 3.8 has no ``ast.unparse``: the analyzer then shows a constant as ``repr``
    writes it, as ``ast.unparse`` does, and anything else as written."""
    import ast

    from hyperparameter.analyzer import analyze_source

    monkeypatch.delattr(ast, "unparse", raising=False)
    source = 'import hyperparameter as hp\nx = hp.scope.a.b | "v"\ny = hp.scope.c(1 + 2)\n'
    found = {d.key: d.default for d in analyze_source(source)}
    assert found == {"a.b": "'v'", "c": "1 + 2"}


ALIASED = """
import hyperparameter as h2
from hyperparameter import param as p, scope as S
from hyperparameter.param import auto_param as ap
import argparse as hp  # `hp` is not the package in this file

@p("train")
def fit(lr=0.1):
    width = S.model.width | 64
    depth = h2.param_scope["model.depth"](2)
    ignored = hp.scope.not_ours | 1
    return S.get("model.seed", 7)

@h2.param
def evaluate(batch=16):
    s = h2.scope
    return s.eval.steps | 100

@ap
class Net:
    def __init__(self, units=8):
        pass
"""


def test_aliased_imports_and_assignments(tmp_path: Path) -> None:
    path = tmp_path / "aliased.py"
    path.write_text(textwrap.dedent(ALIASED), encoding="utf-8")
    done = run("params", str(path), "--format", "json")
    assert done.returncode == 0, done.stderr
    found = [(item["key"], item["default"], item["line"]) for item in json.loads(done.stdout)]
    assert found == [
        ("Net.units", "8", 21),
        ("eval.steps", "100", 17),
        ("evaluate.batch", "16", 15),
        ("model.depth", "2", 10),
        ("model.seed", "7", 12),
        ("model.width", "64", 9),
        ("train.lr", "0.1", 8),
    ]
    assert done.stderr == ""


def test_star_import_and_a_local_import(tmp_path: Path) -> None:
    path = tmp_path / "star.py"
    path.write_text(
        "from hyperparameter import *\n"
        "@param\n"
        "def f(a=1):\n"
        "    return scope.x.y | 2\n"
        "def g():\n"
        "    import hyperparameter as inner\n"
        "    return inner.scope.z(3)\n",
        encoding="utf-8",
    )
    done = run("params", str(path))
    assert done.returncode == 0, done.stderr
    assert [line.split()[:2] for line in done.stdout.splitlines()] == [
        ["f.a", "1"],
        ["x.y", "2"],
        ["z", "3"],
    ]


def test_nothing_found_is_said_with_status_1(tmp_path: Path) -> None:
    path = tmp_path / "plain.py"
    # A `scope` that is not the package's is not a parameter read.
    path.write_text("from mylib import scope\nx = scope.a.b | 1\n", encoding="utf-8")
    done = run("params", str(path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.startswith(f"hp: no parameters found in {path} (")
    done = run("params", str(path), "--format", "json")
    assert (done.returncode, done.stdout) == (1, "[]\n")
    done = run("params", str(path), "--format", "markdown")
    assert (done.returncode, done.stdout) == (1, "")
    empty = tmp_path / "empty"
    empty.mkdir()
    done = run("params", str(empty))
    assert done.returncode == 1
    assert "no parameters found" in done.stderr


def test_a_key_with_two_defaults_is_flagged(tmp_path: Path) -> None:
    first = tmp_path / "a.py"
    second = tmp_path / "b.py"
    first.write_text(
        "import hyperparameter as hp\n"
        "@hp.param('train')\n"
        "def fit(lr=0.1, act='relu'):\n"
        "    return hp.scope.train.epochs()\n",
        encoding="utf-8",
    )
    second.write_text(
        "import hyperparameter as hp\n"
        "lr = hp.scope.train.lr | 0.01\n"
        'act = hp.scope.train.act | "relu"\n'  # the same default, spelled differently
        "epochs = hp.scope.train.epochs | 3\n"  # a required read has no default to differ
        "again = hp.scope.train.lr | 0.1\n",
        encoding="utf-8",
    )
    done = run("params", str(tmp_path))
    assert done.returncode == 0
    assert done.stderr == (
        "hp: warning: train.lr is declared with different defaults: "
        f"0.1 at {first}:3, 0.01 at {second}:2\n"
    )
    assert [line.split()[0] for line in done.stdout.splitlines()].count("train.lr") == 3
