"""What `tune.optimize` adds to each trial over a bare Optuna objective: sampling through the
space, entering and leaving the trial's scope, recording its values. Target: at most 1 ms.

    python benchmarks/python/bench_tune.py              # 300 trials, best of 5
    python benchmarks/python/bench_tune.py --trials 50 --repeats 3

Both runs use an in-memory study and Optuna's random sampler (its cost does not depend on
the history, unlike TPE's), the same three parameters and an objective reading them; they
alternate, and the best of the repeats is kept for each.
"""

from __future__ import annotations

import argparse
import json
import time

import optuna

import hyperparameter as hp
from hyperparameter import tune

TARGET_MS = 1.0
SPACE = {"train.lr": "interval(0, 1)", "train.layers": "range(1, 5)", "train.act": "a,b"}


def bare(n_trials: int) -> float:
    """Seconds for `n_trials` of an Optuna objective asking the trial itself."""

    def objective(trial: optuna.Trial) -> float:
        lr = trial.suggest_float("train.lr", 0, 1)
        layers = trial.suggest_int("train.layers", 1, 4)
        act = trial.suggest_categorical("train.act", ["a", "b"])
        return lr * layers + (act == "b")

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(0))
    start = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    return time.perf_counter() - start


def tuned(n_trials: int) -> float:
    """Seconds for `n_trials` through `tune.optimize`, the objective reading the scope."""

    def objective() -> float:
        act = hp.scope.train.act | "a"
        return (hp.scope.train.lr | 0.0) * (hp.scope.train.layers | 0) + (act == "b")

    start = time.perf_counter()
    tune.optimize(objective, SPACE, n_trials=n_trials, sampler=optuna.samplers.RandomSampler(0))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trials", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    best_bare = best_tuned = float("inf")
    for _ in range(args.repeats):
        best_bare = min(best_bare, bare(args.trials))
        best_tuned = min(best_tuned, tuned(args.trials))
    per_trial_bare = best_bare / args.trials * 1e3
    per_trial_tuned = best_tuned / args.trials * 1e3
    overhead = per_trial_tuned - per_trial_bare
    print(
        json.dumps(
            {
                "backend": hp.backend_name(),
                "trials": args.trials,
                "bare optuna ms/trial": round(per_trial_bare, 3),
                "tune.optimize ms/trial": round(per_trial_tuned, 3),
                "overhead ms/trial": round(overhead, 3),
                "target ms": TARGET_MS,
            }
        )
    )


if __name__ == "__main__":
    main()
