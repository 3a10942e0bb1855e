"""``--tune N`` on the command line: an Optuna study over the program.

The search space comes from the sweep words (``lr=interval(1e-4, 0.1)``,
``depth=int(interval(2, 8))``, ``lr=tag(log, interval(1e-4, 0.1))``, ``choice(...)``,
``range(...)``, ``a,b,c``) or, when there are none, from the config's
``hydra.sweeper.params`` (a Hydra Optuna-sweeper config), whose ``direction``,
``n_trials``, ``storage``, ``study_name`` and ``sampler`` (built from its ``_target_``)
apply too; the command line's ``--tune N``, ``--direction``, ``--storage`` and ``--study``
win over them. Each trial is an ordinary run of the program whose values for the tuned
keys are the trial's (above every other layer), in the run directory
``<run dir>/<trial number>/``; its return value is the objective. A trial that fails has
its traceback in ``error.txt`` there and counts as a failed trial.

``--jobs N`` runs the trials in N processes sharing one study (this one and N-1 that
re-run the program's command): the storage is ``--storage`` or, without one, a SQLite file
``study.db`` in the run directory. At the end the best trial is printed and its values
saved as ``best.yaml`` in the run directory, which ``-C best.yaml`` replays.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

from hyperparameter import _multirun, _run_dir

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable, Literal

    from hyperparameter._cli_parser import _Parser
    from hyperparameter.cli import _Layers

WORKER_VARIABLE = "HYPERPARAMETER_TUNE_WORKER"
"""The environment variable telling a process started by ``--tune --jobs N`` its share."""


def wanted(found: _multirun.SweepPlan, layers: _Layers) -> bool:
    """Whether this sweep tunes: ``--tune``, or ``-m`` without sweep words over a config
    holding ``hydra.sweeper.params`` (a Hydra Optuna-sweeper config run as written)."""
    return found.tune is not None or (not found.sweeps and bool(_sweeper(layers).get("params")))


def _sweeper(layers: _Layers) -> dict[str, Any]:
    node = layers.config.to_dict().get("hydra", {})
    sweeper = node.get("sweeper", {}) if isinstance(node, dict) else {}
    return sweeper if isinstance(sweeper, dict) else {}


def run_tune(
    parser: _Parser,
    found: _multirun.SweepPlan,
    layers: _Layers,
    rerun: Callable[[list[str], _multirun.Job], Any],
) -> Any:
    """Runs the study this command line asks for; returns it (``optuna.Study``)."""
    try:
        from hyperparameter import tune
    except ImportError as err:
        parser.error(str(err))
    sweeper = _sweeper(layers)
    if found.sweeps:
        space = {key: text for _, key, text in found.sweeps}
    else:
        from hyperparameter._rules import flatten_into

        params: dict[str, Any] = {}
        for key, value in (sweeper.get("params") or {}).items():
            flatten_into(params, key, value)
        space = {key: str(value) for key, value in params.items()}
    if not space:
        parser.error(
            "--tune needs a search space: sweep words such as lr=interval(0.001,0.1), or a "
            "config with hydra.sweeper.params"
        )
    n_trials = found.tune or sweeper.get("n_trials")
    if not isinstance(n_trials, int) or n_trials < 1:
        parser.error("--tune: give the number of trials (--tune N) or hydra.sweeper.n_trials")
    given = found.direction or sweeper.get("direction") or "minimize"
    if given not in ("minimize", "maximize"):
        parser.error(f"hydra.sweeper.direction: expected minimize or maximize, got {given!r}")
    direction: Literal["minimize", "maximize"] = "maximize" if given == "maximize" else "minimize"
    worker = os.environ.pop(WORKER_VARIABLE, None)
    share = json.loads(worker) if worker else None
    root = share["root"] if share else found.root
    os.makedirs(root, exist_ok=True)
    storage = found.storage or sweeper.get("storage")
    study_name = found.study or sweeper.get("study_name")
    if found.jobs > 1 and not share:
        _multirun.check_rerunnable(parser, found)
        storage = storage or f"sqlite:///{os.path.abspath(os.path.join(root, 'study.db'))}"
        study_name = study_name or f"tune-{os.path.basename(os.path.abspath(root))}"
    if share:
        storage, study_name = share["storage"], share["study"]
    try:
        space_checked = tune.space_distributions(space)
        sampler = _sampler(sweeper.get("sampler"), share["index"] if share else 0)
    except (ValueError, TypeError, ImportError) as err:
        parser.error(f"--tune: {err}")
    objective = _objective(found, root, rerun)
    shares = [n_trials // found.jobs + (i < n_trials % found.jobs) for i in range(found.jobs)]
    if share:
        shares = [share["n_trials"]]
    workers = []
    if len(shares) > 1:
        tune.optimize(
            objective, space_checked, n_trials=0, direction=direction, storage=storage,
            study_name=study_name,
        )  # fmt: skip  # create the study once before the workers join it
        workers = [
            _start_worker(root, storage, study_name, n, index)
            for index, n in enumerate(shares[1:], 1)
            if n
        ]
    study = tune.optimize(
        objective, space_checked, n_trials=shares[0], direction=direction, storage=storage,
        study_name=study_name, sampler=sampler,
    )  # fmt: skip
    if share:
        sys.exit(0)
    failed_workers = [w.wait() for w in workers]
    if any(failed_workers):
        print(f"tune: {sum(1 for c in failed_workers if c)} worker(s) failed", file=sys.stderr)
    _report_best(study, root)
    return study


def _sampler(node: Any, worker: int) -> Any:
    """The sampler a ``hydra.sweeper.sampler`` node describes (``_target_`` and keyword
    arguments), or None for Optuna's default. A seeded sampler in the ``worker``-th process
    of ``--jobs N`` takes the seed plus ``worker``, so the processes do not all sample the
    same values."""
    if not isinstance(node, dict) or "_target_" not in node:
        return None
    import hyperparameter as hp

    if isinstance(node.get("seed"), int) and not isinstance(node["seed"], bool):
        node = {**node, "seed": node["seed"] + worker}

    return hp.instantiate(node)


def _objective(
    found: _multirun.SweepPlan, root: str, rerun: Callable[[list[str], _multirun.Job], Any]
) -> Callable[[Any], float]:
    words = _multirun.job_words(found.words, {})
    swept = {word for word, _, _ in found.sweeps}
    words = [word for word in words if word not in swept]

    def objective(trial: Any) -> float:
        values = [(key, value, f"trial {trial.number}") for key, value in trial.params.items()]
        job = _multirun.Job(os.path.join(root, str(trial.number)), trial.number, values)
        shown = " ".join(f"{key}={value!r}" for key, value, _ in values)
        result = _multirun.run_job(job, shown, lambda: rerun(words, job))
        if result.status != "ok":
            return math.nan  # Optuna records the trial as failed
        try:
            return float(result.value)
        except (TypeError, ValueError):
            with open(os.path.join(job.directory, "error.txt"), "w", encoding="utf-8") as out:
                out.write(f"the objective must return a number, got {result.value!r}\n")
            return math.nan

    return objective


def _start_worker(root: str, storage: str | None, study: str | None, n: int, index: int) -> Any:
    """A process re-running the program's command for ``n`` trials of the study; what its
    trials print goes to ``worker-<index>.log`` in the run directory."""
    share = {"root": root, "storage": storage, "study": study, "n_trials": n, "index": index}
    env = {**os.environ, WORKER_VARIABLE: json.dumps(share)}
    with open(os.path.join(root, f"worker-{index}.log"), "w", encoding="utf-8") as log:
        return subprocess.Popen(_multirun.job_command(), env=env, stdout=log)


def _report_best(study: Any, root: str) -> None:
    """Prints the best trial and saves its values as ``best.yaml`` in ``root``."""
    import optuna

    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    failed = len(study.trials) - len(complete)
    if not complete:
        print(f"tune: no trial completed ({failed} failed); see {root}", file=sys.stderr)
        sys.exit(1)
    best = study.best_trial
    path = os.path.join(root, "best.yaml")
    _run_dir.save_config(
        path, best.params, f"The values of the best trial ({best.number}): -C this file runs them."
    )
    shown = " ".join(f"{key}={value!r}" for key, value in best.params.items())
    print(f"best trial {best.number}: value {best.value!r} with {shown}")
    print(f"tune: {len(complete)} trials complete, {failed} failed; best values in {path}")
