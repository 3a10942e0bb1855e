"""gin-config: a read inside a `@gin.configurable` function (scenario 2), a 3-parameter
configurable call (scenario 4), `config_scope` (scenario 3) and its import time."""

from __future__ import annotations

import gin
from harness import Bench

from suites import shapes


def library() -> str:
    """The name in the report."""
    return "gin-config"


@gin.configurable
def read(a: int = 1) -> int:
    """Returns its configured parameter."""
    return a


@gin.configurable
def call(a: int = 1, b: float = 2.0, c: str = "x") -> int:
    """Three parameters, two of them bound."""
    return a


def run(bench: Bench) -> None:
    """Scenarios 2, 3, 4 and 6."""
    gin.bind_parameter("read.a", 5)
    gin.bind_parameter("call.a", 5)
    gin.bind_parameter("call.b", 0.5)
    gin.bind_parameter("s/read.a", 2)
    assert read() == 5 and call() == 5
    env = {
        "read": read,
        "call": call,
        "plain": shapes.plain_read,
        "three": shapes.three,
        "gin": gin,
        "CM": shapes.PlainScope,
    }
    bench.statement(
        2,
        "param.read",
        "read()",
        env,
        "plain call",
        "plain()",
        figure="@gin.configurable function reading a",
    )
    bench.statement(
        4,
        "call.3",
        "call()",
        env,
        "plain call, 3 parameters",
        "three()",
        figure="@gin.configurable call, 3 parameters (2 bound)",
    )
    with gin.config_scope("s"):
        assert read() == 2
    bench.statement(
        3,
        "scope.0",
        'with gin.config_scope("s"): pass',
        env,
        "with CM(**kw): pass",
        'with CM(**{"a.b": 1}): pass',
    )
    bench.import_time("gin")
