"""``hp.launch``: a command line built from ``@hp.param`` functions.

The parameters of a decorated function become options (``--lr 0.1``, ``--batch-size=64``,
``--amp/--no-amp``); parameters without a default become positional arguments. Besides
them every program gets ``-D/--define key=value``, ``-C/--config FILE``,
``-lps/--list-params`` and ``-ep/--explain-param [KEY]``; ``-D`` and ``-C`` take several
items or files after one flag. With several public decorated functions in the calling
module each one is a subcommand (one per name, the later definition winning).

The function runs inside one scope built in layers, later layers winning: the scope around
``launch``, config files (in order), ``-D`` items (in order, merged into the config tree
before interpolation, with or without files), then the options given. That scope is frozen
before the function runs so threads it starts see the same values.

Everything here is built on :mod:`argparse`, so help and errors look the way Python users
expect; a bad value, a malformed ``-D`` item, a bad reference or an unknown option ends the
program with status 2 and a one-line message naming what it is about, never a traceback;
so does a read in the program of a command-line value that does not convert.
"""

from __future__ import annotations

import argparse
import sys

from hyperparameter._docstring import parse_docstring

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable, NoReturn, Sequence

    from hyperparameter._config import Config
    from hyperparameter.errors import ConversionError
    from hyperparameter.param import ParamFunction

__all__ = ["launch", "run_cli"]

_LIST_FLAGS = ("-lps", "--list-params")
_EXPLAIN_FLAGS = ("-ep", "--explain-param")
_RESERVED_OPTIONS = frozenset(
    ("help", "define", "config", "list-params", "list_params", "explain-param", "explain_param")
)
_EXPLAIN_ALL = "\0all"


class _Parser(argparse.ArgumentParser):
    """argparse with a hint for unrecognized words."""

    _words: Sequence[str] = ()  # the words being parsed, for hints in `error`

    def parse_command_line(self, words: list[str]) -> argparse.Namespace:
        """``parse_args``, with unrecognized words reported with a hint: a close option name,
        the command an option belongs to, or that words after ``--`` are not options."""
        self._words = words
        namespace, extras = self.parse_known_args(words)
        # Some Python versions leave the `--` itself among the extras; it ends the options
        # and is no argument of its own.
        extras = [word for word in extras if word != "--"]
        if extras:
            command = getattr(namespace, "command:", None)
            hint = _hint_for(self, words, extras, command)
            self.error(f"unrecognized arguments: {' '.join(extras)}{hint}")
        return namespace

    def error(self, message: str) -> NoReturn:
        # `prog --epochs 3 train` reads `3` as the command: say where `--epochs` belongs.
        if message.startswith("argument COMMAND: invalid choice"):
            for word in self._words:
                hint = _command_hint(self, word.split("=", 1)[0], None)
                if hint:
                    message += hint
                    break
        super().error(message)


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The subcommand parsers of ``parser`` by name, aliases included."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _command_hint(parser: argparse.ArgumentParser, name: str, chosen: str | None) -> str:
    """`` (--epochs is an option of the command train: ...)`` when ``name`` is an option of
    a subcommand only (another one than ``chosen``, or that one given before its name),
    else nothing."""
    subcommands = _subcommands(parser)
    if not name.startswith("-") or name in _option_strings(parser):
        return ""
    seen: set[int] = set()
    for command, sub in subcommands.items():
        if id(sub) in seen:
            continue  # an alias
        seen.add(id(sub))
        if name not in _option_strings(sub):
            continue
        if chosen is None or subcommands[chosen] is sub:  # given before the command
            return f" ({name} is an option of the command {command}: give it after {command})"
        return f" ({name} is an option of the command {command}, not of {chosen})"
    return ""


def _hint_for(
    parser: argparse.ArgumentParser, words: list[str], extras: list[str], chosen: str | None
) -> str:
    """`` (did you mean --name?)`` and the like for the first option-like extra word, or
    nothing; never a word that was itself rejected."""
    cut = words.index("--") if "--" in words else len(words)
    before, after = words[:cut], words[cut + 1 :]
    valid = _option_strings(parser)
    subcommands = _subcommands(parser)
    if chosen in subcommands:
        valid += _option_strings(subcommands[chosen])
    else:
        chosen = None  # no subcommands: one function's options are the parser's own
    rejected = {word.split("=", 1)[0] for word in extras}
    for word in extras:
        if not word.startswith("-") or word == "-":
            continue
        if word in after and word not in before:
            return f" (words after '--' are not options; give {word} before '--')"
        name = word.split("=", 1)[0]
        belongs = _command_hint(parser, name, chosen)
        if belongs:
            return belongs
        # A long option suggests a long one and a short one a short one (`--epoch` is not
        # close to `-ep`).
        long = name.startswith("--")
        close = [o for o in valid if o not in rejected and o.startswith("--") == long]
        hint = _suggest(name, close)
        return f" (did you mean {hint}?)" if hint else ""
    return ""


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    return [option for action in parser._actions for option in action.option_strings]


def _suggest(word: str, candidates: Sequence[str]) -> str | None:
    import difflib

    matches = difflib.get_close_matches(word, candidates, n=1, cutoff=0.6)
    return matches[0] if matches else None


# -- what launch knows about one parameter ------------------------------------------------
class _Option:
    """One parameter of a decorated function, as the command line shows it."""

    __slots__ = (
        "annotation",
        "default",
        "description",
        "function",
        "key",
        "kind",
        "name",
        "target",
    )

    def __init__(
        self,
        function: ParamFunction | None,
        name: str,
        key: str | None,
        default: Any,
        annotation: Any,
        kind: str,
        description: str,
    ) -> None:
        from hyperparameter.param import _target

        self.function = function
        self.name = name
        self.key = key
        self.default = default
        self.annotation = annotation
        self.kind = kind
        self.description = description
        target = _target(annotation, default) if key is not None else annotation
        import typing

        # `Any` is a class on Python 3.11+, but no conversion target.
        self.target = None if target in (typing.Any, object) else target

    @property
    def is_flag(self) -> bool:
        return self.target is bool

    def type_name(self) -> str:
        shown = self.annotation if self.annotation is not None else self.target
        if shown is None:
            return "any"
        return getattr(shown, "__name__", None) or str(shown).replace("typing.", "")

    def convert(self, text: Any, source: str) -> Any:
        from hyperparameter._rules import convert_value

        return convert_value(text, self.target, self.key or self.name, source)


def _options_of(entry: ParamFunction) -> list[_Option]:
    """Every parameter of ``entry``: injectable ones (with a key) and required ones."""
    import inspect

    function = entry.function
    target = function.__init__ if isinstance(function, type) else function  # type: ignore[misc]
    _, described = parse_docstring(entry.doc)
    infos = {info.name: info for info in entry.params}
    options: list[_Option] = []
    signature = inspect.signature(target)
    for index, p in enumerate(signature.parameters.values()):
        if isinstance(function, type) and index == 0:
            continue  # self
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        description = described.get(p.name, "")
        info = infos.get(p.name)
        if info is not None:
            options.append(
                _Option(
                    entry, p.name, info.key, info.default, info.annotation, "option", description
                )
            )
        elif p.default is p.empty:
            annotation = p.annotation if isinstance(p.annotation, type) else None
            kind = "keyword" if p.kind is p.KEYWORD_ONLY else "positional"
            options.append(_Option(entry, p.name, None, None, annotation, kind, description))
    return options


def _entry_name(entry: ParamFunction) -> str:
    return str(getattr(entry.function, "__name__", entry.namespace))


# -- building the parser -------------------------------------------------------------------
def _add_common(parser: argparse.ArgumentParser, prefix: str) -> None:
    group = parser.add_argument_group("hyperparameters")
    group.add_argument(
        "-D",
        "--define",
        dest=f"{prefix}define",
        metavar="KEY=VALUE",
        action="append",
        type=_define_item,
        default=argparse.SUPPRESS,
        help="set any parameter, e.g. -D train.lr=0.01 model.dim=64 (repeatable; several "
        "items may follow one flag; later items win)",
    )
    group.add_argument(
        "-C",
        "--config",
        dest=f"{prefix}config",
        metavar="FILE",
        action="append",
        type=_config_path,
        default=argparse.SUPPRESS,
        help="load TOML, JSON or YAML config files, e.g. -C base.yaml exp.toml (repeatable; "
        "several files may follow one flag; later files win)",
    )
    group.add_argument(
        *_LIST_FLAGS,
        dest=f"{prefix}list_params",
        action="store_true",
        default=argparse.SUPPRESS,
        help="list every parameter with its default, current value and source, then exit",
    )
    group.add_argument(
        *_EXPLAIN_FLAGS,
        dest=f"{prefix}explain_param",
        metavar="KEY",
        nargs="?",
        const=_EXPLAIN_ALL,
        default=argparse.SUPPRESS,
        help="explain one parameter (all of them without KEY), then exit",
    )


_CONFIG_SUFFIXES = (".toml", ".json", ".yaml", ".yml")


def _is_define_item(word: str) -> bool:
    return "=" in word and not word.startswith("-")


def _is_config_file(word: str) -> bool:
    return not word.startswith("-") and word.lower().endswith(_CONFIG_SUFFIXES)


def _split_groups(argv: list[str]) -> list[str]:
    """Several items after one flag, one flag each: ``-D a=1 b=2`` → ``-D a=1 -D b=2`` and
    ``-C a.yaml b.json`` → ``-C a.yaml -C b.json``. The first word after a flag always
    belongs to it; the further ones are the words holding a ``=`` (for ``-D``) or named like
    a config file (``.toml``, ``.json``, ``.yaml``, ``.yml``, for ``-C``), so a subcommand or
    a positional argument may follow them. Nothing after ``--`` is touched."""
    groups = (("-D", "--define", _is_define_item), ("-C", "--config", _is_config_file))
    out: list[str] = []
    index = 0
    while index < len(argv):
        word = argv[index]
        out.append(word)
        index += 1
        if word == "--":
            out.extend(argv[index:])
            break
        for short, long, belongs in groups:
            if word in (short, long):
                if index == len(argv) or argv[index] == "--":
                    break  # argparse reports the missing value
                out.append(argv[index])
                index += 1
            elif not (word.startswith(f"{long}=") or (word.startswith(short) and word != short)):
                continue
            while index < len(argv) and belongs(argv[index]):
                out.extend((short, argv[index]))
                index += 1
            break
    return out


def _define_item(item: str) -> str:
    from hyperparameter._rules import parse_define

    if not _is_utf8(item):
        raise argparse.ArgumentTypeError(f"invalid item {item!r}: {_NOT_UTF8}")
    try:
        parse_define(item)
    except ValueError as err:
        if "=" not in item:
            example = item.strip() or "train.lr"
            raise argparse.ArgumentTypeError(
                f"invalid item {item!r}: expected KEY=VALUE, e.g. {example}=VALUE"
            ) from None
        raise argparse.ArgumentTypeError(f"invalid item {item!r}: {err}") from None
    return item


def _config_path(path: str) -> str:
    if not _is_utf8(path):
        raise argparse.ArgumentTypeError(f"invalid file name {path!r}: {_NOT_UTF8}")
    return path


_NOT_UTF8 = "not UTF-8 text (the command line holds bytes that do not decode)"


def _is_utf8(text: str) -> bool:
    """False for text holding lone surrogates: bytes of the command line that did not decode
    (Python keeps them as surrogates), which the config tree cannot hold."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _value_type(option: _Option, flag: str) -> Callable[[str], Any]:
    def convert(text: str) -> Any:
        try:
            return option.convert(text, flag)
        except (TypeError, ValueError):
            raise argparse.ArgumentTypeError(
                f"invalid value {text!r}: expected {option.type_name()}"
            ) from None

    convert.__name__ = option.type_name()
    return convert


def _help_text(option: _Option) -> str:
    parts = [option.description] if option.description else []
    details = f"type: {option.type_name()}"
    import enum

    if isinstance(option.target, type) and issubclass(option.target, enum.Enum):
        details += f", one of: {', '.join(member.name for member in option.target)}"
    if option.key is not None:
        details += f", default: {option.default!r}, key: {option.key}"
    parts.append(f"({details})")
    return " ".join(parts).replace("%", "%%")


def _add_function(parser: argparse.ArgumentParser, options: list[_Option], listing: bool) -> None:
    """The function's parameters as options; with ``listing`` (``-lps``/``-ep`` given)
    nothing is required, since the function will not run."""
    group = parser.add_argument_group("parameters")
    for option in options:
        dest = f"param:{option.name}"
        if option.kind == "positional":
            group.add_argument(
                dest,
                metavar=option.name,
                type=_value_type(option, option.name),
                nargs="?" if listing else None,
                help=_help_text(option),
            )
            continue
        if option.name in _RESERVED_OPTIONS or option.name.replace("_", "-") in _RESERVED_OPTIONS:
            continue  # still reachable with -D
        names = [f"--{option.name}"]
        if "_" in option.name:
            names.append(f"--{option.name.replace('_', '-')}")
        if option.is_flag:
            negated = [f"--no-{name[2:]}" for name in names]
            group.add_argument(
                *names,
                dest=dest,
                action="store_const",
                const=True,
                default=argparse.SUPPRESS,
                help=_help_text(option),
            )
            group.add_argument(
                *negated,
                dest=dest,
                action="store_const",
                const=False,
                default=argparse.SUPPRESS,
                help=f"set {option.key} to False",
            )
            continue
        group.add_argument(
            *names,
            dest=dest,
            metavar=option.type_name().upper(),
            type=_value_type(option, names[0]),
            required=option.kind == "keyword" and not listing,
            default=argparse.SUPPRESS,
            help=_help_text(option),
        )


def _listing_requested(argv: list[str]) -> bool:
    return any(
        arg in _LIST_FLAGS + _EXPLAIN_FLAGS or arg.startswith("--explain-param=") for arg in argv
    )


def _build_parser(
    entries: list[ParamFunction], prog: str | None, listing: bool
) -> tuple[_Parser, dict[str, list[_Option]]]:
    single = len(entries) == 1
    summary = parse_docstring(entries[0].doc)[0] if single else None
    parser = _Parser(
        prog=prog,
        description=summary or None,
        allow_abbrev=False,
        epilog="Precedence: --option > -D > config files > enclosing scope > signature default.",
    )
    _add_common(parser, "")
    options = {_entry_name(entry): _options_of(entry) for entry in entries}
    if single:
        _add_function(parser, options[_entry_name(entries[0])], listing)
        parser.set_defaults(**{"command:": _entry_name(entries[0])})
        return parser, options
    commands = parser.add_subparsers(title="commands", dest="command:", metavar="COMMAND")
    for entry in entries:
        name = _entry_name(entry)
        summary = parse_docstring(entry.doc)[0]
        aliases = [name.replace("_", "-")] if "_" in name else []
        sub = commands.add_parser(
            name,
            aliases=aliases,
            help=summary or None,
            description=summary or None,
            allow_abbrev=False,
        )
        _add_common(sub, "sub:")
        _add_function(sub, options[name], listing)
    return parser, options


# -- running -------------------------------------------------------------------------------
class _Layers:
    """The values launch puts in the scope, with where each came from: the config tree
    (files and ``-D`` items, resolved together) and the values entered over it (the options
    given, and the ``-D`` items as text when the native module is missing)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}
        self.sources: dict[str, str] = {}
        self.tree: Config | None = None
        self.options: dict[str, Any] = {}

    def put(self, key: str, value: Any, source: str) -> None:
        self.values[key] = value
        self.sources[key] = source

    def scope(self) -> Any:
        """A context manager entering these values: the tree (so reads name the file, line
        or ``-D`` item of a value), then the options over it."""
        import contextlib

        import hyperparameter as hp

        stack = contextlib.ExitStack()
        if self.tree is not None:
            stack.enter_context(hp.scope(self.tree))
        if self.options:
            stack.enter_context(hp.scope(self.options))
        return stack


def _load_layers(
    parser: _Parser, configs: list[str], defines: list[str], given: list[tuple[_Option, Any, str]]
) -> _Layers:
    layers = _Layers()
    if configs or defines:
        _load_tree(parser, configs, defines, layers)
    for option, value, flag in given:
        if option.key is not None:
            layers.put(option.key, value, flag)
            layers.options[option.key] = value
    return layers


def _load_tree(parser: _Parser, configs: list[str], defines: list[str], layers: _Layers) -> None:
    """Config files merged in order and the ``-D`` items merged into that tree before
    interpolation, with or without files, so ``-D a=${b} -D b=5`` gives ``a = 5`` either way.
    Each value keeps the file and line (or ``-D`` item) it came from."""
    from hyperparameter._config import config as load_config

    try:
        loaded = load_config(*configs, overrides=defines)
    except ImportError as err:
        if configs or any("${" in item for item in defines):
            what = "config files" if configs else "`${...}` in -D items"
            parser.error(f"{what} cannot be resolved here ({err})")
        from hyperparameter._rules import parse_define

        for item in defines:  # without the native module: the items as text
            key, value = parse_define(item)
            layers.put(key, value, f"-D {item}")
            layers.options[key] = value
        return
    except (OSError, ValueError) as err:
        parser.error(_tree_error(str(err), configs, defines))
    layers.tree = loaded
    for key, value in loaded.to_dict(nested=False).items():
        layers.put(key, value, loaded.origin(key) or "config file")


def _tree_error(message: str, configs: list[str], defines: list[str]) -> str:
    """The message for a tree that does not load, labelled by what it is about: a ``-D``
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
) -> Any:
    """Parses the command line for ``func`` (or the ``@hp.param`` functions of the calling
    module), runs it in the resulting scope and returns its result.

    ``argv`` defaults to ``sys.argv[1:]``; ``prog`` names the program in usage and help
    (default: the script's name). ``-lps`` and ``-ep`` print and exit with status 0 without
    running anything; usage errors exit with status 2.
    """
    return launch_from(func, argv, prog, caller=2)


def launch_from(
    func: Callable[..., Any] | None,
    argv: Sequence[str] | None,
    prog: str | None,
    caller: int,
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
    defines = [*namespace.get("define", []), *namespace.get("sub:define", [])]
    configs = [*namespace.get("config", []), *namespace.get("sub:config", [])]
    listing = namespace.get("list_params") or namespace.get("sub:list_params")
    explain = namespace.get("sub:explain_param", namespace.get("explain_param"))
    chosen = options.get(command, []) if command else []
    given = [
        (option, namespace[f"param:{option.name}"], _flag_of(option))
        for option in chosen
        if f"param:{option.name}" in namespace and option.kind != "positional"
    ]
    layers = _load_layers(parser, configs, defines, given)
    if listing or explain is not None:
        from hyperparameter.param import registered

        every = [opt for entry in registered() for opt in _options_of(entry) if opt.key]
        with layers.scope():
            if listing:
                _print_list(every, layers)
            if explain is not None:
                _explain(parser, every, layers, explain)
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
        return result


def _report_bad_read(parser: _Parser, layers: _Layers, err: ConversionError) -> None:
    """A read in the program that cannot convert a value the command line gave is a usage
    error (exit status 2, no traceback) naming the item or file the value came from; a
    value the program set itself stays the program's error."""
    import re

    found = re.search(r"parameter `([^`]+)`", str(err))
    if found and found.group(1) in layers.sources:
        parser.error(f"{layers.sources[found.group(1)]}: {err}")


def _flag_of(option: _Option) -> str:
    return f"--{option.name.replace('_', '-')}"


run_cli = launch


# -- listing and explaining ----------------------------------------------------------------
def _current(option: _Option, layers: _Layers) -> tuple[Any, str]:
    import hyperparameter as hp

    assert option.key is not None
    if option.key in layers.values:
        source = layers.sources[option.key]
    elif option.key in hp.scope:
        source = "scope around launch"
    else:
        return option.default, "default"
    raw = hp.scope.get(option.key)
    try:
        return option.convert(raw, source), source
    except (TypeError, ValueError):
        return raw, f"{source} (does not convert to {option.type_name()})"


def _print_list(options: list[_Option], layers: _Layers) -> None:
    rows = [("KEY", "TYPE", "DEFAULT", "VALUE", "SOURCE")]
    for option in sorted(options, key=lambda o: o.key or ""):
        value, source = _current(option, layers)
        rows.append(
            (str(option.key), option.type_name(), repr(option.default), repr(value), source)
        )
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths)]
        print("  ".join([*cells, row[4]]).rstrip())


def _explain(parser: _Parser, options: list[_Option], layers: _Layers, key: str) -> None:
    by_key = {str(option.key): option for option in options}
    if key == _EXPLAIN_ALL:
        chosen = sorted(by_key)
    elif key in by_key:
        chosen = [key]
    else:
        import difflib

        candidates = list(by_key)
        close = difflib.get_close_matches(key, candidates, n=3, cutoff=0.7)
        close += [k for k in candidates if k.rsplit(".", 1)[-1] == key and k not in close]
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        parser.error(f"argument -ep/--explain-param: unknown parameter {key!r}{hint}")
    for index, name in enumerate(chosen):
        option = by_key[name]
        value, source = _current(option, layers)
        entry = option.function
        if index:
            print()
        print(name)
        where = f"{entry.module}.{_entry_name(entry)}" if entry is not None else "?"
        print(f"  declared by:  {where} (argument `{option.name}`)")
        print(f"  type:         {option.type_name()}")
        print(f"  default:      {option.default!r}")
        print(f"  value:        {value!r}")
        print(f"  source:       {source}")
        print(f"  option:       {_flag_of(option)}, or -D {name}=VALUE")
        if option.description:
            print(f"  description:  {option.description}")
