"""Scoped hyperparameters for Python, on a Rust core.

>>> import hyperparameter as hp
>>> with hp.scope(**{"train.lr": 0.01}):
...     hp.scope.train.lr | 0.1
0.01
>>> hp.scope.train.lr | 0.1
0.1

``hp.scope`` reads and writes the innermost active scope of the running thread or asyncio
task; ``hp.scope(...)`` builds a scope, ``with`` enters it; ``@hp.param`` injects keyword
defaults from it. See ``docs/scopes.md``.
"""

from __future__ import annotations

from hyperparameter import storage as _storage
from hyperparameter.param import auto_param, param
from hyperparameter.scope import make_global as _make_global
from hyperparameter.scope import set_root as _set_root

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from hyperparameter._native import Scope

__all__ = [
    "Config",
    "ConfigError",
    "ConversionError",
    "DefineError",
    "HyperparameterError",
    "KeyCollisionError",
    "KeyFormatError",
    "MissingKeyError",
    "ScopeError",
    "auto_param",
    "backend_name",
    "config",
    "launch",
    "loader",
    "param",
    "param_scope",
    "register_converter",
    "run_cli",
    "scope",
    "set_backend",
]

scope: Scope
if _storage._native is not None:
    scope = _storage._native.scope
else:
    scope = _make_global(_storage.PythonStorage())  # type: ignore[assignment]
_set_root(scope)
param_scope = scope

set_backend = _storage.set_backend
backend_name = _storage.backend_name

_LAZY = {
    "ConversionError": "hyperparameter.errors",
    "DefineError": "hyperparameter.errors",
    "HyperparameterError": "hyperparameter.errors",
    "KeyCollisionError": "hyperparameter.errors",
    "KeyFormatError": "hyperparameter.errors",
    "MissingKeyError": "hyperparameter.errors",
    "ScopeError": "hyperparameter.errors",
    "register_converter": "hyperparameter._convert",
    "launch": "hyperparameter.cli",
    "run_cli": "hyperparameter.cli",
    "Config": "hyperparameter.config",
    "ConfigError": "hyperparameter.errors",
    "config": "hyperparameter.config",
    "loader": "hyperparameter.loader",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hyperparameter' has no attribute {name!r}")
    import importlib

    imported = importlib.import_module(module)
    # `hp.loader` and `hp.config` are modules (`hp.config(...)` calls the module); importing
    # a submodule rebinds the package attribute to it anyway.
    value = imported if name in ("config", "loader") else getattr(imported, name)
    globals()[name] = value
    return value


if TYPE_CHECKING:
    from hyperparameter import loader
    from hyperparameter._convert import register_converter
    from hyperparameter.cli import launch, run_cli
    from hyperparameter.config import Config, config
    from hyperparameter.errors import (
        ConfigError,
        ConversionError,
        DefineError,
        HyperparameterError,
        KeyCollisionError,
        KeyFormatError,
        MissingKeyError,
        ScopeError,
    )
