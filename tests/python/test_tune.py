"""`hyperparameter.tune` on real Optuna: the space, trials in scopes (threads too),
pruning, suggesters, SQLite shared by processes, and the import rules of the extra.

The PostgreSQL test is in test_tune_postgres.py; both run worker processes from
shared_study.py."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import optuna
import pytest
from shared_study import check_shared_study

import hyperparameter as hp
from hyperparameter import tune

optuna.logging.set_verbosity(optuna.logging.WARNING)


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )


# -- packaging ------------------------------------------------------------------------------
def test_importing_the_package_does_not_import_optuna() -> None:
    done = run_python("import sys, hyperparameter; print('optuna' in sys.modules)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_importing_tune_without_optuna_says_to_install_the_extra() -> None:
    # `sys.modules[name] = None` makes `import name` fail as if it were not installed.
    done = run_python("import sys\nsys.modules['optuna'] = None\nimport hyperparameter.tune\n")
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert 'pip install "hyperparameter[tune]"' in done.stderr


# -- the space ------------------------------------------------------------------------------
def test_every_space_form_gives_its_optuna_distribution() -> None:
    D = optuna.distributions
    got = tune.space_distributions(
        {
            "a": "interval(0, 1)",
            "b": "int(interval(1, 8))",
            "c": "tag(log, interval(1e-4, 1e-1))",
            "d": "tag(log, int(interval(1, 1024)))",
            "e": "range(1, 10, 3)",
            "f": "range(10, 0, -4)",
            "g": "choice(adam, 'sgd m', 3)",
            "h": "1,2,3",
            "i": "range(0, 1, 0.25)",
            "j": tune.uniform(0, 2, log=False),
            "k": tune.integer(2, 10, step=2),
            "l": tune.choice("x", None, True),
            "m": D.FloatDistribution(1, 2),
        }
    )
    assert got == {
        "a": D.FloatDistribution(0.0, 1.0),
        "b": D.IntDistribution(1, 8),
        "c": D.FloatDistribution(1e-4, 1e-1, log=True),
        "d": D.IntDistribution(1, 1024, log=True),
        "e": D.IntDistribution(1, 7, step=3),
        "f": D.IntDistribution(2, 10, step=4),
        "g": D.CategoricalDistribution(["adam", "sgd m", 3]),
        "h": D.CategoricalDistribution([1, 2, 3]),
        "i": D.FloatDistribution(0.0, 0.75, step=0.25),
        "j": D.FloatDistribution(0.0, 2.0),
        "k": D.IntDistribution(2, 10, step=2),
        "l": D.CategoricalDistribution(["x", None, True]),
        "m": D.FloatDistribution(1, 2),
    }


@pytest.mark.parametrize(
    ("value", "needle"),
    [
        ("interval(1)", "`interval` needs the argument `end`"),
        ("choice(1, 2", "missing `)`"),
        ("0.5", "one value, not a search space"),
        ("glob(*)", "config group options"),
        ("range(3, 3)", "holds no value"),
        ("interval(2, 1)", "interval(2, 1)"),
        ("choice([1, 2], [3])", "options must be None, bool, int, float or str"),
        ("tag(log, choice(1, 2))", "`log` applies to an interval"),
        (5, "expected a sweep string"),
    ],
)
def test_a_bad_space_value_is_an_error_naming_the_key(value: object, needle: str) -> None:
    with pytest.raises(hp.ConfigError, match=r"search space `model\.lr`") as caught:
        tune.optimize(lambda: 0.0, {"model.lr": value}, n_trials=1)  # type: ignore[dict-item]
    assert needle in str(caught.value)
    assert caught.value.key == "model.lr"


def test_a_bad_space_key_is_a_key_error_and_no_trial_runs() -> None:
    ran: list[int] = []
    with pytest.raises(hp.KeyFormatError, match=r"a\.\.b"):
        tune.optimize(lambda: ran.append(1) or 0.0, {"a..b": "1,2"}, n_trials=1)
    assert ran == []
    with pytest.raises(hp.ConfigError, match="options must be"):
        tune.choice([1, 2])


# -- trials ---------------------------------------------------------------------------------
@hp.param("model")
def model_loss(lr: float = 10.0, depth: int = 0, act: str = "none") -> float:
    return lr * depth + (0.5 if act == "tanh" else 0.0)


SPACE = {"model.lr": "interval(0, 1)", "model.depth": "range(1, 4)", "model.act": "relu,tanh"}


def test_each_trial_runs_in_a_scope_holding_its_values() -> None:
    seen: list[dict[str, object]] = []

    def objective() -> float:
        seen.append(
            {
                "model.lr": hp.scope.model.lr | 10.0,
                "model.depth": hp.scope.model.depth | 0,
                "model.act": hp.scope.model.act | "none",
                "outer": hp.scope.outer | "missing",
            }
        )
        return model_loss()

    with hp.scope(outer="kept"):
        study = tune.optimize(
            objective, SPACE, n_trials=4, sampler=optuna.samplers.RandomSampler(0)
        )
        assert hp.scope.outer | "missing" == "kept"
    assert "model.lr" not in hp.scope.current()
    assert len(study.trials) == 4
    for trial, read in zip(study.trials, seen):
        assert read == {**trial.params, "outer": "kept"}
        assert trial.value == pytest.approx(
            model_loss(**{k[6:]: v for k, v in trial.params.items()})
        )
        assert trial.user_attrs[tune.USER_ATTR] == trial.params
    assert study.best_value == min(t.value for t in study.trials)


def test_writes_inside_a_trial_stay_in_the_trial() -> None:
    def objective() -> float:
        hp.scope.written = hp.scope.x | 0.0
        return hp.scope.written | 0.0

    tune.optimize(objective, {"x": "interval(0, 1)"}, n_trials=2)
    assert "written" not in hp.scope.current()


def test_threads_each_trial_isolated_and_seeing_the_callers_scope() -> None:
    mismatches: list[str] = []
    threads: set[int] = set()

    def objective(trial: optuna.Trial) -> float:
        threads.add(threading.get_ident())
        mine = trial.params["x"]
        for _ in range(5):  # interleave with the other worker thread
            time.sleep(0.002)
            if hp.scope.x | -1.0 != mine or hp.scope.base | 0 != 7:
                mismatches.append(f"trial {trial.number} read another value")
        return mine

    with hp.scope(base=7):
        study = tune.optimize(objective, {"x": "interval(0, 1)"}, n_trials=8, n_jobs=2)
    assert mismatches == []
    assert len(study.trials) == 8
    assert threading.get_ident() not in threads
    assert "x" not in hp.scope.current()


def test_pruning_through_the_trial() -> None:
    def objective(trial: optuna.Trial) -> float:
        x = hp.scope.x | 0.0
        for step in range(2):
            trial.report(x + step, step)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return x

    study = tune.optimize(
        objective,
        {"x": "interval(0, 1)"},
        n_trials=10,
        sampler=optuna.samplers.RandomSampler(2),
        pruner=optuna.pruners.ThresholdPruner(upper=1.5),
    )
    states = [t.state.name for t in study.trials]
    # x + 1 > 1.5 at the second step exactly when x > 0.5.
    assert states == ["PRUNED" if t.params["x"] > 0.5 else "COMPLETE" for t in study.trials]
    assert "PRUNED" in states and "COMPLETE" in states
    for trial in study.trials:
        assert trial.user_attrs[tune.USER_ATTR] == trial.params


def test_an_objective_taking_two_arguments_is_refused() -> None:
    with pytest.raises(TypeError, match="takes none, or one: the trial"):
        tune.optimize(lambda a, b: 0.0, {"x": "1,2"}, n_trials=1)


# -- suggesters -----------------------------------------------------------------------------
def test_suggest_from_is_evaluated_by_every_read_and_param() -> None:
    calls = iter(range(1, 100))
    with hp.scope(**{"model.depth": tune.suggest_from(lambda: next(calls))}):
        assert hp.scope.model.depth | 0 == 1
        assert hp.scope.model.depth() == 2
        assert hp.scope.model.depth | "x" == "3"
        assert model_loss(lr=1.0) == 4.0
        assert hp.scope.get("model.depth") == 5


def test_a_suggested_value_that_does_not_convert_is_a_conversion_error() -> None:
    with hp.scope(**{"model.depth": tune.suggest_from(lambda: "deep")}):
        with pytest.raises(hp.ConversionError, match=r"model\.depth"):
            model_loss()


def test_lazy_dispatch_asks_the_optuna_trial_when_read() -> None:
    def objective(trial: optuna.Trial) -> float:
        lazy = tune.lazy_dispatch(trial)
        with hp.scope(
            **{
                "model.lr": lazy.suggest_float("model.lr", 0.0, 1.0),
                "model.depth": lazy.suggest_int("model.depth", 1, 3),
            }
        ):
            assert not trial.params  # nothing asked yet
            value = model_loss()
        assert set(trial.params) == {"model.lr", "model.depth"}
        return value

    study = tune.optimize(objective, {}, n_trials=3)
    for trial in study.trials:
        assert trial.value == pytest.approx(trial.params["model.lr"] * trial.params["model.depth"])


def test_lazy_dispatch_follows_attributes_and_items() -> None:
    class Holder:
        def __init__(self) -> None:
            self.table = {"double": lambda x: 2 * x}

    suggester = tune.lazy_dispatch(Holder()).table["double"](21)
    with hp.scope(answer=suggester):
        assert hp.scope.answer | 0 == 42


# -- storages -------------------------------------------------------------------------------
def test_sqlite_file_study_is_joined_with_load_if_exists(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    tune.optimize(model_loss, SPACE, n_trials=2, storage=url, study_name="s")
    study = tune.optimize(model_loss, SPACE, n_trials=3, storage=url, study_name="s")
    assert len(study.trials) == 5
    again = optuna.load_study(study_name="s", storage=url)
    assert [t.user_attrs[tune.USER_ATTR] for t in again.trials] == [t.params for t in again.trials]
    with pytest.raises(optuna.exceptions.DuplicatedStudyError):
        tune.optimize(
            model_loss, SPACE, n_trials=1, storage=url, study_name="s", load_if_exists=False
        )


def test_worker_processes_share_one_sqlite_study(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    per_pid = check_shared_study(url, "shared", workers=3, n_trials=4)
    print(json.dumps({"sqlite trials per worker": sorted(per_pid.values())}))


# -- each trial's operative config ----------------------------------------------------------
def test_each_trial_records_its_own_reads_in_threads() -> None:
    together = threading.Barrier(2, timeout=10)
    threads: set[int] = set()

    def objective(trial: optuna.Trial) -> float:
        threads.add(threading.get_ident())
        x = hp.scope.model.x | 0.0
        if trial.number < 2:
            together.wait()  # the first two trials read at the same time, in two threads
        own = hp.scope.own[f"t{trial.number}"] | trial.number
        shared = hp.scope.shared.k | "s"
        if trial.number < 2:
            together.wait()
        return x + own + len(shared)

    study = tune.optimize(
        objective,
        {"model.x": "interval(0, 1)"},
        n_trials=6,
        n_jobs=2,
        sampler=optuna.samplers.RandomSampler(0),
    )
    assert len(threads) == 2
    assert len(study.trials) == 6
    for trial in study.trials:
        assert trial.user_attrs[tune.OPERATIVE_ATTR] == {
            "model.x": {
                "value": trial.params["model.x"],
                "source": "unknown source",
                "default_used": False,
            },
            f"own.t{trial.number}": {
                "value": trial.number,
                "source": "default",
                "default_used": True,
            },
            "shared.k": {"value": "s", "source": "default", "default_used": True},
        }
        assert trial.user_attrs[tune.USER_ATTR] == trial.params


def test_the_operative_config_of_a_failed_trial_is_recorded() -> None:
    def objective() -> float:
        hp.scope.before.fail | 1
        raise RuntimeError("boom")

    storage = optuna.storages.InMemoryStorage()
    with pytest.raises(RuntimeError, match="boom"):
        tune.optimize(objective, {"x": "1,2"}, n_trials=1, storage=storage, study_name="f")
    (trial,) = optuna.load_study(study_name="f", storage=storage).trials
    assert trial.state == optuna.trial.TrialState.FAIL
    assert trial.user_attrs[tune.OPERATIVE_ATTR] == {
        "before.fail": {"value": 1, "source": "default", "default_used": True}
    }
