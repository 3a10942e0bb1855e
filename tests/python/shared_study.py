"""Worker processes sharing one study, and the check of what they recorded.

`python shared_study.py STORAGE_URL STUDY N_TRIALS` is one worker: it runs `tune.optimize`
for N_TRIALS trials against the study, as each machine of a distributed run would. The
objective records in the trial what it read (through an `@hp.param` function and an
`hp.scope` read) and the worker's pid. `python shared_study.py -C FILE` runs the loss once
with the values of a config file and prints its value. :func:`check_shared_study` starts
several workers and checks that every trial saw its own values, recorded them as its
operative config, and that no trial was lost or run twice; then that the best trial's
operative config, saved and run with `-C`, gives the best value again.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile

import optuna

import hyperparameter as hp
from hyperparameter import tune
from hyperparameter.operative_config import Report, ReportEntry

SPACE = {
    "model.lr": "tag(log, interval(1e-4, 1e-1))",
    "model.depth": "range(1, 5)",
    "model.act": "relu,tanh",
}


@hp.param("model")
def loss(lr: float = 1.0, depth: int = 0, act: str = "none") -> float:
    return lr * depth + (0.5 if act == "tanh" else 0.0)


def objective(trial: optuna.Trial) -> float:
    seen = {"model.lr": hp.scope.model.lr | 1.0, "model.depth": hp.scope.model.depth | 0}
    seen["model.act"] = hp.scope.model.act | "none"
    trial.set_user_attr("seen", seen)
    trial.set_user_attr("pid", os.getpid())
    return loss()


def check_shared_study(url: str, name: str, workers: int, n_trials: int) -> dict[int, int]:
    """Runs `workers` worker processes on one study and checks every trial; returns the
    number of trials each process ran, by pid."""
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, url, name, str(n_trials)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(workers)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert "database is locked" not in err
    study = optuna.load_study(study_name=name, storage=url)
    trials = study.trials
    assert len(trials) == workers * n_trials
    assert sorted(t.number for t in trials) == list(range(workers * n_trials))
    per_pid: dict[int, int] = {}
    for trial in trials:
        assert trial.state == optuna.trial.TrialState.COMPLETE
        assert trial.user_attrs[tune.USER_ATTR] == trial.params
        assert trial.user_attrs["seen"] == trial.params
        pid = trial.user_attrs["pid"]
        per_pid[pid] = per_pid.get(pid, 0) + 1
        recorded = trial.user_attrs[tune.OPERATIVE_ATTR]
        assert recorded == {
            key: {"value": value, "source": "unknown source", "default_used": False}
            for key, value in trial.params.items()
        }
    assert sorted(per_pid.values()) == [n_trials] * workers
    check_replay(study.best_trial)
    return per_pid


def check_replay(best: optuna.trial.FrozenTrial) -> None:
    """Saves the best trial's operative config and checks that `-C` it gives its value."""
    entries = {
        key: ReportEntry(read["value"], read["source"], read["default_used"])
        for key, read in best.user_attrs[tune.OPERATIVE_ATTR].items()
    }
    with tempfile.TemporaryDirectory() as directory:
        path = Report(entries).save(os.path.join(directory, "best.yaml"))
        done = subprocess.run(
            [sys.executable, __file__, "-C", path], capture_output=True, text=True, timeout=120
        )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"value {best.value!r}"


def replay() -> float:
    """The loss of the values given on the command line, printed."""
    value = loss()
    print(f"value {value!r}")
    return value


def main() -> None:
    if sys.argv[1].startswith("-"):
        hp.launch(replay)
        return
    url, study_name, n_trials = sys.argv[1], sys.argv[2], int(sys.argv[3])
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    tune.optimize(objective, SPACE, n_trials=n_trials, storage=url, study_name=study_name)


if __name__ == "__main__":
    main()
