"""Run directories (``--run-dir DIR``): one directory per run holding what it ran with.

The directory is named by a pattern resolved by the core's interpolation, so
``runs/${now:%Y-%m-%d_%H-%M-%S}`` names each run by its start time. It holds:

* ``overrides.txt``: the command line, one argument per line;
* ``resolved.yaml``: the whole merged config of the run's layers, the signature defaults
  of the declared parameters included;
* ``config.yaml``: the operative config, every value the run read with its source
  (``hp.report()``), written when the run ends; ``-C config.yaml`` runs with the same values.

The working directory never changes; ``${hydra:runtime.output_dir}`` and
``${hydra:job.name}`` in a config resolve to the directory and the program's name.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable, Mapping, Sequence

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
    save_config(
        os.path.join(directory, "resolved.yaml"),
        resolved_config(layers),
        "The whole merged config of a run: the declared parameters' defaults under what its\n"
        "layers set (config files, -D items and key=value words, options).",
    )


def resolved_config(layers: _Layers) -> dict[str, Any]:
    """The merged config of a run, as dotted keys: the declared defaults under what the
    layers set."""
    merged: dict[str, Any] = dict(layers.defaults)
    merged.update(layers.values)
    return merged


def save_operative_config(path: str) -> None:
    """Writes the operative config, every value the run read with its source
    (``hp.report().save``), to ``path``; see :func:`_write_leaving_out` for what cannot be
    written."""
    import hyperparameter as hp
    from hyperparameter.operative_config import Report

    _write_leaving_out(path, dict(hp.report().items()), lambda kept: Report(kept).save(path))


def _write_leaving_out(
    path: str, entries: dict[str, Any], write: Callable[[dict[str, Any]], object]
) -> None:
    """Calls ``write`` with ``entries``, less each key the core's writer refuses (a value no
    config file can hold, or a key that holds a value and has keys below it), with one
    warning on stderr naming them: the run's result stands whatever its files hold."""
    import sys

    from hyperparameter.errors import ConversionError

    kept = dict(entries)
    left_out: list[str] = []
    reasons: list[str] = []
    while True:
        try:
            write(kept)
            break
        except ConversionError as err:
            if err.key is None or err.key not in kept:
                print(f"warning: {path} was not written: {err}", file=sys.stderr)
                return
            left_out.append(err.key)
            reasons.append(f"{err.key} ({err.reason})")
            del kept[err.key]
    if left_out:
        print(f"warning: {path} leaves out {'; '.join(reasons)}", file=sys.stderr)


def _item(key: str, value: Any) -> tuple[str, Any, str | None]:
    """A ``(key, value, comment)`` item for the core's writer: enums, paths and tuples as
    config files hold them; an object no config file can hold written as its text, with a
    comment saying so."""
    from hyperparameter.operative_config import _for_file

    plain = _for_file(value)
    if _writable(plain):
        return key, plain, None
    return key, str(value), f"a {type(value).__name__}, written as its text"


def _writable(value: Any) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, list):
        return all(_writable(item) for item in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _writable(v) for k, v in value.items())
    return False


def save_config(path: str, values: Mapping[str, Any], header: str) -> None:
    """Writes ``values`` (dotted keys) as a config file in ``path``'s format (YAML, TOML or
    JSON by extension) under the comment ``header``, by the core's writer, so ``-C path``
    reads back every value and type (see :func:`_write_leaving_out` for what cannot be)."""
    from hyperparameter import _native

    def write(kept: dict[str, Any]) -> None:
        items = [_item(key, value) for key, value in kept.items()]
        text = _native.render_config(path, items, header)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)

    _write_leaving_out(path, dict(values), write)
