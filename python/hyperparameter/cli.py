"""``hp.launch``: a command line built from ``@hp.param`` functions.

The parameters of a decorated function become options (``--lr 0.1``, ``--batch-size=64``,
``--amp/--no-amp``); parameters without a default become positional arguments. Besides
them every program gets ``-D/--define key=value``, ``-C/--config FILE``, ``--strict``,
``-lps/--list-params`` and ``-ep/--explain-param [KEY]``; ``-D`` and ``-C`` take several
items or files after one flag, and a bare ``key=value`` word is a ``-D`` item too. With
several public decorated functions in the calling module each one is a subcommand (one per
name, the later definition winning).

The values of a run are built by the core's one layering (``_native.layer_run``, see
``hyperparameter::layers``), lowest first: the signature defaults of every declared
parameter (visible to ``${...}`` only), config files (in order), ``-D`` items and bare
words (in order), then the options given. They are interpolated once, together, and each
keeps its source (``--epochs``, ``-D train.epochs=5``, ``config.yaml:11:7``). The layering
returns plain data (a config tree, the chain of values each key shadows, the undeclared
keys), which this module enters with ``hp.scope(...)`` over the scope around ``launch``,
so both scope backends record the same sources. That scope is frozen before the function
runs so threads it starts see the same values.

Help, errors and listing are :mod:`argparse`'s (see ``_cli_parser`` and ``_cli_listing``):
a bad value, a malformed ``-D`` item, a bad reference, a misspelled key or an unknown
option ends the program with status 2 and a one-line message naming what it is about and
where it came from, never a traceback; so does a read in the program, in any function, of
a command-line value that does not convert.
"""

from __future__ import annotations

import sys

from hyperparameter._cli_parser import (
    _build_parser,
    _entry_name,
    _flag_of,
    _listing_requested,
    _Option,
    _options_of,
    _Parser,
    _split_groups,
    _suggest,
)

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable, Sequence

    from hyperparameter._config import Config
    from hyperparameter._native import LayeredRun
    from hyperparameter.errors import ConversionError
    from hyperparameter.param import ParamFunction

__all__ = ["launch", "run_cli"]


# -- the layers of a run -------------------------------------------------------------------
class _Layers:
    """A run's values as the core layered them: the run (for chains), the config tree of
    the values some layer set, and each value with its source by dotted key."""

    def __init__(self, run: LayeredRun) -> None:
        from hyperparameter._config import Config

        tree = run.tree()
        self.run = run
        self.config: Config = Config(tree.to_python(), tree)
        self.values: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        for key, value, source in tree.entries():
            self.values[key] = value
            self.sources[key] = source

    def scope(self) -> Any:
        """A context manager entering these values with their sources."""
        import hyperparameter as hp

        return hp.scope(self.config)


def _load_layers(
    parser: _Parser,
    entries: list[ParamFunction],
    chosen: list[_Option],
    words: tuple[list[str], list[str]],
    given: list[tuple[_Option, Any, str]],
    strict: bool,
) -> _Layers:
    """The core's layering of this run: the defaults of every declared parameter (the
    chosen command's last, so they win for a key declared twice), ``words`` (the config
    files and the ``key=value`` items), the options ``given``."""
    from hyperparameter._config import _native_module
    from hyperparameter.errors import HyperparameterError

    declared = [opt for entry in entries for opt in _options_of(entry) if opt.key]
    defaults = [(opt.key, opt.default) for opt in (*declared, *chosen) if opt.key]
    options = [(opt.key, value, flag) for opt, value, flag in given if opt.key is not None]
    configs, defines = words
    try:
        run = _native_module().layer_run(defaults, [], configs, defines, options, strict)
    except (HyperparameterError, OSError, ValueError) as err:
        parser.error(_tree_error(str(err), configs, defines))
    return _Layers(run)


def _tree_error(message: str, configs: list[str], defines: list[str]) -> str:
    """The message for layers that do not build, labelled by what it is about: a ``-D``
    item's own error names the item (and a close key for a missing reference); anything
    else is about the config files."""
    item = next((item for item in reversed(defines) if message.startswith(f"-D {item}:")), None)
    if item is None:
        return f"argument -C/--config: {message}"
    import re

    missing = re.search(r"missing key `([^`]+)`", message)
    if missing:
        from hyperparameter._rules import parse_define

        own = parse_define(item)[0]  # the item cannot refer to itself
        keys = [key for key in _tree_keys(configs, defines) if key != own]
        hint = _suggest(missing.group(1), keys)
        if hint:
            message += f"; did you mean {hint}?"
    return message


def _tree_keys(configs: list[str], defines: list[str]) -> list[str]:
    """The keys the merged tree would have with every ``-D`` reference left as text (to
    suggest a close one); the items' own keys alone when the files do not load."""
    from hyperparameter._config import config as load_config

    escaped = [item.replace("${", "$${") for item in defines]
    try:
        return list(load_config(*configs, overrides=escaped).to_dict(nested=False))
    except (ImportError, OSError, ValueError):
        from hyperparameter._rules import parse_define

        return [parse_define(item)[0] for item in defines]


def _check_types(parser: _Parser, options: list[_Option], layers: _Layers) -> None:
    """A ``-D`` or config value the function could not take is a usage error, not a crash."""
    for option in options:
        if option.key is None or option.key not in layers.values:
            continue
        source = layers.sources[option.key]
        try:
            option.convert(layers.values[option.key], source)
        except (TypeError, ValueError):
            parser.error(
                f"{source}: invalid value {layers.values[option.key]!r} for {option.key}: "
                f"expected {option.type_name()}"
            )


def _caller_entries(func: Any, depth: int) -> list[ParamFunction]:
    from hyperparameter.param import param, registered

    entries = registered()
    if func is not None:
        for entry in entries:
            if entry.function is func:
                return [entry]
        param(func)
        return [registered()[-1]]
    module = sys._getframe(depth).f_globals.get("__name__")
    # The public functions of the module, one per name: a later definition replaces an
    # earlier one of the same name (two test methods each defining `foo`), as rebinding a
    # name does; names starting with `_` are private, not commands.
    by_name: dict[str, ParamFunction] = {}
    private: list[str] = []
    for entry in entries:
        if entry.module != module:
            continue
        name = _entry_name(entry)
        if name.startswith("_"):
            private.append(name)
            continue
        by_name[name] = entry
    if not by_name:
        where = f"module {module!r}"
        if private:
            raise RuntimeError(
                f"hp.launch() found no public @hp.param function in {where} (names starting "
                f"with `_` are not commands: {', '.join(private)}); pass one explicitly: "
                f"hp.launch({private[0]})"
            )
        raise RuntimeError(
            f"hp.launch() found no @hp.param function in {where}; "
            "decorate one or pass it: hp.launch(main)"
        )
    return list(by_name.values())


def launch(
    func: Callable[..., Any] | None = None,
    *,
    argv: Sequence[str] | None = None,
    prog: str | None = None,
    strict: bool = False,
) -> Any:
    """Parses the command line for ``func`` (or the ``@hp.param`` functions of the calling
    module), runs it in the resulting scope and returns its result.

    ``argv`` defaults to ``sys.argv[1:]``; ``prog`` names the program in usage and help
    (default: the script's name). ``-lps`` and ``-ep`` print and exit with status 0 without
    running anything; usage errors exit with status 2. A ``-D`` or config-file key that no
    parameter declares but that is close to a declared one is such an error; with
    ``strict=True`` (or ``--strict``) any undeclared key is.
    """
    return launch_from(func, argv, prog, caller=2, strict=strict)


def launch_from(
    func: Callable[..., Any] | None,
    argv: Sequence[str] | None,
    prog: str | None,
    caller: int,
    strict: bool = False,
) -> Any:
    """:func:`launch`, with the calling module looked up ``caller`` frames above this one
    (so a wrapper such as ``hp.launch`` can pass its own caller on)."""
    import hyperparameter as hp

    entries = _caller_entries(func, caller + 1)
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser, options = _build_parser(entries, prog, _listing_requested(args_list))
    namespace = vars(parser.parse_command_line(_split_groups(args_list)))
    names = {alias: name for name in options for alias in (name, name.replace("_", "-"))}
    command: str | None = names.get(str(namespace.get("command:")))
    defines = [
        *namespace.get("define", []),
        *namespace.get("sub:define", []),
        *namespace.get("bare:", []),
    ]
    configs = [*namespace.get("config", []), *namespace.get("sub:config", [])]
    listing = namespace.get("list_params") or namespace.get("sub:list_params")
    explain = namespace.get("sub:explain_param", namespace.get("explain_param"))
    strict = strict or bool(namespace.get("strict") or namespace.get("sub:strict"))
    chosen = options.get(command, []) if command else []
    given = [
        (option, namespace[f"param:{option.name}"], _flag_of(option))
        for option in chosen
        if f"param:{option.name}" in namespace and option.kind != "positional"
    ]
    from hyperparameter.param import registered

    declared = registered()
    layers = _load_layers(parser, declared, chosen, (configs, defines), given, strict)
    if listing or explain is not None:
        from hyperparameter._cli_listing import explain as explain_keys
        from hyperparameter._cli_listing import print_list

        every = [opt for entry in declared for opt in _options_of(entry) if opt.key]
        outer = {key: hp.scope.get(key) for key in _keys_of(every, layers) if key in hp.scope}
        with layers.scope():
            if listing:
                print_list(every, layers)
            if explain is not None:
                explain_keys(parser, every, layers, explain, outer)
        parser.exit(0)
    if command is None:
        parser.error(f"choose a command: {', '.join(options)}")
    _check_types(parser, chosen, layers)
    positional = [namespace[f"param:{o.name}"] for o in chosen if o.kind == "positional"]
    keywords = {
        o.name: namespace[f"param:{o.name}"]
        for o in chosen
        if o.kind == "keyword" and f"param:{o.name}" in namespace
    }
    entry = next(entry for entry in entries if _entry_name(entry) == command)
    from hyperparameter.errors import ConversionError

    failed = _watch_threads(parser, layers)
    with layers.scope():
        hp.scope.frozen()
        try:
            result = entry.function(*positional, **keywords)
            import inspect

            if inspect.iscoroutine(result):
                # `async def main`: run it to completion inside the scope.
                import asyncio

                result = asyncio.run(result)
        except ConversionError as err:
            _report_bad_read(parser, layers, err)
            raise
        finally:
            failed.restore()
        if failed.messages:
            parser.exit(2)
        return result


class _ThreadFailures:
    """Bad command-line values read in threads the program started: each is reported as a
    usage error when its thread dies, and the run then ends with status 2."""

    def __init__(self, previous: Any) -> None:
        self.previous = previous
        self.messages: list[str] = []

    def restore(self) -> None:
        import threading

        threading.excepthook = self.previous


def _watch_threads(parser: _Parser, layers: _Layers) -> _ThreadFailures:
    """Installs a ``threading.excepthook`` for the run (see :class:`_ThreadFailures`); other
    exceptions go to the hook that was there."""
    import threading

    from hyperparameter.errors import ConversionError

    failed = _ThreadFailures(threading.excepthook)

    def hook(args: Any) -> None:
        err = args.exc_value
        message = _bad_read_message(layers, err) if isinstance(err, ConversionError) else None
        if message is None:
            failed.previous(args)
            return
        failed.messages.append(message)
        parser.print_usage(sys.stderr)
        print(f"{parser.prog}: error: {message}", file=sys.stderr)

    threading.excepthook = hook
    return failed


def _keys_of(options: list[_Option], layers: _Layers) -> list[str]:
    """The declared keys and those some layer sets."""
    return sorted({*(str(o.key) for o in options), *layers.run.keys()})


def _report_bad_read(parser: _Parser, layers: _Layers, err: ConversionError) -> None:
    """A read anywhere in the program that cannot convert a value the command line gave is
    a usage error (exit status 2, no traceback) naming the item, file position or option
    the value came from; a value the program set itself stays the program's error."""
    message = _bad_read_message(layers, err)
    if message is not None:
        parser.error(message)


def _bad_read_message(layers: _Layers, err: ConversionError) -> str | None:
    """The usage error for a failed read of a command-line value, or None for a value
    the program set itself."""
    if err.source is None or err.source not in layers.sources.values():
        return None
    reason = f" ({err.reason})" if err.reason and not err.reason.startswith("expected") else ""
    return f"{err.source}: invalid value {err.value} for {err.key}: expected {err.target}{reason}"


run_cli = launch
