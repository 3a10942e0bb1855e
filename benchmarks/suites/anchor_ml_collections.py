"""ml_collections: attribute reads on a `ConfigDict` (scenario 1) and its import time."""

from __future__ import annotations

import ml_collections
from harness import Bench

from suites import shapes


def library() -> str:
    """The name in the report."""
    return "ml_collections"


def run(bench: Bench) -> None:
    """Scenarios 1 and 6."""
    layer = ml_collections.ConfigDict({"size": 3})
    conf = ml_collections.ConfigDict({"model": {"layers": [layer]}})
    assert conf.model.layers[0].size == 3
    env = {"conf": conf, "cfg": shapes.NESTED}
    bench.statement(
        1, "read.present", "conf.model.layers[0].size", env, "nested dict read", shapes.NESTED_READ
    )
    bench.import_time("ml_collections")
