"""``hp.launch`` composing a Hydra-style config tree: the composed tree as the lowest
config-file layer, bare words in Hydra's override grammar, the groups section of ``-lps``,
``--config-name``/``--config-dir``, ``${hydra:...}`` values and the environment layer, driven
as real subprocesses on the fixture trees of ``tests/fixtures/compose`` (both scope
backends: the child inherits ``HYPERPARAMETER_BACKEND``)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

import hyperparameter as hp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "compose"

PROG = """
import json
import hyperparameter as hp

@hp.param("trainer")
def main(max_epochs: int = 1) -> None:
    print(json.dumps({"max_epochs": max_epochs, "tree": hp.scope.to_dict(nested=True)}))

if __name__ == "__main__":
    hp.launch(main, config_dir="configs", config_name="train", env_prefix="APP_")
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A program next to a copy of the lightning-shaped tree in ``configs/``."""
    shutil.copytree(FIXTURES / "lightning", tmp_path / "configs")
    (tmp_path / "prog.py").write_text(textwrap.dedent(PROG), encoding="utf-8")
    return tmp_path


def run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "PROJECT_ROOT": "/project", **env}
    return subprocess.run(
        [sys.executable, "prog.py", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=environ,
    )


def tree(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def usage_error(done: subprocess.CompletedProcess[str]) -> str:
    """The error line of a usage error (status 2, no traceback)."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.strip().splitlines()[-1]


def without_hydra(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if key != "hydra"}


LIGHTNING_WORDS = [
    "experiment=example",
    "trainer=gpu",
    "+trainer.precision=16",
    "~callbacks.early_stopping",
]


def test_the_program_runs_on_what_hp_compose_gives(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = tree(run(project, *LIGHTNING_WORDS))
    # The same tree composed in this process, with the run values a launch fills in.
    monkeypatch.chdir(project)
    monkeypatch.setenv("PROJECT_ROOT", "/project")
    overrides = [*LIGHTNING_WORDS, f"++hydra.runtime.output_dir={project}", "++hydra.job.num=0"]
    wanted = hp.compose("train", config_dir=project / "configs", overrides=overrides)
    assert without_hydra(got["tree"]) == without_hydra(wanted.to_dict())
    assert got["max_epochs"] == 10  # the experiment's value reaches the parameter
    assert got["tree"]["trainer"]["precision"] == 16
    assert got["tree"]["trainer"]["accelerator"] == "gpu"
    assert "early_stopping" not in got["tree"]["callbacks"]
    assert got["tree"]["paths"]["work_dir"] == str(project)


def test_hydra_values_and_the_hydra_node_are_readable(project: Path) -> None:
    got = tree(run(project, "hydra/launcher=basic", "hydra.run.dir=out/${task_name}"))
    hydra = got["tree"]["hydra"]
    assert hydra["run"]["dir"] == "out/train"
    assert hydra["job"]["name"] == "prog"  # the program's stem, as Hydra names the job
    assert hydra["runtime"]["cwd"] == str(project)
    # `override hydra/job_logging: colorlog` (a group the tree lacks) is ignored.
    assert hydra["job_logging"]["handlers"]["file"]["filename"] == f"{project}/train.log"
    (project / "configs" / "extras" / "default.yaml").write_text("job: ${hydra:job.name}\n")
    assert tree(run(project))["tree"]["extras"]["job"] == "prog"


def test_bare_words_are_typed_as_hydra_types_them(project: Path) -> None:
    got = tree(
        run(
            project,
            "+extra.items=[1, a, 2.5]",
            "+extra.text='007'",
            "+extra.map={k: v, n: 1}",
            "trainer.devices=null",
            "++seed=7",
            "trainer.max_epochs=3",
        )
    )
    extra = got["tree"]["extra"]
    assert extra == {"items": [1, "a", 2.5], "text": "007", "map": {"k": "v", "n": 1}}
    assert got["tree"]["trainer"]["devices"] is None
    assert got["tree"]["seed"] == 7 and got["max_epochs"] == 3


def test_an_unknown_group_option_lists_the_available_ones(project: Path) -> None:
    line = usage_error(run(project, "model=vit"))
    assert "`model` has no option `vit`" in line and "available options: mnist" in line
    line = usage_error(run(project, "trainer=tpu"))
    assert "available options: ddp, default, gpu" in line


def test_word_errors_name_the_word_and_column(project: Path) -> None:
    line = usage_error(run(project, "trainer.max_epoch=3"))
    assert line.endswith(
        "trainer.max_epoch=3: unknown parameter 'trainer.max_epoch' (did you mean "
        "'trainer.max_epochs'?)"
    )
    line = usage_error(run(project, "trainer.nope=3"))
    assert "trainer.nope=3: cannot change `trainer.nope`: there is no such key" in line
    assert "(use `+trainer.nope=3` to add it)" in line
    line = usage_error(run(project, "+extra=[1"))
    assert line.startswith('prog.py: error: invalid override "+extra=[1" at column')
    line = usage_error(run(project, "+task_name=x"))
    assert "cannot add `task_name`: it is already set" in line


def test_config_name_and_config_dir_choose_another_tree(project: Path, tmp_path: Path) -> None:
    got = tree(run(project, "--config-name", "eval", "ckpt_path=last.ckpt"))
    assert got["tree"]["task_name"] == "eval" and got["tree"]["ckpt_path"] == "last.ckpt"
    other = tmp_path / "other"
    (other / "trainer").mkdir(parents=True)
    (other / "small.yaml").write_text("defaults:\n  - trainer: quick\n  - _self_\n")
    (other / "trainer" / "quick.yaml").write_text("max_epochs: 2\n")
    got = tree(run(project, "--config-dir", str(other), "--config-name", "small"))
    assert got["max_epochs"] == 2 and "paths" not in got["tree"]
    line = usage_error(run(project, "--config-name", "nope"))
    assert "cannot find the primary config `nope`" in line


def test_list_params_shows_the_groups_and_each_source(project: Path) -> None:
    done = run(project, "-lps", "trainer=gpu")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("groups (composed from configs/train):\n"), out
    assert re.search(r"^  model: +mnist \(configs/model/mnist\.yaml\)$", out, re.M), out
    assert re.search(r"^  trainer: +gpu \(configs/trainer/gpu\.yaml\)$", out, re.M), out
    assert re.search(r"^  callbacks: +default \(configs/callbacks/default\.yaml\)$", out, re.M)
    assert "hparams_search" not in out  # null options load nothing
    row = next(line for line in out.splitlines() if line.startswith("trainer.max_epochs"))
    assert row.split()[-1] == "trainer/default.yaml:6:13"
    done = run(project, "-ep", "trainer.max_epochs", "experiment=example")
    assert done.returncode == 0, done.stderr
    experiment = r"^  experiment: +example \(configs/experiment/example\.yaml\)$"
    assert re.search(experiment, done.stdout, re.M)
    # The composed tree is one layer: its value is where the winning file wrote it.
    chain = done.stdout.split("layers:", 1)[1].splitlines()[1:3]
    assert [line.split() for line in chain] == [
        ["default", "1"],
        ["experiment/example.yaml:17:15", "10"],
    ]


def test_the_environment_layer_sits_between_config_files_and_defines(project: Path) -> None:
    env = {"APP_TRAINER__MAX_EPOCHS": "4"}
    assert tree(run(project, **env))["max_epochs"] == 4
    (project / "more.yaml").write_text("trainer:\n  max_epochs: 3\n")
    assert tree(run(project, "-C", "more.yaml", **env))["max_epochs"] == 4
    assert tree(run(project, "-D", "trainer.max_epochs=5", **env))["max_epochs"] == 5
    assert tree(run(project, "trainer.max_epochs=6", **env))["max_epochs"] == 6
    assert tree(run(project, "--max_epochs", "7", **env))["max_epochs"] == 7
    # Case does not matter against a known key; others are lower case.
    got = tree(run(project, APP_Data__Batch_Size="16", APP_RUN__TAG="x"))
    assert got["tree"]["data"]["batch_size"] == "16" and got["tree"]["run"] == {"tag": "x"}
    done = run(project, "-ep", "trainer.max_epochs", "-C", "more.yaml", **env)
    assert done.returncode == 0, done.stderr
    assert "source:       environment variable APP_TRAINER__MAX_EPOCHS" in done.stdout
    chain = done.stdout.split("layers:", 1)[1].splitlines()
    sources = [line.split()[0] for line in chain[1:] if line.strip()][:4]
    assert sources == ["default", "trainer/default.yaml:6:13", "more.yaml:2:15", "environment"]
    line = usage_error(run(project, APP_TRAINER__MAX_EPOCH="4"))
    assert line.endswith(
        "environment variable APP_TRAINER__MAX_EPOCH: unknown parameter 'trainer.max_epoch' "
        "(did you mean 'trainer.max_epochs'?)"
    )
    line = usage_error(run(project, APP_TRAINER____X="4"))
    assert "environment variable APP_TRAINER____X: cannot name a key" in line


def test_an_error_in_the_tree_names_its_file(project: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k != "PROJECT_ROOT"}
    done = subprocess.run(
        [sys.executable, "prog.py"], capture_output=True, text=True, cwd=project, env=environ
    )
    line = usage_error(done)
    assert line.startswith("prog.py: error: paths/default.yaml:2:11: environment variable")
    assert "PROJECT_ROOT" in line


def test_a_bad_environment_value_is_a_usage_error_naming_the_variable(project: Path) -> None:
    line = usage_error(run(project, APP_TRAINER__MAX_EPOCHS="many"))
    assert line.endswith(
        "environment variable APP_TRAINER__MAX_EPOCHS: invalid value 'many' for "
        "trainer.max_epochs: expected int"
    )


def test_without_a_tree_bare_words_are_overrides_of_the_declared_keys(tmp_path: Path) -> None:
    (tmp_path / "prog.py").write_text(
        textwrap.dedent(
            """
            import hyperparameter as hp

            @hp.param("train")
            def main(lr: float = 0.1) -> None:
                print(lr, repr(hp.scope.train.tags | None), repr(hp.scope.seed | None))

            hp.launch(main)
            """
        ),
        encoding="utf-8",
    )
    done = run(tmp_path, "train.lr=0.5", "+train.tags=[a,b]", "+seed=3")
    assert done.stdout == "0.5 ['a', 'b'] 3\n", done.stderr
    # After `-D item`, a `+key=value` word is an override, not another item.
    done = run(tmp_path, "-D", "train.lr=0.5", "+seed=3")
    assert done.stdout == "0.5 None 3\n", done.stderr
    line = usage_error(run(tmp_path, "seed=3"))
    assert "seed=3: cannot change `seed`: there is no such key" in line
    line = usage_error(run(tmp_path, "--config-dir", "configs"))
    assert "a config tree needs the name of its primary config too" in line


def test_subcommands_compose_too_and_strict_keeps_the_tree_keys(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "basic", tmp_path / "conf")
    (tmp_path / "prog.py").write_text(
        textwrap.dedent(
            """
            import hyperparameter as hp

            @hp.param("db")
            def serve(port: int = 0) -> None:
                print("serve", port, hp.scope.db.driver | "?")

            @hp.param("app")
            def check(name: str = "x") -> None:
                print("check", name)

            hp.launch(config_dir="conf", config_name="config")
            """
        ),
        encoding="utf-8",
    )
    done = run(tmp_path, "serve", "db=postgres", "db.port=1")
    assert done.stdout == "serve 1 postgres\n", done.stderr
    done = run(tmp_path, "serve", "--strict", "db=postgres")
    assert done.stdout == "serve 5432 postgres\n", done.stderr
    line = usage_error(run(tmp_path, "serve", "--strict", "+db.extra=1"))
    assert line.endswith("+db.extra=1: unknown parameter 'db.extra'")
    done = run(tmp_path, "check", "--config-name", "self_first", "app.name=y")
    assert done.stdout == "check y\n", done.stderr
