"""Run directories (``--run-dir DIR``): one directory per run holding what it ran with.

The directory is named by a pattern resolved by the core's interpolation, so
``runs/${now:%Y-%m-%d_%H-%M-%S}`` names each run by its start time. It holds:

* ``overrides.txt``: the command line, one argument per line;
* ``resolved.yaml``: the whole merged config of the run's layers, the signature defaults
  of the declared parameters included;
* ``config.yaml``: the config the run operated with, written when the run ends (today the
  values the run's layers set; see :func:`save_operative_config`).

The working directory never changes; ``${hydra:runtime.output_dir}`` and
``${hydra:job.name}`` in a config resolve to the directory and the program's name.
"""

from __future__ import annotations

import json
import math
import os

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Mapping, Sequence

    from hyperparameter.cli import _Layers


def resolve_pattern(pattern: str) -> str:
    """``pattern`` with its ``${...}`` references resolved by the core (``${now:...}``)."""
    import hyperparameter as hp

    return str(hp.config({"dir": pattern})["dir"])


def program_name(prog: str | None) -> str:
    """The job name of a run: the program's file name without its suffix."""
    import sys

    name = prog or os.path.basename(sys.argv[0]) or "python"
    return os.path.splitext(name)[0]


def announce(directory: str, prog: str | None) -> None:
    """Makes ``${hydra:runtime.output_dir}`` and ``${hydra:job.name}`` resolve for this run
    (they must be set before the run's config is interpolated)."""
    from hyperparameter import _native

    _native.set_run_info("runtime.output_dir", os.path.abspath(directory))
    _native.set_run_info("job.name", program_name(prog))


def forget() -> None:
    """Clears what :func:`announce` set, once the run is over."""
    from hyperparameter import _native

    _native.set_run_info("runtime.output_dir", None)
    _native.set_run_info("job.name", None)


def open_run_dir(directory: str, argv: Sequence[str], layers: _Layers) -> None:
    """Creates ``directory`` (and its parents) and writes ``overrides.txt`` and
    ``resolved.yaml`` into it."""
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "overrides.txt"), "w", encoding="utf-8") as out:
        out.writelines(f"{word}\n" for word in argv)
    save_yaml(os.path.join(directory, "resolved.yaml"), resolved_config(layers))


def resolved_config(layers: _Layers) -> dict[str, Any]:
    """The merged config of a run: the declared defaults under what the layers set."""
    merged: dict[str, Any] = {}
    for key, value in layers.defaults:
        put_key(merged, key, value)
    for key, value in layers.values.items():
        put_key(merged, key, value)
    return merged


def save_operative_config(directory: str, layers: _Layers) -> None:
    """Writes ``config.yaml``, the config the run operated with, into ``directory``.

    Today it holds the values the run's layers set; it becomes ``hp.report().save(path)``
    (every value the run read, with its source) once the operative config report lands.
    """
    tree: dict[str, Any] = {}
    for key, value in layers.values.items():
        put_key(tree, key, value)
    save_yaml(os.path.join(directory, "config.yaml"), tree)


def put_key(tree: dict[str, Any], key: str, value: Any) -> None:
    """Sets the dotted ``key`` in the nested ``tree``."""
    *parents, leaf = key.split(".")
    node = tree
    for part in parents:
        child = node.get(part)
        if not isinstance(child, dict):
            child = node[part] = {}
        node = child
    node[leaf] = value


# -- writing YAML ---------------------------------------------------------------------------
def save_yaml(path: str, tree: Mapping[str, Any]) -> None:
    """Writes ``tree`` (nested dicts of plain values) as block YAML, each scalar in a form
    that reads back as the same value and type."""
    lines: list[str] = []
    _mapping_lines(tree, 0, lines)
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n" if lines else "{}\n")


def _mapping_lines(tree: Mapping[str, Any], indent: int, lines: list[str]) -> None:
    pad = " " * indent
    for key, value in tree.items():
        name = _scalar(str(key))
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{name}:")
            _mapping_lines(value, indent + 2, lines)
        else:
            lines.append(f"{pad}{name}: {_flow(value)}")


def _flow(value: Any) -> str:
    """A value in YAML flow style: scalars as JSON (a YAML 1.2 subset), infinities and NaN
    in YAML's own spelling, lists and dicts in brackets."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_scalar(str(k))}: {_flow(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    if isinstance(value, float) and not math.isfinite(value):
        return ".nan" if math.isnan(value) else (".inf" if value > 0 else "-.inf")
    if isinstance(value, (bool, int, float)) or value is None:
        return json.dumps(value)
    return _scalar(str(value))


def _scalar(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)
