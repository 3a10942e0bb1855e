"""Compose the fixture trees of tests/fixtures/compose with real Hydra and print JSON.

This is how the expected results checked by crates/hyperparameter/tests/compose.rs (and by
tests/python/test_compose.py, which also composes every case with Hydra live) are made;
it needs hydra-core, hydra-colorlog and hydra-optuna-sweeper (the fixture shaped like the
lightning-hydra-template uses both plugins), and is not part of the test suite:

    pip install hydra-core hydra-colorlog hydra-optuna-sweeper
    python tests/python/compose_parity.py > tests/fixtures/compose/expected.json

Hydra reads only YAML: a tree holding TOML or JSON files is copied to a temporary directory
with each file converted to YAML (header comments kept) before Hydra composes it.

The output holds, for each case, the composed tree without references resolved (the
`hydra` node left out, as Hydra's compose leaves it out), the resolved tree when Hydra
can resolve it (with PROJECT_ROOT=/project), or the error Hydra raised; and, for each
override of GRAMMAR, how Hydra's parser types it.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import tomllib
import yaml
from hydra import compose, initialize_config_dir
from hydra.core.override_parser.overrides_parser import OverridesParser
from hydra.core.override_parser.types import (
    ChoiceSweep,
    Glob,
    IntervalSweep,
    QuotedString,
    RangeSweep,
)
from omegaconf import OmegaConf

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "compose"

# (fixture, primary config, overrides)
CASES: list[tuple[str, str, list[str]]] = [
    ("basic", "config", []),
    ("basic", "config", ["db=postgres"]),
    ("basic", "config", ["server=nginx"]),
    ("basic", "config", ["server/site=blog"]),
    ("basic", "config", ["db.port=1234", "app.name='hello world'"]),
    ("basic", "config", ["+db.extra=1", "++db.port=5", "~db.pass"]),
    ("basic", "config", ["~db"]),
    ("basic", "config", ["~db=mysql"]),
    ("basic", "config", ["db=postgres", "db.timeout=20"]),
    ("basic", "config", ["+list=[1, 2.5, {a: b}, null, true]"]),
    ("basic", "config", ["debug=null", "+seed=null"]),
    ("basic", "config", ["app={name: x}"]),
    ("basic", "config", ["+app={extra: 1}"]),
    ("basic", "config", ["+schedule=x"]),
    ("basic", "config", ["db=[mysql,postgres]"]),
    ("basic", "config", ["hydra/job_logging=disabled", "hydra.run.dir=/tmp/run"]),
    ("basic", "config", ["db=oracle"]),
    ("basic", "config", ["app.nmae=x"]),
    ("basic", "config", ["+debug=true"]),
    ("basic", "config", ["~app.missing"]),
    ("basic", "config", ["nope@pkg=x"]),
    ("basic", "config", ["model=x"]),
    ("basic", "config", ["lr=1,2"]),
    ("basic", "self_first", []),
    ("basic", "no_self", []),
    ("basic", "options", []),
    ("basic", "options", ["db=[postgres]"]),
    ("basic", "missing_choice", []),
    ("basic", "missing_choice", ["db=postgres"]),
    ("basic", "config.yaml", []),
    ("packages", "config", []),
    ("packages", "config", ["db@backup=postgres"]),
    ("packages", "config", ["nested/inner=b", "flags=disabled"]),
    ("packages", "config", ["+db@extra=mysql"]),
    ("packages", "config", ["~db@backup"]),
    ("packages", "config", ["db@nope=mysql"]),
    ("formats", "config", []),
    ("formats", "config", ["model=large"]),
    ("formats", "config", ["trainer=slow", "run.epochs=7"]),
    ("lightning", "train", []),
    ("lightning", "train", ["experiment=example"]),
    ("lightning", "train", ["experiment=gpu_run"]),
    ("lightning", "train", ["experiment=example", "trainer=ddp"]),
    ("lightning", "train", ["debug=default"]),
    ("lightning", "train", ["debug=fdr", "experiment=example"]),
    ("lightning", "train", ["trainer=gpu", "logger=csv"]),
    ("lightning", "train", ["trainer=ddp", "trainer.max_epochs=3"]),
    ("lightning", "train", ["logger=many_loggers"]),
    ("lightning", "train", ["+trainer.precision=16", "~callbacks.early_stopping"]),
    ("lightning", "train", ["callbacks=none"]),
    ("lightning", "train", ["hparams_search=mnist_optuna"]),
    (
        "lightning",
        "train",
        ["model.optimizer.lr=0.01", "data.batch_size=32", "tags=[a,b]", "seed=42"],
    ),
    ("lightning", "train", ["hydra/job_logging=disabled", "hydra.run.dir=/tmp/x"]),
    ("lightning", "eval", ["ckpt_path=/ckpt/last.ckpt"]),
    ("lightning", "train", ["trainer=tpu"]),
]

# Overrides whose parse is compared with Hydra's parser.
GRAMMAR: list[str] = [
    "a=1",
    "a=-1_000",
    "a=+7",
    "a=1.5",
    "a=1e-3",
    "a=.5",
    "a=1.",
    "a=-inf",
    "a=NaN",
    "a=true",
    "a=FALSE",
    "a=null",
    "a=abc",
    "a=007",
    "a=1abc",
    "a=1.2.3",
    "a=a b  c",
    "a=  padded  ",
    "a='quoted, with [brackets]'",
    'a="double \\" quote"',
    "a='it\\'s'",
    "a='trailing\\\\'",
    "a=\\,escaped\\ text\\:",
    "a=/path/to/file.txt",
    "a=${b.c}",
    "a=x${b}y",
    "a='${b}'",
    "a=http://host:80/x",
    "a=",
    "a=[]",
    "a=[1, 2, 3]",
    "a=[a, [b, c], {d: 1}]",
    "a={}",
    "a={k: v, n: 1, l: [1, 2]}",
    "a={a b: 1}",
    "a.b.c=1",
    "a.0.b=1",
    "$a=1",
    "+a=1",
    "++a=1",
    "~a",
    "~a=1",
    "db@backup=mysql",
    "db@=mysql",
    "hydra/launcher=basic",
    "a=1,2,3",
    "a=x, y ,z",
    "a=[1,2],[3]",
    "a=choice(1, 2, 3)",
    "a=choice(a)",
    "a=range(5)",
    "a=range(1, 10, 2)",
    "a=range(0.0, 1.0, 0.25)",
    "a=range(start=1, stop=3)",
    "a=interval(0, 1)",
    "a=interval(0.1, 1.5)",
    "a=int(interval(0, 10))",
    "a=tag(log, interval(0.001, 1))",
    "a=tag(a, b, choice(1, 2))",
    "a=tag(log, sweep=range(1, 4))",
    "a=glob(*)",
    "a=glob([a*, b*], exclude=ab*)",
    "a=int(3.7)",
    "a=int('12')",
    "a=float(2)",
    "a=str(1)",
    "a=str(true)",
    "a=bool(0)",
    "a=bool('TRUE')",
    "a=int(1, 2)",
    "a=float([1, 2])",
    "a=int({x: 1.5})",
    "a=float(range(1, 3))",
    "a=choice (1, 2)",
    "a=[1, 2",
    "a=b=c",
    "a=x)",
    "a=#",
    "a='open",
    "a b=1",
    "=1",
    "a",
    "a=choice()",
    "a=choice(choice(1, 2))",
    "a=foo(1)",
    "a=range(1, x)",
    "a=tag(1, choice(1))",
    "a=tag(log)",
    "a=str(interval(0, 1))",
    "a=range(1, 5, step=2, extra=1)",
    "a=int(null)",
    "a=choice(x=1)",
]


def encode(value: Any) -> Any:
    """A parsed override value as JSON, types kept apart."""
    if isinstance(value, QuotedString):
        return {"quoted": value.text}
    if isinstance(value, bool):
        return {"bool": value}
    if isinstance(value, int):
        return {"int": value}
    if isinstance(value, float):
        return {"float": value if math.isfinite(value) else repr(value)}
    if isinstance(value, str):
        return {"str": value}
    if value is None:
        return None
    if isinstance(value, list):
        return {"list": [encode(item) for item in value]}
    if isinstance(value, dict):
        return {"dict": [[str(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, ChoiceSweep):
        return {
            "choice": [encode(item) for item in value.list],
            "simple": value.simple_form,
            "tags": sorted(value.tags),
        }
    if isinstance(value, RangeSweep):
        return {
            "range": [encode(value.start), encode(value.stop), encode(value.step)],
            "tags": sorted(value.tags),
        }
    if isinstance(value, IntervalSweep):
        return {
            "interval": [encode(value.start), encode(value.end)],
            "tags": sorted(value.tags),
        }
    if isinstance(value, Glob):
        return {"glob": [list(value.include), list(value.exclude)]}
    raise TypeError(f"cannot encode {value!r}")


def parse_case(text: str) -> dict[str, Any]:
    """How Hydra's parser reads one override."""
    parser = OverridesParser.create()
    try:
        override = parser.parse_override(text)
    except Exception as err:
        return {"override": text, "error": f"{type(err).__name__}: {err}"}
    return {
        "override": text,
        "kind": override.type.name,
        "key": override.key_or_group,
        "package": override.package,
        "value": encode(override._value),
        "has_value": override._value is not None or override.value_type is not None,
    }


def as_yaml_tree(source: Path, target: Path) -> None:
    """Copies a config tree, converting TOML and JSON files to YAML."""
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            (target / relative).mkdir(exist_ok=True)
            continue
        text = path.read_text()
        if path.suffix == ".toml":
            header = "".join(line + "\n" for line in text.splitlines() if line.startswith("# @"))
            data = tomllib.loads(text)
        elif path.suffix == ".json":
            header, data = "", json.loads(text)
        else:
            shutil.copy(path, target / relative)
            continue
        out = (target / relative).with_suffix(".yaml")
        out.write_text(header + yaml.safe_dump(data, sort_keys=False))


def compose_case(fixture: str, name: str, overrides: list[str]) -> dict[str, Any]:
    """What Hydra composes for one case."""
    case: dict[str, Any] = {"fixture": fixture, "config": name, "overrides": overrides}
    source = FIXTURES / fixture
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp) / fixture
        as_yaml_tree(source, tree)
        try:
            with initialize_config_dir(version_base="1.3", config_dir=str(tree)):
                cfg = compose(config_name=name, overrides=overrides)
        except Exception as err:
            case["error"] = f"{type(err).__name__}: {err}"
            return case
    case["raw"] = OmegaConf.to_container(cfg, resolve=False)
    try:
        case["resolved"] = OmegaConf.to_container(cfg, resolve=True)
    except Exception:
        case["resolved"] = None
    return case


def main() -> None:
    os.environ["PROJECT_ROOT"] = "/project"
    result = {
        "compose": [compose_case(*case) for case in CASES],
        "grammar": [parse_case(text) for text in GRAMMAR],
    }
    json.dump(result, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
