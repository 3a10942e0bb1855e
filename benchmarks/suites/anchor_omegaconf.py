"""OmegaConf: attribute reads on a loaded config (scenario 1), load + resolve of the generated
YAML file (scenario 8) and its import time."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from harness import Bench
from omegaconf import OmegaConf

from suites import shapes


def library() -> str:
    """The name in the report."""
    return "OmegaConf"


def run(bench: Bench) -> None:
    """Scenarios 1, 6 and 8."""
    with tempfile.TemporaryDirectory() as folder:
        nested = Path(folder) / "nested.yaml"
        nested.write_text("model:\n  layers:\n    - size: 3\n", encoding="utf-8")
        conf = OmegaConf.load(nested)
        assert conf.model.layers[0].size == 3
        env = {"conf": conf, "cfg": shapes.NESTED}
        bench.statement(
            1,
            "read.present",
            "conf.model.layers[0].size",
            env,
            "nested dict read",
            shapes.NESTED_READ,
        )

        yaml_path, json_path, resolved = shapes.write_yaml(Path(folder))

        def load() -> object:
            loaded = OmegaConf.load(yaml_path)
            OmegaConf.resolve(loaded)
            return loaded

        assert OmegaConf.to_container(load()) == resolved  # type: ignore[arg-type]
        env = {"load": load, "json": json, "json_path": json_path}
        bench.statement(
            8,
            "load.yaml",
            "load()",
            env,
            "json.loads of the resolved values",
            "json.loads(json_path.read_text(encoding='utf-8'))",
            figure="OmegaConf.load + resolve of the same file",
        )
    bench.import_time("omegaconf")
