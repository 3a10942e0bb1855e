"""Child processes start from the frozen snapshot, whatever starts them: multiprocessing
(fork, spawn, forkserver), a process pool, a subprocess running Python, and their own
children. Real processes throughout; each start costs a fraction of a second, so the cases
share processes where they can."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import Any

import child_targets
import pytest

import hyperparameter as hp
from hyperparameter._child_snapshot import INLINE_LIMIT, VARIABLE, decode, encode, unpickle

HERE = Path(__file__).parent

# One value of every kind: those every language reads travel as JSON, the others pickled.
VALUES: dict[str, Any] = {
    "train.lr": 0.1,
    "train.epochs": 3,
    "train.seed": 2**80 + 1,
    "train.name": "résumé ✓",
    "train.resume": None,
    "train.shuffle": False,
    "train.nan": float("nan"),
    "model.layers": [64, 32.0, "relu", None, [True]],
    "model.blocks": [{"in": 8}, {"out": [1, 2]}],  # a dict given to a scope is flattened
    "model.shape": (3, 4),
    "model.ratio": Fraction(1, 3),
    "model.root": Path("/data"),
}


@pytest.fixture(autouse=True)
def snapshot_reset() -> Iterator[None]:
    """Freezes an empty view after each test, so later tests start threads from nothing."""
    yield
    with hp.scope.empty():
        hp.scope.frozen()


def freeze(values: dict[str, Any]) -> None:
    with hp.scope.empty(**values):
        hp.scope.frozen()


def in_a_new_thread() -> dict[str, tuple[str, str]]:
    """What a thread started now sees: the view a child process must start from."""
    seen: dict[str, tuple[str, str]] = {}
    thread = threading.Thread(target=lambda: seen.update(child_targets.view()))
    thread.start()
    thread.join()
    return seen


def run_python(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a new interpreter that can import `child_targets`."""
    environment = dict(os.environ if env is None else env)
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), *sys.path]))
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=False,
    )


PRINT_VIEW = "import json, child_targets; print(json.dumps(child_targets.view()))"


def child_view(env: dict[str, str] | None = None) -> dict[str, list[str]]:
    result = run_python(PRINT_VIEW, env)
    assert result.returncode == 0, result.stderr
    view: dict[str, list[str]] = json.loads(result.stdout)
    return view


def as_lists(view: dict[str, tuple[str, str]]) -> dict[str, list[str]]:
    return {key: list(pair) for key, pair in view.items()}


def test_a_subprocess_running_python_starts_from_the_snapshot_with_exact_types() -> None:
    freeze(VALUES)
    expected = in_a_new_thread()
    assert set(expected) == set(VALUES)
    assert child_view() == as_lists(expected)
    # The parent's own scopes, not frozen, stay its own.
    with hp.scope(**{"train.lr": 0.5, "extra": 1}):
        assert child_view() == as_lists(expected)


def test_the_program_hp_launch_runs_starts_its_children_from_the_command_line() -> None:
    @hp.param("train")
    def train(lr: float = 0.1, epochs: int = 1) -> Any:
        read = (
            "import hyperparameter as hp; print(hp.scope.train.lr | 0.0, hp.scope.train.epochs())"
        )
        return run_python(read).stdout

    assert hp.launch(train, argv=["--lr", "0.5", "-D", "train.epochs=4"]) == "0.5 4\n"


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_multiprocessing_children_start_from_the_snapshot(method: str) -> None:
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} start method on this platform")
    freeze(VALUES)
    expected = in_a_new_thread()
    context = multiprocessing.get_context(method)
    queue = context.Queue()
    # Started inside a scope of the parent: a forked child is a copy of this thread, yet it
    # starts from the snapshot as the other start methods do.
    with hp.scope(**{"train.lr": 0.5, "extra": 1}):
        process = context.Process(target=child_targets.send_view, args=(queue,))
        process.start()
    seen = queue.get(timeout=60)
    process.join(timeout=60)
    assert process.exitcode == 0
    assert seen == expected


def test_process_pool_workers_and_their_threads_start_from_the_snapshot() -> None:
    freeze({"train.lr": 0.01, "model.shape": (3, 4)})
    expected = in_a_new_thread()
    with ProcessPoolExecutor(
        max_workers=1, mp_context=multiprocessing.get_context("spawn")
    ) as pool:
        seen, thread_keys = pool.submit(child_targets.view_and_keys, 0).result(timeout=60)
    assert seen == expected
    assert thread_keys == ["model.shape", "train.lr"]


def test_a_grandchild_starts_from_the_snapshot_its_parent_froze_last() -> None:
    freeze({"train.lr": 0.01, "train.epochs": 3})
    result = run_python(
        f"""
        import json, subprocess, sys
        import hyperparameter as hp
        run = lambda: json.loads(subprocess.run(
            [sys.executable, "-c", {PRINT_VIEW!r}], capture_output=True, text=True,
            check=True).stdout)
        inherited = run()  # not frozen again here: the grandparent's snapshot
        with hp.scope(**{{"train.epochs": 5, "model.depth": 2}}):
            hp.scope.frozen()
        replaced = run()
        with hp.scope.empty():
            hp.scope.frozen()
        cleared = run()
        print(json.dumps([inherited, replaced, cleared]))
        """
    )
    assert result.returncode == 0, result.stderr
    inherited, replaced, cleared = json.loads(result.stdout)
    assert inherited == {"train.epochs": ["3", "int"], "train.lr": ["0.01", "float"]}
    assert replaced == {
        "model.depth": ["2", "int"],
        "train.epochs": ["5", "int"],
        "train.lr": ["0.01", "float"],
    }
    assert cleared == {}


def test_a_child_that_switches_backend_keeps_the_snapshot() -> None:
    freeze({"train.lr": 0.01, "model.shape": (3, 4)})
    result = run_python(
        """
        import hyperparameter as hp
        hp.set_backend("python")
        print(hp.backend_name(), hp.scope.train.lr | 0.1, hp.scope.model.shape())
        """
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "python 0.01 (3, 4)\n"


def test_freezing_an_empty_view_removes_the_variable() -> None:
    freeze({"a": 1})
    assert VARIABLE in os.environ
    freeze({})
    assert VARIABLE not in os.environ
    assert child_view() == {}


def test_a_large_snapshot_travels_in_a_file_removed_when_its_writer_exits() -> None:
    big = "x" * (INLINE_LIMIT + 1)
    result = run_python(
        f"""
        import json, os, subprocess, sys
        import hyperparameter as hp
        with hp.scope(big={big!r}, small=1):
            hp.scope.frozen()
        variable = os.environ[{VARIABLE!r}]
        seen = json.loads(subprocess.run(
            [sys.executable, "-c", {PRINT_VIEW!r}], capture_output=True, text=True,
            check=True).stdout)
        print(json.dumps([variable, len(seen["big"][0]), seen["small"]]))
        """
    )
    assert result.returncode == 0, result.stderr
    variable, big_repr_length, small = json.loads(result.stdout)
    assert variable.startswith("file:")
    assert big_repr_length == len(repr(big))
    assert small == ["1", "int"]
    assert not os.path.exists(variable[len("file:") :])


def test_a_value_that_cannot_be_pickled_is_left_out_with_one_warning_naming_the_keys() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        freeze({"train.lr": 0.1, "train.hook": lambda: 1, "train.lock": threading.Lock()})
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1, messages
    assert "`train.hook`" in messages[0] and "`train.lock`" in messages[0]
    assert "train.lr" not in messages[0]
    assert caught[0].filename == __file__
    assert child_view() == {"train.lr": ["0.1", "float"]}


@pytest.mark.parametrize(
    ("variable", "reason"),
    [
        ("{not json", "not JSON"),
        ('{"format": "other/2", "values": []}', "not a document of format"),
        ('{"format": "hyperparameter-snapshot/1", "values": [["a", 1]]}', "value of `a`"),
        ('{"format": "hyperparameter-snapshot/1", "values": [["a b", null]]}', "a b"),
        ('{"format": "hyperparameter-snapshot/1", "values": [1]}', "not a [key, value] pair"),
        ("file:/nonexistent/hyperparameter-snapshot.json", "cannot read"),
        ('{"format": "hyperparameter-snapshot/1", "values": [["a", {"pickle": 1}]]}', "base64"),
    ],
)
def test_a_malformed_variable_is_ignored_with_one_warning(variable: str, reason: str) -> None:
    result = run_python(PRINT_VIEW, {**os.environ, VARIABLE: variable})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}
    assert result.stderr.count("RuntimeWarning") == 1, result.stderr
    assert f"ignoring the environment variable {VARIABLE}" in result.stderr
    assert reason in result.stderr


def test_a_value_the_child_cannot_unpickle_is_left_out_with_one_warning() -> None:
    result = run_python(
        f"""
        import subprocess, sys
        import hyperparameter as hp
        class Local:  # in __main__: the child has no such class
            pass
        with hp.scope(kept=1, local=Local()):
            hp.scope.frozen()
        child = subprocess.run([sys.executable, "-c", {PRINT_VIEW!r}], capture_output=True,
                               text=True)
        print(child.stdout, end="")
        print(child.stderr, file=sys.stderr, end="")
        """
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"kept": ["1", "int"]}
    assert result.stderr.count("RuntimeWarning") == 1, result.stderr
    assert "`local`" in result.stderr


class Text(str):
    """A str subclass: not a type every language reads."""


MODULE_OF_A_CLASS = """
import hyperparameter as hp

WIDTH = hp.scope.model.width | 8  # read while the child restores the snapshot


class Layer:
    def __init__(self, size):
        self.size = size

    def __repr__(self):
        return f"Layer({self.size}, width {WIDTH})"
"""


def test_a_pickled_object_whose_module_reads_the_store_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "layers_module.py").write_text(MODULE_OF_A_CLASS)
    monkeypatch.syspath_prepend(str(tmp_path))
    import layers_module

    freeze({"model.layer": layers_module.Layer(3), "model.width": 16})
    result = run_python(
        """
        import threading
        import hyperparameter as hp
        seen = []
        worker = threading.Thread(target=lambda: seen.append(hp.scope.model.layer()))
        worker.start()
        worker.join()
        print(hp.scope.model.layer(), hp.scope.model.width(), seen)
        """
    )
    assert result.returncode == 0, result.stderr
    # The module read the values written as JSON, installed before the pickled ones.
    assert result.stdout == "Layer(3, width 16) 16 [Layer(3, width 16)]\n"
    assert result.stderr == ""


def test_the_document_keeps_types_exact() -> None:
    document, left_out = encode({"a": 1, "b": 1.0, "c": True, "d": Text("x"), "e": "\ud800"})
    assert left_out == []
    data = dict(json.loads(document)["values"])
    assert data["a"] == {"int": "1"} and data["b"] == {"float": "1.0"} and data["c"] is True
    # A subclass, and text that is not valid Unicode, travel pickled, as Python objects.
    assert set(data["d"]) == {"pickle"} and set(data["e"]) == {"pickle"}
    plain, pickled = decode(document)
    values, unrestored = unpickle(pickled)
    assert unrestored == {}
    values.update(plain)
    assert values == {"a": 1, "b": 1.0, "c": True, "d": "x", "e": "\ud800"}
    assert [type(values[k]) for k in "abcde"] == [int, float, bool, Text, str]


# A C++ program linked against the standalone library (no Python): it reads the snapshot
# through the core, which decodes the document this package writes.
CPP_PROGRAM = r"""
#include <hyperparameter.h>

#include <cstdio>
#include <string>

namespace hp = hyperparameter;

int main() {
  std::string name = GET_PARAM(train.name, "none");
  std::printf("%g %lld %s\n", hp::get("train.lr", 0.1), GET_PARAM(train.epochs, 1LL),
              name.c_str());
  try {
    std::printf("%lld\n", hp::get("model.shape", 0LL));
  } catch (const hp::Error& error) {
    std::printf("error: %s\n", error.what());
  }
  return 0;
}
"""


def test_a_cpp_program_started_from_python_starts_from_the_snapshot(tmp_path: Path) -> None:
    cxx = os.environ.get("CXX", "g++")
    if shutil.which(cxx) is None or hp.capi_lib is None:
        pytest.skip("needs a C++ compiler and the standalone C ABI library")
    source = tmp_path / "main.cpp"
    source.write_text(CPP_PROGRAM)
    program = tmp_path / "main"
    lib_dir = os.path.dirname(hp.capi_lib)
    subprocess.run(
        [cxx, "-std=c++17", "-I", hp.include, str(source), "-L", lib_dir,
         "-lhyperparameter_capi", f"-Wl,-rpath,{lib_dir}", "-o", str(program)],
        check=True,
    )  # fmt: skip
    freeze({"train.lr": 0.01, "train.epochs": 3, "train.name": "run", "model.shape": (3, 4)})
    result = subprocess.run([str(program)], capture_output=True, text=True, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "0.01 3 run"
    # A pickled Python object is opaque there: a typed read is an error naming the key.
    assert lines[1].startswith("error: ") and "model.shape" in lines[1], lines[1]
    assert result.stderr == ""


@pytest.mark.native_only
def test_a_frozen_of_native_code_called_from_python_reaches_children_too() -> None:
    import ctypes

    assert hp.lib is not None
    # The native module exports the C ABI; PyDLL calls it with the GIL held, as a C++
    # extension called from Python runs.
    native = ctypes.PyDLL(hp.lib)
    with hp.scope.empty(**{"train.lr": 0.02}):
        assert native.hp_frozen() == 0
    assert child_view() == {"train.lr": ["0.02", "float"]}
