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

import os as _os
import sys as _sys

from hyperparameter import _backend, _child_snapshot
from hyperparameter import scope as _scope_module
from hyperparameter import storage as _storage
from hyperparameter.operative_config import report
from hyperparameter.param import auto_param, param

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Sequence
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
    "capi_lib",
    "capi_static_lib",
    "clear_resolver",
    "cmake_dir",
    "compose",
    "config",
    "include",
    "instantiate",
    "launch",
    "lib",
    "loader",
    "param",
    "param_scope",
    "register_converter",
    "register_resolver",
    "report",
    "run_cli",
    "scope",
    "set_backend",
]


def _package_version() -> str:
    """The version of the crates and of the wheel (the workspace ``Cargo.toml``): the
    native module's when it is loaded, else the one the build wrote beside this file."""
    if _backend.native is not None:
        version: str = _backend.native.__version__
        return version
    try:
        from hyperparameter._version import version
    except ImportError:
        # A source tree whose native module was never built has no version file either.
        return "0+unknown"
    return version


__version__: str = _package_version()
"""The package's version, e.g. ``"0.1.0"``; ``hp --version`` prints it too."""

scope: Scope = _scope_module.root()
param_scope = scope


def _on_switch(_storage: object) -> None:
    """After ``set_backend``: ``hp.scope`` (and its older name) is the new backend's."""
    global scope, param_scope
    scope = param_scope = _scope_module.root()


_backend.subscribe(_on_switch)

set_backend = _storage.set_backend
backend_name = _storage.backend_name

# Everything is bound eagerly: a module-level `__getattr__` (PEP 562) would stop CPython
# from specialising `hp.scope` attribute loads, which costs ~14 ns on every read. The
# command-line module (argparse) stays unimported until `launch` is called.
from hyperparameter import loader  # noqa: E402
from hyperparameter._compose import compose  # noqa: E402
from hyperparameter._config import Config, clear_resolver, config, register_resolver  # noqa: E402
from hyperparameter._convert import register_converter  # noqa: E402
from hyperparameter._instantiate import instantiate  # noqa: E402
from hyperparameter.errors import (  # noqa: E402
    ConfigError,
    ConversionError,
    DefineError,
    HyperparameterError,
    KeyCollisionError,
    KeyFormatError,
    MissingKeyError,
    ScopeError,
)

# Files for building C and C++ code against this package (docs/cpp.md), computed
# here from the package's location (a few `stat` calls; a module of their own would cost
# more to import than they do).
# * `lib`: the native module's file. It holds the process's one store and exports the C ABI
#   (`hp_*`): a C++ extension loaded into Python links against this file (`-L` its directory,
#   `-l:_native.abi3.so`; CMake: `hyperparameter::python`) and shares Python's scopes. `None`
#   when the package has no native module.
# * `capi_lib`, `capi_static_lib`: the standalone C ABI library, shared
#   (`lib/libhyperparameter_capi.so`, `.dylib`, `hyperparameter_capi.dll`) and static
#   (`lib/libhyperparameter_capi.a`, `hyperparameter_capi.lib`), for programs without Python
#   (CMake: `hyperparameter::hyperparameter`, `hyperparameter::static`). Each holds a store of
#   its own, so neither may be loaded into a Python process: there, link `lib`. `None` when
#   the package has no such file.
# * `include`: the directory holding `hyperparameter.h`; `cmake_dir`: the one holding
#   `hyperparameterConfig.cmake`. Both are copied from `crates/hyperparameter-capi` into the
#   package, and the standalone libraries built into it, when the native module is built by
#   maturin (`crates/hyperparameter-py/build.rs`).
_package_dir = _os.path.dirname(_os.path.abspath(__file__))


def _native_file() -> str | None:
    """The loaded native module's file, else the one an import would load, else ``None``."""
    path: str | None = getattr(_sys.modules.get("hyperparameter._native"), "__file__", None)
    if path:
        return _os.path.abspath(path)
    # The pure-Python backend was chosen, so the module is not loaded: the file next to this
    # one, in the import system's order of suffixes (`importlib.machinery` is loaded at
    # interpreter startup).
    from importlib.machinery import EXTENSION_SUFFIXES

    for suffix in EXTENSION_SUFFIXES:
        candidate = _os.path.join(_package_dir, "_native" + suffix)
        if _os.path.isfile(candidate):
            return candidate
    return None


def _package_file(*names: str) -> str | None:
    """The first of `names` present in the package's `lib` directory, else ``None``."""
    for name in names:
        candidate = _os.path.join(_package_dir, "lib", name)
        if _os.path.isfile(candidate):
            return candidate
    return None


lib: str | None = _native_file()
capi_lib: str | None = _package_file(
    "libhyperparameter_capi.so", "libhyperparameter_capi.dylib", "hyperparameter_capi.dll"
)
capi_static_lib: str | None = _package_file("libhyperparameter_capi.a", "hyperparameter_capi.lib")
include: str = _os.path.join(_package_dir, "include")
cmake_dir: str = _os.path.join(_package_dir, "cmake")


def launch(
    func: Any = None,
    *,
    argv: Sequence[str] | None = None,
    prog: str | None = None,
    strict: bool = False,
) -> Any:
    """Parses the command line for ``func`` (or the ``@hp.param`` functions of the calling
    module), runs it in the resulting scope and returns its result.

    ``argv`` defaults to ``sys.argv[1:]``; ``prog`` names the program in usage and help.
    ``-lps`` and ``-ep`` print and exit with status 0 without running anything; usage errors
    exit with status 2. ``strict=True`` (or ``--strict``) refuses any ``-D`` or config-file
    key no parameter declares. The same function as ``hyperparameter.cli.launch``, imported
    when first called.
    """
    from hyperparameter.cli import launch_from

    return launch_from(func, argv, prog, caller=2, strict=strict)


run_cli = launch

# A process started from one that froze a snapshot starts from it. Last, so that modules
# imported to restore pickled values find this package complete; nothing above reads the
# store, so this thread starts from the snapshot too.
_child_snapshot.adopt(_scope_module.install_snapshot, _scope_module.restart_thread)
