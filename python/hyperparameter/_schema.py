"""Building a typed object from a loaded configuration: ``hp.config(..., schema=...)``.

The schema is a type: a dataclass (nested ones too), a ``NamedTuple``, a ``TypedDict``, a
class whose ``__init__`` is annotated, a class with annotated attributes, or any type form
built from ``Optional``, ``Union``, ``list[T]``, ``set[T]``, ``tuple[...]``,
``dict[K, V]``, ``Literal``, ``Enum``, ``Any`` and the scalar types. Scalars convert as
typed reads do (``hyperparameter._convert``): ``"8080"`` becomes ``8080`` for an
``int``, ``2.5`` is not an ``int``.

Every problem is collected, each with its dotted path and the file and line of the value,
and reported at once in one :class:`~hyperparameter.ConfigError`. Fields missing from the
configuration take their defaults (``default_factory`` included); a field without default
that is missing is a problem, and so is a key the schema does not declare unless
``allow_unknown=True``.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import difflib
import enum
import inspect
import sys
import types
import typing
from collections.abc import Mapping
from typing import Any, Callable

from hyperparameter._convert import convert_value, describe_value
from hyperparameter._rules import plain_copy
from hyperparameter.errors import ConfigError, ConversionError

if typing.TYPE_CHECKING:
    from hyperparameter._config import Config
    from hyperparameter._native import ConfigTree

__all__ = ["build"]

_INVALID: Any = object()
"""What a conversion that failed returns (its problem is recorded)."""

_NONE_TYPE = type(None)
_SCALARS = (bool, int, float, str)
_LIST_ORIGINS = frozenset(
    (
        list,
        collections.abc.Sequence,
        collections.abc.MutableSequence,
        collections.abc.Collection,
        collections.abc.Iterable,
    )
)
_SET_ORIGINS = frozenset((set, frozenset, collections.abc.Set, collections.abc.MutableSet))
_MAP_ORIGINS = frozenset((dict, collections.abc.Mapping, collections.abc.MutableMapping))
_UNION_TYPE = getattr(types, "UnionType", None)
_ANNOTATED = getattr(typing, "Annotated", _INVALID)


def build(schema: Any, config: Config, allow_unknown: bool = False) -> Any:
    """The instance of ``schema`` built from ``config``; every problem in one ConfigError."""
    tree, prefix = config.__hp_config__()
    builder = _Builder(tree, allow_unknown)
    result = builder.convert(config, schema, prefix)
    if builder.problems:
        count = len(builder.problems)
        lines = "\n".join(f"  - {problem}" for problem in builder.problems)
        raise ConfigError(
            f"the configuration does not fit {_type_name(schema)} "
            f"({count} problem{'s' if count > 1 else ''}):\n{lines}"
        )
    return result


class _Field:
    """One field of a record type."""

    __slots__ = ("annotation", "has_default", "name")

    def __init__(self, name: str, annotation: Any, has_default: bool) -> None:
        self.name = name
        self.annotation = annotation
        self.has_default = has_default


class _Record:
    """How to build one record type: its fields and its constructor."""

    __slots__ = ("construct", "fields", "name")

    def __init__(
        self, name: str, fields: list[_Field], construct: Callable[[dict[str, Any]], Any]
    ) -> None:
        self.name = name
        self.fields = fields
        self.construct = construct


class _Builder:
    def __init__(self, tree: ConfigTree, allow_unknown: bool) -> None:
        self.tree = tree
        self.allow_unknown = allow_unknown
        self.problems: list[str] = []

    # -- reporting --------------------------------------------------------------------------
    def where(self, path: str) -> str:
        """Where the value at ``path`` (or, when it is absent, its nearest table) was
        written."""
        while path:
            origin = self.tree.origin(path)
            if origin is not None:
                return origin
            path = path.rpartition(".")[0]
        return "the configuration"

    def fail(self, path: str, value: Any, target: Any, detail: str) -> Any:
        """Records a value that does not fit ``target``; returns the failure marker."""
        self.problems.append(
            f"cannot convert parameter `{path}` = {_describe(value)} "
            f"(from {self.where(path)}) to {_type_name(target)}: {detail}"
        )
        return _INVALID

    # -- dispatch on the type form -------------------------------------------------------
    def convert(self, value: Any, target: Any, path: str) -> Any:
        origin = typing.get_origin(target)
        if origin is _ANNOTATED:
            return self.convert(value, typing.get_args(target)[0], path)
        if target is Any or target is object:
            return plain_copy(value)
        if origin is typing.Union or (_UNION_TYPE is not None and origin is _UNION_TYPE):
            return self.union(value, target, path)
        if value is None:
            if target is None or target is _NONE_TYPE:
                return None
            return self.fail(
                path, value, target, "null is not allowed here (the type is not Optional)"
            )
        if origin is typing.Literal:
            return self.literal(value, target, path)
        if origin is not None:
            return self.generic(value, target, origin, path)
        if target in (list, set, frozenset, tuple, dict):
            return self.bare_container(value, target, path)
        if target is None or target is _NONE_TYPE:
            return self.fail(path, value, target, "expected null")
        if isinstance(target, type):
            return self.instance(value, target, path)
        if isinstance(target, typing.TypeVar) or isinstance(target, str):
            raise TypeError(
                f"cannot build {target!r} at `{path or '<root>'}`: the schema's annotations "
                "could not be resolved to types"
            )
        return self.fail(path, value, target, "unsupported type form in the schema")

    def instance(self, value: Any, target: type, path: str) -> Any:
        if target in _SCALARS or issubclass(target, enum.Enum):
            return self.scalar(value, target, path)
        record = _record_of(target)
        if record is not None:
            if not _is_typed_dict(target) and isinstance(value, target):
                return value
            return self.record(value, record, target, path)
        if isinstance(value, target):
            return value
        if isinstance(value, (Mapping, tuple, list)):
            return self.fail(path, value, target, f"expected {target.__name__}")
        # Path and types with a converter registered by hp.register_converter.
        return self.scalar(value, target, path)

    def scalar(self, value: Any, target: type, path: str) -> Any:
        if isinstance(value, (Mapping, tuple, list)):
            kind = "a table" if isinstance(value, Mapping) else "a list"
            return self.fail(path, value, target, f"expected {target.__name__}, got {kind}")
        try:
            result = convert_value(value, target, path, self.where(path))
        except ConversionError as err:
            self.problems.append(str(err))
            return _INVALID
        if not isinstance(result, target):
            return self.fail(
                path,
                value,
                target,
                f"no conversion from {type(value).__name__} (register one with "
                "hp.register_converter)",
            )
        return result

    def union(self, value: Any, target: Any, path: str) -> Any:
        options = typing.get_args(target)
        if value is None:
            if _NONE_TYPE in options:
                return None
            return self.fail(path, value, target, "null is not one of the allowed types")
        options = tuple(option for option in options if option is not _NONE_TYPE)
        if len(options) == 1:
            return self.convert(value, options[0], path)
        # A value that already has one of the types keeps it ("8080" stays a str for
        # Union[int, str]); otherwise the first type it converts to, in order.
        for option in options:
            if isinstance(option, type) and type(value) is option:
                return value
        for option in options:
            trial = _Builder(self.tree, self.allow_unknown)
            result = trial.convert(value, option, path)
            if result is not _INVALID:
                return result
        names = ", ".join(_type_name(option) for option in options)
        return self.fail(path, value, target, f"it converts to none of {names}")

    def literal(self, value: Any, target: Any, path: str) -> Any:
        choices = typing.get_args(target)
        for choice in choices:
            if type(value) is type(choice) and value == choice:
                return choice
        for choice in choices:
            kind = type(choice)
            if kind is _NONE_TYPE:
                continue
            try:
                converted = convert_value(value, kind, path, self.where(path))
            except (ConversionError, ValueError, TypeError):
                continue
            if type(converted) is kind and converted == choice:
                return choice
        shown = ", ".join(_describe(choice) for choice in choices)
        return self.fail(path, value, target, f"expected one of {shown}")

    def generic(self, value: Any, target: Any, origin: Any, path: str) -> Any:
        args = typing.get_args(target)
        if origin in _LIST_ORIGINS or origin in _SET_ORIGINS:
            items = self.items_of(value, target, path)
            if items is _INVALID:
                return _INVALID
            item_type = args[0] if args else Any
            converted = [
                self.convert(item, item_type, f"{path}.{index}") for index, item in enumerate(items)
            ]
            if any(item is _INVALID for item in converted):
                return _INVALID
            if origin in _SET_ORIGINS:
                return frozenset(converted) if origin is frozenset else set(converted)
            return converted
        if origin is tuple:
            items = self.items_of(value, target, path)
            if items is _INVALID:
                return _INVALID
            if len(args) == 2 and args[1] is Ellipsis:
                types_ = [args[0]] * len(items)
            elif args == ((),):
                types_ = []
            else:
                types_ = list(args)
            if len(types_) != len(items):
                return self.fail(
                    path, value, target, f"expected {len(types_)} items, got {len(items)}"
                )
            converted = [
                self.convert(item, item_type, f"{path}.{index}")
                for index, (item, item_type) in enumerate(zip(items, types_))
            ]
            if any(item is _INVALID for item in converted):
                return _INVALID
            return tuple(converted)
        if origin in _MAP_ORIGINS:
            if not isinstance(value, Mapping):
                return self.fail(path, value, target, "expected a table")
            key_type, value_type = args if len(args) == 2 else (Any, Any)
            out = {}
            failed = False
            for key, item in value.items():
                sub_path = f"{path}.{key}" if path else key
                if key_type in (str, Any, object):
                    converted_key = key
                else:
                    converted_key = self.convert(key, key_type, sub_path)
                converted = self.convert(item, value_type, sub_path)
                if converted_key is _INVALID or converted is _INVALID:
                    failed = True
                    continue
                out[converted_key] = converted
            return _INVALID if failed else out
        if origin is type:
            return self.fail(path, value, target, "types cannot be loaded from a file")
        if isinstance(origin, type):
            # A generic class (MyClass[int]): build the class itself.
            return self.instance(value, origin, path)
        return self.fail(path, value, target, "unsupported type form in the schema")

    def items_of(self, value: Any, target: Any, path: str) -> Any:
        if isinstance(value, (list, tuple)):
            return value
        return self.fail(path, value, target, "expected a list")

    def bare_container(self, value: Any, target: type, path: str) -> Any:
        if target is dict:
            if not isinstance(value, Mapping):
                return self.fail(path, value, target, "expected a table")
            return plain_copy(value)
        items = self.items_of(value, target, path)
        if items is _INVALID:
            return _INVALID
        return target(plain_copy(item) for item in items)

    def record(self, value: Any, record: _Record, target: type, path: str) -> Any:
        if not isinstance(value, Mapping):
            return self.fail(path, value, target, "expected a table of its fields")
        before = len(self.problems)
        kwargs: dict[str, Any] = {}
        names = {field.name for field in record.fields}
        for field in record.fields:
            sub_path = f"{path}.{field.name}" if path else field.name
            if field.name in value:
                converted = self.convert(value[field.name], field.annotation, sub_path)
                if converted is not _INVALID:
                    kwargs[field.name] = converted
            elif not field.has_default:
                self.problems.append(
                    f"missing parameter `{sub_path}` (in {self.where(path)}): "
                    f"{record.name} requires `{field.name}` and it has no default"
                )
        if not self.allow_unknown:
            for key in value:
                if key not in names:
                    self.unknown(path, key, record, names)
        if len(self.problems) > before:
            return _INVALID
        try:
            return record.construct(kwargs)
        except Exception as err:  # the schema's own checks (__post_init__, __init__)
            self.problems.append(
                f"cannot build `{path or '<root>'}` (from {self.where(path)}) as "
                f"{record.name}: {type(err).__name__}: {err}"
            )
            return _INVALID

    def unknown(self, path: str, key: str, record: _Record, names: set[str]) -> None:
        sub_path = f"{path}.{key}" if path else key
        close = difflib.get_close_matches(key, sorted(names), n=1)
        hint = f"; did you mean `{close[0]}`?" if close else ""
        self.problems.append(
            f"unknown key `{sub_path}` (from {self.where(sub_path)}): {record.name} has no "
            f"field `{key}`{hint} (pass allow_unknown=True to ignore keys the schema does "
            "not declare)"
        )


# -- record types ------------------------------------------------------------------------------
def _is_typed_dict(target: type) -> bool:
    # `__total__` is there from Python 3.8 on, `__required_keys__` only from 3.9 on.
    return issubclass(target, dict) and hasattr(target, "__total__")


def _required_keys(target: Any) -> frozenset[str]:
    """The keys a TypedDict requires; before Python 3.9, all of them or none (``total``)."""
    required = getattr(target, "__required_keys__", None)
    if required is not None:
        return frozenset(required)
    return frozenset(target.__annotations__) if target.__total__ else frozenset()


def _hints(owner: Any, target: type) -> dict[str, Any]:
    try:
        if sys.version_info >= (3, 9):
            return typing.get_type_hints(owner, include_extras=True)
        return typing.get_type_hints(owner)
    except Exception as err:
        raise TypeError(
            f"cannot resolve the annotations of {target.__qualname__} for schema=: {err} "
            "(define the classes it names at module level)"
        ) from err


_records: dict[type, _Record | None] = {}


def _record_of(target: type) -> _Record | None:
    """How to build ``target`` from a table of its fields, or None when it is no record."""
    if target not in _records:
        _records[target] = _describe_record(target)
    return _records[target]


def _describe_record(target: type) -> _Record | None:
    name = target.__qualname__
    if dataclasses.is_dataclass(target):
        hints = _hints(target, target)
        fields = [
            _Field(
                field.name,
                hints.get(field.name, Any),
                field.default is not dataclasses.MISSING
                or field.default_factory is not dataclasses.MISSING,
            )
            for field in dataclasses.fields(target)
            if field.init
        ]
        return _Record(name, fields, lambda kwargs: target(**kwargs))
    if issubclass(target, tuple) and hasattr(target, "_fields"):
        hints = _hints(target, target)
        defaults = getattr(target, "_field_defaults", {})
        fields = [
            _Field(field, hints.get(field, Any), field in defaults) for field in target._fields
        ]
        return _Record(name, fields, lambda kwargs: target(**kwargs))
    if _is_typed_dict(target):
        hints = _hints(target, target)
        required = _required_keys(target)
        fields = [_Field(key, hint, key not in required) for key, hint in hints.items()]
        return _Record(name, fields, dict)
    if target.__module__ == "builtins":
        return None
    init = target.__dict__.get("__init__") or _inherited_init(target)
    if init is not None:
        fields = _init_fields(target, init)
        if fields:
            return _Record(name, fields, lambda kwargs: target(**kwargs))
    hints = {
        key: hint
        for key, hint in _hints(target, target).items()
        if typing.get_origin(hint) is not typing.ClassVar and hint is not typing.ClassVar
    }
    if not hints:
        return None
    fields = [_Field(key, hint, hasattr(target, key)) for key, hint in hints.items()]
    if init is not None:
        return _Record(name, fields, lambda kwargs: target(**kwargs))
    return _Record(name, fields, lambda kwargs: _set_attributes(target, kwargs))


def _inherited_init(target: type) -> Any:
    for base in target.__mro__[1:]:
        if base is object:
            return None
        if "__init__" in base.__dict__:
            return base.__dict__["__init__"]
    return None


def _init_fields(target: type, init: Any) -> list[_Field]:
    """The named parameters of a class's ``__init__`` (after ``self``)."""
    hints = _hints(init, target)
    try:
        parameters = list(inspect.signature(init).parameters.values())[1:]
    except (TypeError, ValueError):
        return []
    return [
        _Field(
            parameter.name,
            hints.get(parameter.name, Any),
            parameter.default is not inspect.Parameter.empty,
        )
        for parameter in parameters
        if parameter.kind
        in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]


def _set_attributes(target: type, values: dict[str, Any]) -> Any:
    instance = target()
    for key, value in values.items():
        setattr(instance, key, value)
    return instance


# -- text ------------------------------------------------------------------------------------
def _describe(value: Any) -> str:
    if isinstance(value, (Mapping, tuple)):
        text = repr(plain_copy(value))
    else:
        text = describe_value(value)
    return text if len(text) <= 80 else f"{text[:77]}..."


def _type_name(target: Any) -> str:
    """``List[Layer]``, ``Optional[int]``, ``Literal['a', 'b']``: short, without modules."""
    if target is None or target is _NONE_TYPE:
        return "None"
    if target is Ellipsis:
        return "..."
    args = typing.get_args(target)
    if isinstance(target, type) and not args:
        return target.__qualname__
    origin = typing.get_origin(target)
    if origin is typing.Literal:
        return f"Literal[{', '.join(repr(arg) for arg in args)}]"
    if origin is typing.Union or (_UNION_TYPE is not None and origin is _UNION_TYPE):
        options = [arg for arg in args if arg is not _NONE_TYPE]
        if len(options) == 1 and len(args) == 2:
            return f"Optional[{_type_name(options[0])}]"
        return f"Union[{', '.join(_type_name(arg) for arg in args)}]"
    if args:
        name = getattr(target, "_name", None) or getattr(origin, "__qualname__", None)
        if name:
            return f"{name}[{', '.join(_type_name(arg) for arg in args)}]"
    return repr(target).replace("typing.", "")
