"""Fiddle: attribute reads on nested `fdl.Config` objects (scenario 1) and its import time."""

from __future__ import annotations

import dataclasses

import fiddle as fdl
from harness import Bench

from suites import shapes


@dataclasses.dataclass
class Layer:
    """A layer of the configured model."""

    size: int = 1


@dataclasses.dataclass
class Model:
    """The configured model."""

    layers: list[Layer] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Experiment:
    """The root of the configuration."""

    model: Model = dataclasses.field(default_factory=Model)


def library() -> str:
    """The name in the report."""
    return "Fiddle"


def run(bench: Bench) -> None:
    """Scenarios 1 and 6."""
    conf = fdl.Config(Experiment, model=fdl.Config(Model, layers=[fdl.Config(Layer, size=3)]))
    assert conf.model.layers[0].size == 3
    env = {"conf": conf, "cfg": shapes.NESTED}
    bench.statement(
        1, "read.present", "conf.model.layers[0].size", env, "nested dict read", shapes.NESTED_READ
    )
    bench.import_time("fiddle")
