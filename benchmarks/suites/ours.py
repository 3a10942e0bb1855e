"""This library's figures, with the backend in use (`HYPERPARAMETER_BACKEND`): scenarios 1-8
of `benchmarks/run.py`, each beside its plain-Python baseline."""

from __future__ import annotations

import json
import os
import resource
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

from harness import Bench

import hyperparameter as hp
from suites import shapes

READ = "hp.scope.model.layers._0.size | 10"


def library() -> str:
    """The library's name in the report, with the backend when it is not the native one."""
    if hp.backend_name() == "native":
        return "hyperparameter"
    return f"hyperparameter ({hp.backend_name().capitalize()} backend)"


def reads(bench: Bench) -> None:
    """Scenario 1: the 4-level read, present and missing, against a nested dict read."""
    env: dict[str, Any] = {"hp": hp, "cfg": shapes.NESTED}
    with hp.scope(**{"model.layers._0.size": 3}):
        assert hp.scope.model.layers._0.size | 10 == 3
        bench.statement(1, "read.present", READ, env, "nested dict read", shapes.NESTED_READ)
    assert hp.scope.model.layers._0.size | 10 == 10
    bench.statement(
        1,
        "read.missing",
        READ,
        env,
        "nested dict read",
        shapes.NESTED_READ,
        figure=f"{READ} (missing)",
    )


def recording(bench: Bench) -> None:
    """Scenario 1: what recording a read for the operative config (`hp.report()`) costs: the
    present-key read with recording on against the same read with it off, in one process."""
    reads_per_run = 20_000 if bench.quick else 200_000
    code = compile(f"for _ in range({reads_per_run}): {READ}", "<recording>", "exec")
    env: dict[str, Any] = {"hp": hp}

    def timed(on: bool) -> Callable[[], float]:
        def run() -> float:
            before = hp.report.recording(on)
            try:
                start = time.process_time()
                exec(code, env)
                return time.process_time() - start
            finally:
                hp.report.recording(before)

        return run

    with hp.scope(**{"model.layers._0.size": 3}):
        bench.runs(
            1,
            "read.recording",
            f"{READ}, recording on",
            timed(True),
            "the same read, recording off",
            timed(False),
            reads_per_run,
        )


def injected(bench: Bench) -> None:
    """Scenarios 2 and 4: a read inside an `@hp.param` function, and a 3-parameter call."""

    @hp.param("f")
    def read(a: int = 1) -> int:
        return a

    @hp.param("g")
    def call(a: int = 1, b: float = 2.0, c: str = "x") -> int:
        return a

    env = {"read": read, "call": call, "plain": shapes.plain_read, "three": shapes.three}
    with hp.scope(**{"f.a": 5, "g.a": 5, "g.b": 0.5}):
        assert read() == 5 and call() == 5
        bench.statement(
            2,
            "param.read",
            "read()",
            env,
            "plain call",
            "plain()",
            figure="@hp.param function reading f.a",
        )
        bench.statement(
            4,
            "call.3",
            "call()",
            env,
            "plain call, 3 parameters",
            "three()",
            figure="@hp.param call, 3 parameters (2 set)",
        )


def scopes(bench: Bench) -> None:
    """Scenario 3: enter + exit of a 1-key scope with 0, 1,000 and 100,000 keys visible,
    against a plain class-based context manager."""
    env = {"hp": hp, "CM": shapes.PlainScope}
    stmt = 'with hp.scope(**{"a.b": 1}): pass'
    base = 'with CM(**{"a.b": 1}): pass'
    for visible in (0, 1_000, 100_000):
        with hp.scope(**{f"bulk.k{i}": i for i in range(visible)}):
            figure = stmt if visible == 0 else f"{stmt}, {visible:,} keys visible"
            bench.statement(
                3, f"scope.{visible}", stmt, env, "with CM(**kw): pass", base, figure=figure
            )


def memory(bench: Bench) -> None:
    """The resident-memory growth over 1,000,000 enter + set + exit cycles (full mode)."""
    cycles = 1_000_000
    for _ in range(cycles // 10):
        with hp.scope(**{"a.b": 1}):
            hp.scope.c = 2
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(cycles):
        with hp.scope(**{"a.b": 1}):
            hp.scope.c = 2
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
    bench.facts["rss_growth_kib"] = growth
    bench.facts["rss_cycles"] = cycles


def _on_thread(body: Callable[[], float]) -> float:
    """Runs `body` on a fresh thread (whose root layer starts empty), returns its result."""
    out: list[float] = []
    thread = threading.Thread(target=lambda: out.append(body()))
    thread.start()
    thread.join()
    return out[0]


def _writer(path: str, keys: list[str]) -> Callable[[], float]:
    """A run that writes `keys` one by one through `path` on a fresh thread."""

    def loop(write: Callable[[str], object]) -> float:
        start = time.thread_time()
        for key in keys:
            write(key)
        return time.thread_time() - start

    def set_item(key: str) -> None:
        hp.scope[key] = 1

    def body() -> float:
        if path == "dict":
            plain: dict[str, int] = {}
            return loop(lambda key: plain.__setitem__(key, 1))
        if path == "hp.scope[k] = v":
            with hp.scope():
                return loop(set_item)
        if path == "setattr(hp.scope, k, v)":
            with hp.scope():
                return loop(lambda key: setattr(hp.scope, key.replace(".", "_"), 1))
        if path == "ps[k] = v":
            with hp.scope() as ps:
                return loop(lambda key: ps.__setitem__(key, 1))
        if path == "root layer hp.scope[k] = v":
            return loop(set_item)
        with hp.config({f"cfg.k{i}": i for i in range(50_000)}):
            return loop(set_item)

    return lambda: _on_thread(body)


WRITE_PATHS = [
    "hp.scope[k] = v",
    "setattr(hp.scope, k, v)",
    "ps[k] = v",
    "root layer hp.scope[k] = v",
    "hp.scope[k] = v in a config of 50,000 keys",
]


def writes(bench: Bench) -> None:
    """Scenario 5: writing n new keys one by one through each write path, against filling a
    dict; n = 10,000 and 100,000 (2,000 and 20,000 in quick mode)."""
    sizes = (2_000, 20_000) if bench.quick else (10_000, 100_000)
    for path in WRITE_PATHS:
        for n in sizes:
            keys = [f"bench.k{i}" for i in range(n)]
            bench.runs(
                5,
                f"write.{n}",
                f"{path}, {n:,} keys",
                _writer(path, keys),
                "dict[k] = v",
                _writer("dict", keys),
                n,
            )["path"] = path


def threads(bench: Bench) -> None:
    """Scenario 7: reads in 1 and in 2 threads at once, each in a scope of its own; the
    figure is the wall-clock time per read over all threads, against nested dict reads done
    the same way."""
    count = 20_000 if bench.quick else 300_000
    ours = compile(f"for _ in range({count}): hp.scope.t.x | 0", "reads", "exec")
    plain = compile(f"for _ in range({count}): cfg['t']['x']", "reads", "exec")

    def run(n_threads: int, code: Any) -> Callable[[], float]:
        def timed() -> float:
            ready = threading.Barrier(n_threads + 1)

            def body(index: int) -> None:
                with hp.scope(**{"t.x": index}):
                    env = {"hp": hp, "cfg": {"t": {"x": index}}}
                    ready.wait()
                    exec(code, env)

            workers = [threading.Thread(target=body, args=(i,)) for i in range(n_threads)]
            for worker in workers:
                worker.start()
            ready.wait()
            start = time.perf_counter()
            for worker in workers:
                worker.join()
            return time.perf_counter() - start

        return timed

    for n in (1, 2):
        bench.runs(
            7,
            f"threads.{n}",
            f"hp.scope.t.x | 0 in {n} thread{'s' * (n > 1)}, own scopes",
            run(n, ours),
            f"nested dict reads in {n} thread{'s' * (n > 1)}",
            run(n, plain),
            n * count,
        )


def loading(bench: Bench) -> None:
    """Scenario 8: load + resolve of the generated 10,000-key YAML file, and `hp.compose` of
    the 20-file tree, against reading the same values from JSON."""
    with tempfile.TemporaryDirectory() as folder:
        yaml_path, json_path, resolved = shapes.write_yaml(Path(folder))
        assert hp.config(str(yaml_path)).to_dict() == resolved
        env = {"hp": hp, "json": json, "yaml_path": str(yaml_path), "json_path": json_path}
        bench.statement(
            8,
            "load.yaml",
            "hp.config(yaml_path)",
            env,
            "json.loads of the resolved values",
            "json.loads(json_path.read_text(encoding='utf-8'))",
            figure=f"hp.config of {shapes.SECTIONS * shapes.KEYS_PER_SECTION:,} keys,"
            f" {shapes.REFERENCES:,} interpolations",
        )
        compose = getattr(hp, "compose", None)
        if compose is None:
            bench.skip(8, "compose.20", "hp.compose does not exist in this build")
            return
        tree, json_files, composed = shapes.write_tree(Path(folder))
        result = compose("config", config_dir=str(tree)).to_dict()
        assert result == composed, f"hp.compose gave {result!r}, the tree holds {composed!r}"
        env = {"compose": compose, "tree": str(tree), "files": json_files, "shapes": shapes}
        bench.statement(
            8,
            "compose.20",
            "compose('config', config_dir=tree)",
            env,
            "read + merge the 20 files' values as JSON",
            "shapes.load_plain_tree(files)",
            figure="hp.compose of a 20-file tree",
        )


def run(bench: Bench) -> None:
    """Every scenario of this library (the memory check in full mode only)."""
    reads(bench)
    recording(bench)
    injected(bench)
    scopes(bench)
    writes(bench)
    threads(bench)
    loading(bench)
    bench.import_time("hyperparameter")
    if not bench.quick:
        memory(bench)
    bench.facts["backend"] = hp.backend_name()
    bench.facts["extension"] = os.path.basename(getattr(hp._backend.native, "__file__", "") or "")
