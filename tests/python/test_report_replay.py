"""The operative config replays a run: a program run with a config file, ``-D`` items and
options saves ``hp.report()``; a copy of it whose signature defaults were all changed, run
with ``-C saved``, reads every value again, with its type. Real subprocesses, in TOML, YAML
and JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = """
import json
import os

import hyperparameter as hp


@hp.param("model")
def build(
    dim: int = {dim}, act: str = {act!r}, dropout: float = {dropout}, layers: list = {layers}
):
    return {{"dim": dim, "act": act, "dropout": dropout, "layers": layers}}


@hp.param("train")
def train(epochs: int = {epochs}, lr: float = {lr}, shuffle: bool = {shuffle}, tag: str = {tag!r}):
    model = build()
    seed = hp.scope.train.seed | {seed}
    warmup = hp.scope.train.warmup | {warmup}
    read = {{
        "train.epochs": epochs, "train.lr": lr, "train.shuffle": shuffle, "train.tag": tag,
        "train.seed": seed, "train.warmup": warmup,
        **{{f"model.{{k}}": v for k, v in model.items()}},
    }}
    if os.environ.get("SAVE_TO"):
        hp.report().save(os.environ["SAVE_TO"])
    with open(os.environ["READ_TO"], "w") as out:
        json.dump({{k: [v, type(v).__name__] for k, v in read.items()}}, out)


hp.launch(train)
"""

ORIGINAL = {
    "dim": 8,
    "act": "relu",
    "dropout": 0.1,
    "layers": [1, 2],
    "epochs": 1,
    "lr": 0.01,
    "shuffle": False,
    "tag": "base",
    "seed": 7,
    "warmup": 0.5,
}
# Every default differs in value from the original's (a default of another type would make
# the saved value a conversion error, exit status 2, rather than a silent change).
CHANGED = {
    "dim": 99,
    "act": "gelu",
    "dropout": 0.9,
    "layers": [9],
    "epochs": 50,
    "lr": 0.5,
    "shuffle": True,
    "tag": "changed",
    "seed": 1234,
    "warmup": 3.0,
}


def run(program: Path, args: list[str], read_to: Path, save_to: Path | None) -> dict[str, list]:
    env = {**os.environ, "READ_TO": str(read_to)}
    env.pop("SAVE_TO", None)
    if save_to is not None:
        env["SAVE_TO"] = str(save_to)
    done = subprocess.run(
        [sys.executable, str(program), *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=program.parent,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, list] = json.loads(read_to.read_text())
    return result


@pytest.mark.parametrize("suffix", [".toml", ".yaml", ".json"])
def test_a_saved_report_replays_every_value_with_its_type(tmp_path: Path, suffix: str) -> None:
    original = tmp_path / "train.py"
    original.write_text(PROGRAM.format(**ORIGINAL))
    changed = tmp_path / "train_changed.py"
    changed.write_text(PROGRAM.format(**CHANGED))
    base = tmp_path / "base.yaml"
    base.write_text("model:\n  layers: [3, 4]\n  dim: 16\ntrain:\n  tag: from-file\n")
    saved = tmp_path / f"saved{suffix}"

    first = run(
        original,
        [
            "-C",
            str(base),
            "-D",
            "model.dropout=0.25",
            "train.tag=007",
            "--epochs",
            "5",
            "--shuffle",
        ],
        tmp_path / "first.json",
        saved,
    )
    # The layers gave what the program read: the file, the items, the option, the defaults.
    assert first["model.layers"] == [[3, 4], "list"]
    assert first["model.dim"] == [16, "int"]
    assert first["model.dropout"] == [0.25, "float"]
    assert first["train.tag"] == ["007", "str"]
    assert first["train.epochs"] == [5, "int"]
    assert first["train.shuffle"] == [True, "bool"]
    assert first["model.act"] == ["relu", "str"]
    assert first["train.seed"] == [7, "int"]
    assert first["train.warmup"] == [0.5, "float"]

    replay = run(changed, ["-C", str(saved)], tmp_path / "replay.json", None)
    assert replay == first

    # Without the saved file, the changed program reads its own defaults: the replay above
    # is the file's doing.
    alone = run(changed, [], tmp_path / "alone.json", None)
    assert alone["model.act"] == ["gelu", "str"]
    assert alone["train.seed"] == [1234, "int"]


def test_the_saved_file_names_each_source(tmp_path: Path) -> None:
    original = tmp_path / "train.py"
    original.write_text(PROGRAM.format(**ORIGINAL))
    saved = tmp_path / "saved.yaml"
    run(original, ["-D", "model.dropout=0.25", "--epochs", "5"], tmp_path / "r.json", saved)
    text = saved.read_text()
    lines = text.splitlines()
    # A comment line above each value says where it came from.
    dropout = next(i for i, line in enumerate(lines) if line.strip().startswith("dropout:"))
    assert lines[dropout - 1].strip().startswith("#")
    act = next(i for i, line in enumerate(lines) if line.strip().startswith("act:"))
    assert "default" in lines[act - 1]


@pytest.mark.parametrize("suffix", [".toml", ".json"])
def test_save_config_on_the_command_line_replays_the_run(tmp_path: Path, suffix: str) -> None:
    original = tmp_path / "train.py"
    original.write_text(PROGRAM.format(**ORIGINAL))
    changed = tmp_path / "train_changed.py"
    changed.write_text(PROGRAM.format(**CHANGED))
    saved = tmp_path / f"saved{suffix}"
    args = ["-D", "model.dropout=0.25", "--epochs", "5", "--save-config", str(saved)]
    first = run(original, args, tmp_path / "first.json", None)
    assert saved.exists() and first["train.epochs"] == [5, "int"]
    assert run(changed, ["-C", str(saved)], tmp_path / "replay.json", None) == first


def test_a_run_directory_s_config_replays_the_run(tmp_path: Path) -> None:
    original = tmp_path / "train.py"
    original.write_text(PROGRAM.format(**ORIGINAL))
    changed = tmp_path / "train_changed.py"
    changed.write_text(PROGRAM.format(**CHANGED))
    args = ["model.dim=32", "--lr", "0.2", "--run-dir", str(tmp_path / "run")]
    first = run(original, args, tmp_path / "first.json", None)
    saved = tmp_path / "run" / "config.yaml"
    assert run(changed, ["-C", str(saved)], tmp_path / "replay.json", None) == first


def test_save_config_with_a_sweep_is_a_usage_error(tmp_path: Path) -> None:
    original = tmp_path / "train.py"
    original.write_text(PROGRAM.format(**ORIGINAL))
    done = subprocess.run(
        [sys.executable, str(original), "-m", "train.seed=1,2", "--save-config", "s.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "READ_TO": str(tmp_path / "r.json")},
        timeout=120,
    )
    assert done.returncode == 2 and "--save-config saves one run" in done.stderr


def test_save_config_leaves_out_what_no_config_file_can_hold(tmp_path: Path) -> None:
    program = tmp_path / "prog.py"
    program.write_text(
        "import hyperparameter as hp\n"
        "class Act: pass\n"
        "@hp.param('m')\n"
        "def f(act=Act(), n: int = 3):\n"
        "    return n\n"
        "hp.launch(f)\n"
    )
    saved = tmp_path / "saved.yaml"
    done = subprocess.run(
        [sys.executable, str(program), "--save-config", str(saved)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "leaves out m.act" in done.stderr
    import hyperparameter as hp

    assert hp.config(str(saved)).to_dict() == {"m": {"n": 3}}
