"""Tuning on Optuna: run an objective over a search space, each trial in its own scope.

>>> import hyperparameter as hp
>>> from hyperparameter import tune
>>> @hp.param("model")
... def loss(lr: float = 0.5, depth: int = 1) -> float:
...     return (lr - 0.1) ** 2 + depth
>>> study = tune.optimize(loss, {"model.lr": "interval(0, 1)", "model.depth": "1,2"},
...                       n_trials=5)
>>> len(study.trials)
5

:func:`optimize` creates (or loads) an ``optuna.Study`` and runs ``n_trials`` trials. Each
trial samples a value for every key of the space, enters a scope holding them, calls the
objective inside it and leaves it, so ``@hp.param`` functions and ``hp.scope.x | d`` reads
see the trial's values and the caller's scope is never changed. The space takes
:func:`uniform`, :func:`integer`, :func:`choice` (Optuna distributions), or the sweep
strings of the command line (``interval(lo, hi)``, ``int(interval(lo, hi))``,
``tag(log, interval(lo, hi))``, ``range(a, b[, step])``, ``choice(a, b)``, ``a,b,c``), which
the Rust core parses. The guide is ``docs/tuning.md``.

Optuna is an optional dependency (``pip install "hyperparameter[tune]"``); importing this
module without it raises ``ImportError`` saying so.
"""

from __future__ import annotations

import inspect
import json
import threading
import time
from collections.abc import Callable, Mapping
from operator import getitem
from typing import Any, Literal, Union

try:
    import optuna
except ImportError as _err:  # pragma: no cover - exercised in a subprocess without Optuna
    raise ImportError(
        "hyperparameter.tune runs on Optuna, which is not installed: install the extra with "
        '`pip install "hyperparameter[tune]"` (or `pip install "optuna>=3"`)'
    ) from _err

from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

import hyperparameter as hp
from hyperparameter._rules import validate_key
from hyperparameter._suggest import Suggester
from hyperparameter.errors import ConfigError
from hyperparameter.operative_config import Report, _for_file

__all__ = [
    "OPERATIVE_ATTR",
    "USER_ATTR",
    "Suggester",
    "choice",
    "integer",
    "lazy_dispatch",
    "optimize",
    "space_distributions",
    "suggest_from",
    "uniform",
]

SpaceValue = Union[str, BaseDistribution]
"""One value of a search space: a sweep string or an Optuna distribution."""

USER_ATTR = "hyperparameter.config"
"""The user attribute of each trial holding its values (a dict of dotted keys)."""

OPERATIVE_ATTR = "hyperparameter.operative_config"
"""The user attribute of each trial holding its operative config: every key the trial read
(in its own thread, while its objective ran), as ``{"value": ..., "source": ...,
"default_used": ...}`` by dotted key, the first read's result as ``hp.report()`` gives it."""

SQLITE_TIMEOUT_SECONDS = 60.0
"""How long a SQLite connection waits for another process's lock before failing."""

_OPEN_ATTEMPTS = 5
"""How many times a database URL is opened before its error is raised (see _open_storage)."""

_CATEGORY_TYPES = (type(None), bool, int, float, str)


# -- the space ------------------------------------------------------------------------------
def uniform(lo: float, hi: float, log: bool = False) -> FloatDistribution:
    """A float between ``lo`` and ``hi`` (both included), sampled on a log scale with
    ``log=True``."""
    return FloatDistribution(float(lo), float(hi), log=log)


def integer(lo: int, hi: int, step: int = 1, log: bool = False) -> IntDistribution:
    """An int from ``lo`` to ``hi`` (both included) by ``step``, on a log scale with
    ``log=True`` (then ``step`` must be 1)."""
    return IntDistribution(lo, hi, log=log, step=step)


def choice(*options: Any) -> CategoricalDistribution:
    """One of ``options``: each ``None``, a bool, an int, a float or a str (what a study
    stored in a database can record)."""
    if not options:
        raise ValueError("choice() needs at least one option")
    _check_options("choice()", options)
    return CategoricalDistribution(options)


def _check_options(
    where: str, options: tuple[Any, ...] | list[Any], key: str | None = None
) -> None:
    for option in options:
        if not isinstance(option, _CATEGORY_TYPES):
            raise ConfigError(
                f"{where}: the option {option!r} is a {type(option).__name__}; options must "
                "be None, bool, int, float or str",
                key=key,
            )


def space_distributions(space: Mapping[str, SpaceValue]) -> dict[str, BaseDistribution]:
    """The Optuna distribution of every key of ``space``, checked: a key that breaks the
    key rules, a string that is not a sweep or does not parse, or a value of another kind is
    an error naming the key (``ConfigError``, ``KeyFormatError``)."""
    out: dict[str, BaseDistribution] = {}
    for key, value in space.items():
        validate_key(key)
        if isinstance(value, BaseDistribution):
            out[key] = value
        elif isinstance(value, str):
            out[key] = _parse_sweep(key, value)
        else:
            raise ConfigError(
                f"search space `{key}`: expected a sweep string such as 'interval(0, 1)' or "
                f"'a,b,c', or tune.uniform/integer/choice, got {type(value).__name__} "
                f"{value!r}",
                key=key,
            )
    return out


def _parse_sweep(key: str, text: str) -> BaseDistribution:
    from hyperparameter import _native

    where = f"search space `{key}`"
    try:
        sweep = _native.parse_sweep(text)
    except ConfigError as err:
        raise ConfigError(f"{where}: {err}", key=key) from None
    kind = sweep["kind"]
    tags = sweep.get("tags", [])
    try:
        if kind == "choice":
            if "log" in tags:
                raise ValueError("`log` applies to an interval, not to a choice")
            _check_options(where, sweep["options"], key)
            return CategoricalDistribution(sweep["options"])
        if kind == "range":
            return _range_distribution(sweep, tags)
        if kind == "interval":
            low, high, log = sweep["low"], sweep["high"], "log" in tags
            if sweep["integer"] or "int" in tags:
                return IntDistribution(int(low), int(high), log=log)
            return FloatDistribution(float(low), float(high), log=log)
    except ConfigError:
        raise
    except ValueError as err:
        raise ConfigError(f"{where}: {text!r}: {err}", key=key) from None
    what = (
        "glob(...) selects config group options, which cannot be tuned"
        if kind == "glob"
        else "it is one value, not a search space"
    )
    raise ConfigError(
        f"{where}: {text!r}: {what} (write interval(lo, hi), int(interval(lo, hi)), "
        "tag(log, interval(lo, hi)), range(a, b), choice(a, b) or a,b,c)",
        key=key,
    )


def _range_distribution(sweep: Mapping[str, Any], tags: list[str]) -> BaseDistribution:
    """``range(start, stop, step)`` as the distribution over exactly the values it takes."""
    start, last, step = sweep["start"], sweep["last"], sweep["step"]
    if last is None:
        raise ValueError("the range holds no value")
    if "log" in tags:
        raise ValueError("`log` applies to an interval, not to a range")
    low, high = (start, last) if step > 0 else (last, start)
    if all(isinstance(n, int) for n in (start, last, step)):
        return IntDistribution(low, high, step=abs(step))
    return FloatDistribution(float(low), float(high), step=float(abs(step)))


def _suggest(trial: optuna.Trial, key: str, distribution: BaseDistribution) -> Any:
    """The trial's value for ``key`` (through Optuna's public ``suggest_*`` methods)."""
    if isinstance(distribution, FloatDistribution):
        return trial.suggest_float(
            key, distribution.low, distribution.high, step=distribution.step, log=distribution.log
        )
    if isinstance(distribution, IntDistribution):
        return trial.suggest_int(
            key, distribution.low, distribution.high, step=distribution.step, log=distribution.log
        )
    if isinstance(distribution, CategoricalDistribution):
        return trial.suggest_categorical(key, distribution.choices)
    raise ConfigError(
        f"search space `{key}`: unsupported distribution {type(distribution).__name__}", key=key
    )


# -- running trials -------------------------------------------------------------------------
def _takes_trial(objective: Callable[..., Any]) -> bool:
    """Whether ``objective`` has a parameter without default that takes the trial."""
    try:
        signature = inspect.signature(objective)
    except (TypeError, ValueError):  # a builtin or C callable without a signature
        return False
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    required = [
        p
        for p in signature.parameters.values()
        if p.kind in kinds and p.default is inspect.Parameter.empty
    ]
    if len(required) > 1:
        raise TypeError(
            f"the objective {getattr(objective, '__name__', objective)!r} takes "
            f"{len(required)} arguments without defaults; it takes none, or one: the trial"
        )
    return len(required) == 1


def _trial_record(values: dict[str, Any]) -> dict[str, Any]:
    """What a trial stores under :data:`USER_ATTR` once its objective has returned (or
    raised): its values, by dotted key. The one place that decides what a trial records,
    called inside the trial's thread after its scope is left."""
    return dict(values)


def _operative_record(report: Report) -> dict[str, dict[str, Any]]:
    """A trial's reads as :data:`OPERATIVE_ATTR` holds them: plain JSON values (a database
    storage keeps user attributes as JSON; an object that is none is kept as its text)."""
    return {
        key: {
            "value": json.loads(json.dumps(_for_file(entry.value), default=str)),
            "source": entry.source,
            "default_used": entry.default_used,
        }
        for key, entry in report.items()
    }


def _open_storage(storage: str | optuna.storages.BaseStorage | None) -> Any:
    """``storage`` for ``optuna.create_study``. A URL is opened here: SQLite connections wait
    for other processes' locks instead of failing with "database is locked", and when
    several processes open a new database at once (each creating the tables), the ones that
    lose the race open it again once the tables are there."""
    if not isinstance(storage, str):
        return storage
    import sqlalchemy.exc

    engine_kwargs: dict[str, Any] = {}
    if storage.startswith("sqlite:"):
        engine_kwargs["connect_args"] = {"timeout": SQLITE_TIMEOUT_SECONDS}
    for attempt in range(1, _OPEN_ATTEMPTS):
        try:
            return optuna.storages.RDBStorage(storage, engine_kwargs=engine_kwargs)
        except sqlalchemy.exc.SQLAlchemyError:
            time.sleep(0.05 * attempt)
    return optuna.storages.RDBStorage(storage, engine_kwargs=engine_kwargs)


def optimize(
    objective: Callable[..., float],
    space: Mapping[str, SpaceValue],
    *,
    n_trials: int,
    direction: Literal["minimize", "maximize"] | optuna.study.StudyDirection = "minimize",
    storage: str | optuna.storages.BaseStorage | None = None,
    study_name: str | None = None,
    sampler: optuna.samplers.BaseSampler | None = None,
    n_jobs: int = 1,
    load_if_exists: bool = True,
    pruner: optuna.pruners.BasePruner | None = None,
) -> optuna.Study:
    """Runs ``n_trials`` trials of ``objective`` over ``space`` and returns the study.

    Each trial samples a value for every key of ``space`` and calls the objective inside a
    scope holding them (over the caller's view, also in Optuna's worker threads when
    ``n_jobs > 1``; each trial has its own scope). The objective returns the value to
    minimize (or maximize, ``direction="maximize"``). It takes no argument, or one: the
    ``optuna.Trial``, for ``trial.report(value, step)`` and ``trial.should_prune()``
    (raise ``optuna.TrialPruned``) — any callable with exactly one parameter without a
    default receives the trial. The trial's values are also stored in its user attribute
    :data:`USER_ATTR`, and what it read (its operative config: the keys its objective read
    in the trial's thread, with value and source) in :data:`OPERATIVE_ATTR`.

    ``storage`` is ``None`` (in memory), an Optuna storage or a database URL:
    ``sqlite:///study.db`` for several processes on one machine, ``postgresql://...`` for
    many machines; with ``load_if_exists`` a run joins the study ``study_name`` if it is
    already there. ``sampler`` is an Optuna sampler (TPE by default), ``pruner`` an Optuna
    pruner (the median pruner by default); neither is stored with the study, so every
    process joining it passes its own.
    """
    distributions = space_distributions(space)
    pass_trial = _takes_trial(objective)
    caller = threading.get_ident()
    # Optuna's worker threads start from the frozen global snapshot: they enter the
    # caller's view first, so a trial sees the same values in any thread.
    caller_view = hp.scope.to_dict() if n_jobs != 1 else {}

    def run_trial(trial: optuna.Trial) -> float:
        values = {key: _suggest(trial, key, d) for key, d in distributions.items()}
        overrides = values if threading.get_ident() == caller else {**caller_view, **values}
        try:
            with hp.report.collect() as reads, hp.scope(overrides):
                value = objective(trial) if pass_trial else objective()
            return value
        finally:
            trial.set_user_attr(USER_ATTR, _trial_record(values))
            trial.set_user_attr(OPERATIVE_ATTR, _operative_record(reads.report))

    study = optuna.create_study(
        storage=_open_storage(storage),
        sampler=sampler,
        pruner=pruner,
        study_name=study_name,
        direction=direction,
        load_if_exists=load_if_exists,
    )
    study.optimize(run_trial, n_trials=n_trials, n_jobs=n_jobs)
    return study


# -- suggesters -----------------------------------------------------------------------------
def suggest_from(callback: Callable[[], Any]) -> Suggester:
    """A value that every read evaluates: stored under a key, each read of it (and each
    ``@hp.param`` parameter taking it) calls ``callback()`` and reads its result.

    >>> import itertools
    >>> counter = itertools.count(1)
    >>> with hp.scope(**{"run.seed": suggest_from(lambda: next(counter))}):
    ...     hp.scope.run.seed | 0, hp.scope.run.seed | 0
    (1, 2)
    """
    return Suggester(callback)


class LazyDispatch:
    """An object whose method calls are deferred: ``lazy.a.b(*args)`` (or
    ``lazy.a[i](*args)``) returns a :class:`Suggester` that makes the call on the wrapped
    object each time it is read. Built by :func:`lazy_dispatch`."""

    __slots__ = ("_hp_index", "_hp_path", "_hp_target")

    def __init__(self, target: Any, path: tuple[str, ...] = (), index: Any = None) -> None:
        self._hp_target = target
        self._hp_path = path
        self._hp_index = index

    def __getattr__(self, name: str) -> LazyDispatch:
        if name.startswith("__"):
            raise AttributeError(name)
        return LazyDispatch(self._hp_target, (*self._hp_path, name), self._hp_index)

    def __getitem__(self, index: Any) -> LazyDispatch:
        return LazyDispatch(self._hp_target, self._hp_path, index)

    def __call__(self, *args: Any, **kwargs: Any) -> Suggester:
        target, path, index = self._hp_target, self._hp_path, self._hp_index

        def call() -> Any:
            method = target
            for name in path:
                method = getattr(method, name)
            if index is not None:
                method = getitem(method, index)
            return method(*args, **kwargs)

        return Suggester(call)

    def __repr__(self) -> str:
        return f"lazy_dispatch({self._hp_target!r}){''.join('.' + n for n in self._hp_path)}"


def lazy_dispatch(target: Any) -> LazyDispatch:
    """Wraps ``target`` so that calling its methods gives suggesters instead of results:
    ``lazy_dispatch(trial).suggest_float("lr", 1e-4, 1e-1, log=True)`` is a value that asks
    the Optuna trial when a read or an ``@hp.param`` function needs it."""
    return LazyDispatch(target)
