"""``--tune N`` on the command line: Optuna studies over the launched function, with the
space from sweep words or a Hydra Optuna-sweeper config, SQLite storage, parallel workers,
and ``best.yaml`` replayed with ``-C``; real subprocesses and real Optuna."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import optuna
import pytest

import hyperparameter as hp

optuna.logging.set_verbosity(optuna.logging.WARNING)

PROGRAM = """
import hyperparameter as hp

@hp.param("model")
def loss(lr: float = 0.5, depth: int = 1, kind: str = "a") -> float:
    value = (lr - 0.1) ** 2 + depth + (kind == "b")
    print(f"lr={lr!r} depth={depth!r} kind={kind} value={value!r}")
    if lr > 0.95:
        raise RuntimeError("too fast")
    return value

if __name__ == "__main__":
    hp.launch(loss)
"""

SWEEPER = """
optimized_metric: "loss"
hydra:
  mode: "MULTIRUN"
  sweeper:
    _target_: hydra_plugins.hydra_optuna_sweeper.optuna_sweeper.OptunaSweeper
    storage: null
    study_name: null
    n_jobs: 1
    direction: maximize
    n_trials: 5
    sampler:
      _target_: optuna.samplers.TPESampler
      seed: 1234
      n_startup_trials: 10
    params:
      model.lr: interval(0.0001, 0.1)
      model.depth: choice(1, 2, 3)
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "loss.py", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=dict(os.environ),
    )


@pytest.fixture
def program(tmp_path: Path) -> Path:
    (tmp_path / "loss.py").write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    return tmp_path


def best_line(done: subprocess.CompletedProcess[str]) -> str:
    return next(line for line in done.stdout.splitlines() if line.startswith("best trial"))


def test_tune_with_sqlite_storage_then_replay_the_best_trial(program: Path) -> None:
    url = f"sqlite:///{program / 'study.db'}"
    args = ["--tune", "4", "model.lr=interval(0, 0.9)", "model.depth=1,2", "--storage", url]
    done = run([*args, "--study", "s1", "--run-dir", "t"], program)
    assert done.returncode == 0, done.stderr
    study = optuna.load_study(study_name="s1", storage=url)
    assert len(study.trials) == 4
    assert {t.number for t in study.trials} == {0, 1, 2, 3}
    best = study.best_trial
    assert f"best trial {best.number}: value {best.value!r}" in best_line(done)
    for trial in study.trials:  # each trial ran in its own directory
        assert (program / "t" / str(trial.number) / "resolved.yaml").exists()
    replay = run(["-C", "t/best.yaml"], program)
    assert replay.returncode == 0, replay.stderr
    lr, depth = best.params["model.lr"], best.params["model.depth"]
    assert f"lr={lr!r} depth={depth!r} kind=a value={best.value!r}" in replay.stdout


def test_tune_maximizes_over_a_choice_range_and_a_log_interval(program: Path) -> None:
    space = ["model.lr=tag(log, interval(0.001, 0.5))", "model.depth=range(1,4)"]
    done = run(["--tune", "3", *space, "model.kind=choice(a,b)", "--direction", "maximize",
                "--run-dir", "t"], program)  # fmt: skip
    assert done.returncode == 0, done.stderr
    best = best_line(done)
    printed = [line for line in done.stdout.splitlines() if line.startswith("lr=")]
    assert len(printed) == 3
    top = max(float(line.split("value=")[1]) for line in printed)
    assert f"value {top!r}" in best


def test_a_failing_trial_is_recorded_and_the_study_goes_on(program: Path) -> None:
    done = run(["--tune", "2", "model.lr=choice(0.99)", "--run-dir", "t"], program)
    assert done.returncode == 1
    assert "no trial completed (2 failed)" in done.stderr
    for n in range(2):  # the second trial ran although the first failed
        assert "RuntimeError: too fast" in (program / "t" / str(n) / "error.txt").read_text()


def test_a_hydra_optuna_sweeper_config_runs_as_written(program: Path) -> None:
    (program / "optuna.yaml").write_text(textwrap.dedent(SWEEPER).lstrip(), encoding="utf-8")
    done = run(["-m", "-C", "optuna.yaml", "--run-dir", "t"], program)
    assert done.returncode == 0, done.stderr
    printed = [line for line in done.stdout.splitlines() if line.startswith("lr=")]
    assert len(printed) == 5  # n_trials from the config
    top = max(float(line.split("value=")[1]) for line in printed)  # direction: maximize
    assert f"value {top!r}" in best_line(done)
    for line in printed:
        lr = float(line.split("lr=")[1].split()[0])
        assert 0.0001 <= lr <= 0.1
        assert line.split("depth=")[1].split()[0] in ("1", "2", "3")
    best = hp.config(str(program / "t" / "best.yaml"))
    assert set(best["model"]) == {"lr", "depth"}
    # `--tune N` and `--direction` on the command line win over the file.
    again = run(["--tune", "2", "-C", "optuna.yaml", "--direction", "minimize",
                 "--run-dir", "u"], program)  # fmt: skip
    assert again.returncode == 0, again.stderr
    printed = [line for line in again.stdout.splitlines() if line.startswith("lr=")]
    assert len(printed) == 2
    low = min(float(line.split("value=")[1]) for line in printed)
    assert f"value {low!r}" in best_line(again)


def test_parallel_trials_share_one_study_in_separate_processes(program: Path) -> None:
    done = run(["--tune", "6", "model.lr=interval(0, 0.9)", "--jobs", "2", "--run-dir", "t"],
               program)  # fmt: skip
    assert done.returncode == 0, done.stderr
    url = f"sqlite:///{program / 't' / 'study.db'}"
    (name,) = optuna.get_all_study_names(storage=url)
    study = optuna.load_study(study_name=name, storage=url)
    assert sorted(t.number for t in study.trials) == list(range(6))
    assert all(t.state == optuna.trial.TrialState.COMPLETE for t in study.trials)
    printed = [line for line in done.stdout.splitlines() if line.startswith("lr=")]
    logged = [
        line
        for line in (program / "t" / "worker-1.log").read_text().splitlines()
        if line.startswith("lr=")
    ]
    assert len(printed) == 3 and len(logged) == 3  # half of the trials in the worker
    assert (program / "t" / "best.yaml").exists()


def test_tune_without_a_space_is_a_usage_error(program: Path) -> None:
    done = run(["--tune", "3"], program)
    assert done.returncode == 2
    assert "search space" in done.stderr and "Traceback" not in done.stderr


def test_a_space_that_does_not_parse_is_a_usage_error(program: Path) -> None:
    done = run(["--tune", "2", "model.lr=interval(1)", "--run-dir", "t"], program)
    assert done.returncode == 2, done.stderr
    assert "model.lr" in done.stderr and "Traceback" not in done.stderr


EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "tune_digits.py"


def test_the_digits_example_tunes_in_two_processes_and_replays_its_best(tmp_path: Path) -> None:
    pytest.importorskip("sklearn")
    space = ["model.C=tag(log, interval(1e-2, 1e2))", "model.gamma=tag(log, interval(1e-4, 1e-1))"]
    args = ["--tune", "4", "--jobs", "2", "--direction", "maximize", *space, "--run-dir", "t"]
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), *args], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    best = float(best_line(done).split("value ")[1].split()[0])
    assert 0.5 < best <= 1.0
    replay = subprocess.run(
        [sys.executable, str(EXAMPLE), "-C", "t/best.yaml"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert replay.returncode == 0, replay.stderr
    assert replay.stdout.startswith(f"accuracy {best:.4f} ")


LIGHTNING = Path(__file__).resolve().parents[1] / "fixtures" / "compose" / "lightning"

COMPOSED = """
import hyperparameter as hp

@hp.param("run")
def main(seed: int = 0) -> float:
    lr = hp.scope.model.optimizer.lr | 0.001
    batch = hp.scope.data.batch_size | 64
    print(f"lr={{lr}} batch={{batch}}")
    return -abs(lr - 0.01) - batch / 1e4

if __name__ == "__main__":
    hp.launch(main, config_dir={config_dir!r}, config_name="train")
"""


def test_the_lightning_template_s_optuna_search_runs_as_written(tmp_path: Path) -> None:
    # The tree's own `hparams_search/mnist_optuna.yaml`, chosen as Hydra users do: its
    # sweeper gives the space, the direction (maximize) and the sampler (TPE, seed 1234).
    (tmp_path / "train.py").write_text(COMPOSED.format(config_dir=str(LIGHTNING)))
    args = ["hparams_search=mnist_optuna", "--tune", "3", "--run-dir", "t"]
    done = subprocess.run(
        [sys.executable, "train.py", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "PROJECT_ROOT": str(tmp_path)},
    )
    assert done.returncode == 0, done.stderr
    printed = [line for line in done.stdout.splitlines() if line.startswith("lr=")]
    assert len(printed) == 3
    values = [
        -abs(float(line.split()[0][3:]) - 0.01) - int(line.split()[1][6:]) / 1e4 for line in printed
    ]
    assert f"value {max(values)!r}" in best_line(done)
    for line in printed:
        assert 0.0001 <= float(line.split()[0][3:]) <= 0.1
        assert line.split()[1][6:] in ("32", "64", "128", "256")
    best = hp.config(str(tmp_path / "t" / "best.yaml"))
    assert set(best["model"]["optimizer"]) == {"lr"} and "batch_size" in best["data"]


BRANCHING = """
import hyperparameter as hp

@hp.param("model")
def loss(lr: float = 0.5, depth: int = 1) -> float:
    extra = hp.scope.model.small | 1 if depth == 1 else hp.scope.model.big | 10
    return lr + depth + extra

if __name__ == "__main__":
    hp.launch(loss)
"""


def test_each_trial_records_its_own_operative_config(tmp_path: Path) -> None:
    (tmp_path / "loss.py").write_text(BRANCHING, encoding="utf-8")
    args = ["--tune", "6", "model.lr=interval(0, 1)", "model.depth=1,2", "--jobs", "2"]
    done = run([*args, "--run-dir", "t"], tmp_path)
    assert done.returncode == 0, done.stderr
    url = f"sqlite:///{tmp_path / 't' / 'study.db'}"
    (name,) = optuna.get_all_study_names(storage=url)
    trials = optuna.load_study(study_name=name, storage=url).trials
    assert sorted(t.number for t in trials) == list(range(6))
    for trial in trials:
        depth = trial.params["model.depth"]
        branch = {"model.small": 1} if depth == 1 else {"model.big": 10}
        read = {
            **{key: (value, f"trial {trial.number}", False) for key, value in trial.params.items()},
            **{key: (value, "default", True) for key, value in branch.items()},
        }
        recorded = trial.user_attrs["hyperparameter.operative_config"]
        assert {
            k: (e["value"], e["source"], e["default_used"]) for k, e in recorded.items()
        } == read
