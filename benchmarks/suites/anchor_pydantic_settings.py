"""pydantic-settings: attribute reads on a `BaseSettings` instance with nested models
(scenario 1) and its import time."""

from __future__ import annotations

from harness import Bench
from pydantic import BaseModel
from pydantic_settings import BaseSettings

from suites import shapes


class Layer(BaseModel):
    """A layer of the configured model."""

    size: int = 1


class Model(BaseModel):
    """The configured model."""

    layers: list[Layer] = []


class Settings(BaseSettings):
    """The root of the configuration."""

    model: Model = Model()


def library() -> str:
    """The name in the report."""
    return "pydantic-settings"


def run(bench: Bench) -> None:
    """Scenarios 1 and 6."""
    conf = Settings(model=Model(layers=[Layer(size=3)]))
    assert conf.model.layers[0].size == 3
    env = {"conf": conf, "cfg": shapes.NESTED}
    bench.statement(
        1, "read.present", "conf.model.layers[0].size", env, "nested dict read", shapes.NESTED_READ
    )
    bench.import_time("pydantic_settings")
