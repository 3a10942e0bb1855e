"""``hp.launch``: a command line built from ``@hp.param`` functions.

The parameters of a decorated function become options (``--lr 0.1``, ``--batch-size=64``,
``--amp/--no-amp``); parameters without a default become positional arguments. Besides
them every program gets ``-D/--define key=value``, ``-C/--config FILE``, ``--strict``,
``-lps/--list-params`` and ``-ep/--explain-param [KEY]``; ``-D`` and ``-C`` take several
items or files after one flag, and bare words are overrides in Hydra's grammar
(``lr=0.1``, ``+seed=1``, ``~key``, ``model=vit`` with a composed tree: see
``_cli_compose``). With several public decorated functions in the calling module each
one is a subcommand (one per name, the later definition winning).

The values of a run are built by the core's one layering (``_native.layer_run``, see
``hyperparameter::layers``), lowest first: the signature defaults of every declared
parameter (visible to ``${...}`` only), the composed config tree and the config files (in
order), the environment, ``-D`` items then bare words (in order), then the options given.
They are interpolated once, together, and each keeps its source (``--epochs``,
``-D train.epochs=5``, ``config.yaml:11:7``). The layering returns plain data (a config
tree, the chain of values each key shadows, the undeclared keys), which this module enters
with ``hp.scope(...)`` over the scope around ``launch``, so both scope backends record the
same sources. That scope is frozen before the function runs so threads it starts see the
same values.

``--run-dir DIR`` gives the run a directory holding what it ran with (``_run_dir``); a
bare word whose value is a sweep (``lr=0.1,0.01``) is run as a grid of jobs with ``-m``
(``_multirun``) or tuned over with ``--tune N`` (``_tune_cli``).

Help, errors and listing are :mod:`argparse`'s (see ``_cli_parser`` and ``_cli_listing``):
a bad value, a malformed ``-D`` item, a bad reference, a misspelled key or an unknown
option ends the program with status 2 and a one-line message naming what it is about and
where it came from, never a traceback; so does a read in the program, in any function, of
a command-line value that does not convert.
"""

from __future__ import annotations

import os
import sys

from hyperparameter._cli_compose import Settings, check_words, name_job, print_groups
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

    from hyperparameter import _multirun
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
        self.defaults: list[tuple[str, Any]] = []  # the declared parameters' defaults
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
    words: tuple[list[str], list[str], list[str]],
    given: list[tuple[_Option, Any, str]],
    strict: bool,
    tree: tuple[tuple[str, str] | None, tuple[str, list[tuple[str, str]]] | None] = (None, None),
    extra: Sequence[tuple[str, Any, str]] = (),
) -> _Layers:
    """The core's layering of this run: the defaults of every declared parameter (the
    chosen command's last, so they win for a key declared twice), ``words`` (the config
    files, the ``-D`` items and the bare override words), the options ``given``; ``tree``
    is the composition and the environment layer (see ``_cli_compose``); ``extra`` the
    values of a tuning trial, above the options."""
    from hyperparameter._cli_compose import error_message
    from hyperparameter._config import _native_module
    from hyperparameter.errors import HyperparameterError

    declared = [opt for entry in entries for opt in _options_of(entry) if opt.key]
    defaults = [(opt.key, opt.default) for opt in (*declared, *chosen) if opt.key]
    options = [(opt.key, value, flag) for opt, value, flag in given if opt.key is not None]
    options += extra
    configs, defines, bare = words
    compose, env = tree
    try:
        run = _native_module().layer_run(
            defaults, [], configs, defines, options, strict, compose=compose, words=bare, env=env
        )
    except (HyperparameterError, OSError, ValueError) as err:
        message = error_message(str(err), bare, configs, compose is not None)
        parser.error(message or _tree_error(str(err), configs, defines))
    layers = _Layers(run)
    layers.defaults = defaults
    return layers


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
    config_dir: str | os.PathLike[str] | None = None,
    config_name: str | None = None,
    env_prefix: str | None = None,
) -> Any:
    """Parses the command line for ``func`` (or the ``@hp.param`` functions of the calling
    module), runs it in the resulting scope and returns its result.

    ``argv`` defaults to ``sys.argv[1:]``; ``prog`` names the program in usage and help
    (default: the script's name). ``-lps`` and ``-ep`` print and exit with status 0 without
    running anything; usage errors exit with status 2. A ``-D`` or config-file key that no
    parameter declares but that is close to a declared one is such an error; with
    ``strict=True`` (or ``--strict``) any undeclared key is.

    With ``-m`` (a grid of jobs over the sweep words) it returns the list of the jobs'
    return values, and exits with status 1 when a job failed; with ``--tune`` the
    ``optuna.Study``.

    ``config_name`` (with ``config_dir``, relative to the calling file) composes that
    Hydra-style config tree first (``--config-name``/``--config-dir`` change them); bare
    words are Hydra overrides (``model=vit``, ``+seed=1``, ``~key``). ``env_prefix="APP_"``
    lets ``APP_TRAIN__LR=0.1`` set ``train.lr``, above config files and below ``-D``.
    """
    return launch_from(
        func, argv, prog, caller=2, strict=strict,
        config_dir=config_dir, config_name=config_name, env_prefix=env_prefix,
    )  # fmt: skip


def launch_from(
    func: Callable[..., Any] | None,
    argv: Sequence[str] | None,
    prog: str | None,
    caller: int,
    strict: bool = False,
    sweep: tuple[list[ParamFunction], _multirun.Job | None, Settings, str | None] | None = None,
    config_dir: str | os.PathLike[str] | None = None,
    config_name: str | None = None,
    env_prefix: str | None = None,
) -> Any:
    """:func:`launch`, with the calling module looked up ``caller`` frames above this one
    (so a wrapper such as ``hp.launch`` can pass its own caller on). ``sweep`` is given
    for one job of a sweep: the entries, the job, and the composition settings and calling
    file of the launch that started the sweep."""
    import hyperparameter as hp
    from hyperparameter import _multirun

    if sweep is None:
        entries, job = _caller_entries(func, caller + 1), None
        home = sys._getframe(caller).f_globals.get("__file__")
        settings = Settings(config_dir, config_name, env_prefix, home and os.path.dirname(home))
    else:
        entries, job, settings, home = sweep
    args_list = list(sys.argv[1:] if argv is None else argv)
    if sweep is None:
        args_list, job = _multirun.inherited_job(args_list)
        if job is not None:  # this process runs one job of a sweep, then ends
            words = args_list
            _multirun.run_child_job(job, words, lambda: launch_from(
                func, words, prog, caller, strict, (entries, job, settings, home)))  # fmt: skip
    parser, options = _build_parser(entries, prog, _listing_requested(args_list))
    split = _split_groups(args_list)
    namespace = vars(parser.parse_command_line(split))
    found = _multirun.plan(parser, namespace, split)
    names = {alias: name for name in options for alias in (name, name.replace("_", "-"))}
    command: str | None = names.get(str(namespace.get("command:")))
    defines = [*namespace.get("define", []), *namespace.get("sub:define", [])]
    bare: list[str] = namespace.get("bare:", [])
    configs = [*namespace.get("config", []), *namespace.get("sub:config", [])]
    listing = namespace.get("list_params") or namespace.get("sub:list_params")
    explain = namespace.get("sub:explain_param", namespace.get("explain_param"))
    strict = strict or bool(namespace.get("strict") or namespace.get("sub:strict"))
    if namespace.get("print_completion"):
        from hyperparameter._completion import print_completion

        print_completion(parser, options, namespace["print_completion"])
    from hyperparameter._cli_commands import command_parser

    parser = command_parser(parser, command if len(entries) > 1 else None)  # type: ignore[assignment]
    chosen = options.get(command, []) if command else []
    given = [
        (option, namespace[f"param:{option.name}"], _flag_of(option))
        for option in chosen
        if f"param:{option.name}" in namespace and option.kind != "positional"
    ]
    from hyperparameter.param import registered

    declared = registered()
    run_dir = _open_run_dir(found, job, prog)
    bare = found.fixed(bare)
    extra = job.values if job else ()
    tree = _tree_settings(parser, settings, namespace, bare, home)
    layer_words = (configs, defines, bare)
    layers = _load_layers(parser, declared, chosen, layer_words, given, strict, tree, extra)
    if listing or explain is not None:
        from hyperparameter._cli_listing import explain as explain_keys
        from hyperparameter._cli_listing import print_list

        every = [opt for entry in declared for opt in _options_of(entry) if opt.key]
        outer = {key: hp.scope.get(key) for key in _keys_of(every, layers) if key in hp.scope}
        with layers.scope():
            print_groups(layers.run, tree[0])
            if listing:
                print_list(every, layers)
            if explain is not None:
                explain_keys(parser, every, layers, explain, outer)
        parser.exit(0)
    if command is None:
        parser.error(f"choose a command: {', '.join(options)}")
    save_config = namespace.get("sub:save_config", namespace.get("save_config"))
    if found.active and job is None:
        if save_config is not None:
            parser.error("--save-config saves one run; with -m or --tune each job's config.yaml "
                         "in its run directory holds what it read")  # fmt: skip
        return _run_sweep(parser, found, layers, lambda words, one: launch_from(
            func, words, prog, caller, strict, (entries, one, settings, home)))  # fmt: skip
    _check_types(parser, chosen, layers)
    positional = [namespace[f"param:{o.name}"] for o in chosen if o.kind == "positional"]
    keywords = {
        o.name: namespace[f"param:{o.name}"]
        for o in chosen
        if o.kind == "keyword" and f"param:{o.name}" in namespace
    }
    entry = next(entry for entry in entries if _entry_name(entry) == command)
    from hyperparameter import _run_dir
    from hyperparameter.errors import ConversionError

    if run_dir is not None:
        _run_dir.open_run_dir(run_dir, args_list, layers)
    if job is not None:
        hp.report.clear()  # a job's operative config is what it read itself
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
            if run_dir is not None:
                _run_dir.save_operative_config(os.path.join(run_dir, "config.yaml"))
                _run_dir.forget()
            if save_config is not None:
                _run_dir.save_operative_config(save_config)
        _warn_unread(layers)
        if failed.messages:
            parser.exit(2)
        return result


def _warn_unread(layers: _Layers) -> None:
    """One ``warning:`` line on stderr for each key that a config file, ``-D`` item, word or
    environment variable set, that no parameter declares, and that the run never read
    (nor a table above it or a key below it): most often a misspelling the strict-key
    check could not tell from a key read dynamically. A key read instead is suggested."""
    undeclared = layers.run.undeclared()
    if not undeclared:
        return
    import difflib

    import hyperparameter as hp

    read = list(hp.report())
    # Every key read and every table above one: a key among them was read, or holds one.
    prefixes = {key.rsplit(".", depth)[0] for key in read for depth in range(key.count(".") + 1)}
    for key in undeclared:
        if key in prefixes or any(key.startswith(f"{other}.") for other in read):
            continue
        close = difflib.get_close_matches(key, read, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        source = layers.sources.get(key, "unknown source")
        print(f"warning: '{key}' ({source}) was never read{hint}", file=sys.stderr)


def _open_run_dir(
    found: _multirun.SweepPlan, job: _multirun.Job | None, prog: str | None
) -> str | None:
    """The run directory of this run (``--run-dir``, the job's, or a sweep's root),
    announced to ``${hydra:...}`` before the config is interpolated; None without one."""
    from hyperparameter import _multirun, _run_dir

    if job is not None:
        directory = job.directory
    elif found.active:  # the root of a sweep's jobs
        directory = found.root = _run_dir.resolve_pattern(found.run_dir or _multirun.SWEEP_DIR)
    elif found.run_dir is not None:
        directory = _run_dir.resolve_pattern(found.run_dir)
    else:
        return None
    _run_dir.announce(directory, prog)
    return directory


def _run_sweep(
    parser: _Parser,
    found: _multirun.SweepPlan,
    layers: _Layers,
    rerun: Callable[[list[str], _multirun.Job], Any],
) -> Any:
    """``-m`` or ``--tune``: the grid of jobs or the study (see ``_multirun``)."""
    import hyperparameter as hp
    from hyperparameter import _multirun, _tune_cli

    try:
        if _tune_cli.wanted(found, layers):
            return _tune_cli.run_tune(parser, found, layers, rerun)
        return _multirun.run_grid(parser, found, rerun)
    finally:
        hp.scope.frozen()  # threads started later see this scope again, not the last job's
        from hyperparameter import _run_dir

        _run_dir.forget()


def _tree_settings(
    parser: _Parser, settings: Settings, namespace: dict[str, Any], bare: list[str], home: Any
) -> tuple[tuple[str, str] | None, tuple[str, list[tuple[str, str]]] | None]:
    """The composition and the environment layer of this run; a usage error for a config
    directory without a config name or a word that is not text."""
    check_words(parser, bare)
    try:
        composition = settings.composition(namespace)
    except ValueError as err:
        parser.error(str(err))
    if composition is not None:
        name_job(home)
    return composition, settings.environment()


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
