"""Hydra: reads on a composed config (scenario 1), `instantiate` of a `_target_` node
(scenario 4), `compose` of the 20-file tree (scenario 8) and its import time."""

from __future__ import annotations

import tempfile
from pathlib import Path

from harness import Bench
from hydra import compose, initialize_config_dir
from hydra.utils import instantiate
from omegaconf import OmegaConf

from suites import shapes


def library() -> str:
    """The name in the report."""
    return "Hydra"


def run(bench: Bench) -> None:
    """Scenarios 1, 4, 6 and 8."""
    with tempfile.TemporaryDirectory() as folder:
        small = Path(folder) / "small"
        (small / "model").mkdir(parents=True)
        (small / "config.yaml").write_text("defaults:\n  - model: mlp\n", encoding="utf-8")
        (small / "model" / "mlp.yaml").write_text("layers:\n  - size: 3\n", encoding="utf-8")
        with initialize_config_dir(config_dir=str(small), version_base=None):
            conf = compose("config")
        assert conf.model.layers[0].size == 3
        env = {"conf": conf, "cfg": shapes.NESTED}
        bench.statement(
            1,
            "read.present",
            "conf.model.layers[0].size",
            env,
            "nested dict read",
            shapes.NESTED_READ,
            figure="conf.model.layers[0].size (composed)",
        )

        node = OmegaConf.create({"_target_": "suites.shapes.three", "a": 5, "b": 0.5})
        assert instantiate(node) == 5
        env = {"instantiate": instantiate, "node": node, "three": shapes.three}
        bench.statement(
            4,
            "call.3",
            "instantiate(node)",
            env,
            "plain call, 3 parameters",
            "three()",
            figure="instantiate of a _target_ node, 3 parameters (2 set)",
        )

        tree, json_files, composed = shapes.write_tree(Path(folder))
        with initialize_config_dir(config_dir=str(tree), version_base=None):
            assert OmegaConf.to_container(compose("config")) == composed
            env = {"compose": compose, "files": json_files, "shapes": shapes}
            bench.statement(
                8,
                "compose.20",
                "compose('config')",
                env,
                "read + merge the 20 files' values as JSON",
                "shapes.load_plain_tree(files)",
                figure="compose of the same 20-file tree",
            )
    bench.import_time("hydra")
