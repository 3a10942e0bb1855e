"""The 0.6.0 release of hyperparameter on PyPI (same import name as this library), run by
`benchmarks/run.py` in a virtualenv of its own: the same expressions as `suites/ours.py`."""

from __future__ import annotations

import threading
import time
from typing import Any, Callable

from harness import Bench

import hyperparameter as hp
from suites import shapes

READ = "hp.scope.model.layers._0.size | 10"


def library() -> str:
    """The name in the report."""
    return f"hyperparameter {getattr(hp, 'VERSION', '0.6.0')}"


def _writer(keys: list[str], plain: bool) -> Callable[[], float]:
    """A run writing `keys` one by one into a fresh scope (or a dict) on a fresh thread."""

    def body(out: list[float]) -> None:
        if plain:
            target: Any = {}
            start = time.thread_time()
            for key in keys:
                target[key] = 1
        else:
            with hp.scope() as target:
                start = time.thread_time()
                for key in keys:
                    target[key] = 1
        out.append(time.thread_time() - start)

    def run() -> float:
        out: list[float] = []
        thread = threading.Thread(target=body, args=(out,))
        thread.start()
        thread.join()
        return out[0]

    return run


def run(bench: Bench) -> None:
    """Scenarios 1-6 with the old release's API."""
    env: dict[str, Any] = {"hp": hp, "cfg": shapes.NESTED, "CM": shapes.PlainScope}
    with hp.scope(**{"model.layers._0.size": 3}):
        assert hp.scope.model.layers._0.size | 10 == 3
        bench.statement(1, "read.present", READ, env, "nested dict read", shapes.NESTED_READ)
    bench.statement(
        1,
        "read.missing",
        READ,
        env,
        "nested dict read",
        shapes.NESTED_READ,
        figure=f"{READ} (missing)",
    )

    @hp.param("f")
    def read(a: int = 1) -> int:
        return a

    @hp.param("g")
    def call(a: int = 1, b: float = 2.0, c: str = "x") -> int:
        return a

    env.update(read=read, call=call, plain=shapes.plain_read, three=shapes.three)
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

    stmt = 'with hp.scope(**{"a.b": 1}): pass'
    for visible in (0, 1_000, 100_000):
        with hp.scope(**{f"bulk.k{i}": i for i in range(visible)}):
            figure = stmt if visible == 0 else f"{stmt}, {visible:,} keys visible"
            bench.statement(
                3,
                f"scope.{visible}",
                stmt,
                env,
                "with CM(**kw): pass",
                'with CM(**{"a.b": 1}): pass',
                figure=figure,
            )

    for n in (2_000, 20_000) if bench.quick else (10_000, 100_000):
        keys = [f"bench.k{i}" for i in range(n)]
        record = bench.runs(
            5,
            f"write.{n}",
            f"ps[k] = v, {n:,} keys",
            _writer(keys, False),
            "dict[k] = v",
            _writer(keys, True),
            n,
        )
        record["path"] = "ps[k] = v"
    bench.import_time("hyperparameter")
