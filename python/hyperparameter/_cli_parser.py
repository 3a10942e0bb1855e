"""The argparse side of ``hp.launch``: what one parameter looks like on the command line,
the parser built from the decorated functions (options, positional arguments,
subcommands, the common ``-D``/``-C``/``-lps``/``-ep``/``--strict`` options), and the hints
for words it does not recognize. Nothing here decides a value: the layering is the core's
(see :mod:`hyperparameter.cli`)."""

from __future__ import annotations

import argparse

from hyperparameter._docstring import parse_docstring

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable, NoReturn, Sequence

    from hyperparameter.param import ParamFunction

_LIST_FLAGS = ("-lps", "--list-params")
_EXPLAIN_FLAGS = ("-ep", "--explain-param")
_RESERVED_OPTIONS = frozenset(
    (
        "help", "define", "config", "list-params", "list_params", "explain-param",
        "explain_param", "strict",
    )
)  # fmt: skip
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
        # Bare `key=value` words before `--` are overrides, as `-D` items are.
        cut = words.index("--") if "--" in words else len(words)
        options = set(words[:cut])
        bare = [word for word in extras if word in options and _is_define_item(word)]
        extras = [word for word in extras if word not in bare]
        setattr(namespace, "bare:", [_define_item(word, self) for word in bare])
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
        type=_checked_define,
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
    group.add_argument(
        "--strict",
        dest=f"{prefix}strict",
        action="store_true",
        default=argparse.SUPPRESS,
        help="refuse any -D or config-file key that no parameter declares",
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


def _checked_define(item: str) -> str:
    """A ``-D`` item checked by the core's parser (argparse reports the error)."""
    problem = _define_problem(item)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return item


def _define_item(item: str, parser: Any) -> str:
    """A bare ``key=value`` word checked by the core's parser; a malformed one ends the
    program with a usage error (``parser.error``)."""
    problem = _define_problem(item)
    if problem:
        parser.error(f"bare override: {problem}")
    return item


def _define_problem(item: str) -> str | None:
    """What is wrong with a ``key=value`` item, or None."""
    from hyperparameter._rules import parse_define

    if not _is_utf8(item):
        return f"invalid item {item!r}: {_NOT_UTF8}"
    try:
        parse_define(item)
    except ValueError as err:
        if "=" not in item:
            example = item.strip() or "train.lr"
            return f"invalid item {item!r}: expected KEY=VALUE, e.g. {example}=VALUE"
        return f"invalid item {item!r}: {err}"
    return None


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
        epilog="Precedence: --option > -D and key=value words > config files > enclosing "
        "scope > signature default.",
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


def _flag_of(option: _Option) -> str:
    return f"--{option.name.replace('_', '-')}"
