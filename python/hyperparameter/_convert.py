"""Typed reads for what the native module leaves to Python.

The four primitive targets (bool, int, float, str) are converted by the Rust core when the
native backend is active; :func:`convert_primitive` is the same table for the pure-Python
backend, checked against the same vectors. :func:`convert_to` handles every other target:
``Enum`` (by value or name), ``pathlib`` paths, types with a converter registered by
:func:`register_converter`, and the structured targets of ``_typed_targets`` (lists,
tuples, dicts, ``Literal``, ``Optional[T]``).
"""

from __future__ import annotations

from hyperparameter.errors import ConversionError

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    T = TypeVar("T")

__all__ = ["convert_primitive", "convert_to", "register_converter", "target_for_default"]

_I64_MIN = -(2**63)
_I64_MAX = 2**63 - 1
_TRUE_WORDS = frozenset(("true", "yes", "on", "1"))
_FALSE_WORDS = frozenset(("false", "no", "off", "0"))
_NUMBER_CHARS = frozenset("0123456789+-.eE")

_converters: dict[type, Callable[[Any], Any]] = {}


def register_converter(target: type[T], converter: Callable[[Any], T]) -> None:
    """Reads with a default (or ``@hp.param`` annotation) of type ``target`` call
    ``converter(value)`` unless the value already is a ``target``."""
    if target in (bool, int, float, str):
        raise ValueError(f"{target.__name__} already converts by the built-in table")
    _converters[target] = converter


def _fail(key: str, value: Any, source: str, target: str, detail: str) -> ConversionError:
    shown = repr(value) if isinstance(value, str) else describe_value(value)
    return ConversionError(key=key, value=shown, source=source, target=target, reason=detail)


def describe_value(value: Any) -> str:
    """A value as error messages show it: `null`, `true`/`false`, floats with a `.`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if type(value) is float:
        return format_float(value)
    return repr(value)


def format_float(x: float) -> str:
    """Shortest round-trip text with a ``.`` or an exponent, as the Rust core writes it."""
    if x != x:
        return "nan"
    if x in (float("inf"), float("-inf")):
        return "inf" if x > 0 else "-inf"
    text = repr(x)
    if "e" in text:
        mantissa, exponent = text.split("e")
        return f"{mantissa}e{int(exponent)}"
    return text


def _article(word: str) -> str:
    """``an`` before a vowel, else ``a``: the article of a type name in messages."""
    return "an" if word[:1].lower() in "aeiou" else "a"


def _not_convertible(kind: type, target: str) -> str:
    return f"{_article(kind.__name__)} {kind.__name__} value cannot be read as {target}"


def _big_int_as(value: int, target: type) -> Any:
    """An int beyond 64 bits read as ``target``: decimal text, a float when exact."""
    if target is str:
        return str(value)
    if target is float:
        try:
            x = float(value)
        except OverflowError:
            x = None
        if x is not None and int(x) == value:
            return x
        raise ValueError("the int is not exactly representable as a float")
    raise ValueError("only the integers 0 and 1 convert to bool")


def _is_native(value: Any) -> bool:
    """Values the Rust core stores as its own (others stay opaque Python objects)."""
    kind = type(value)
    if kind is int:
        return bool(_I64_MIN <= value <= _I64_MAX)
    return value is None or kind is bool or kind is float or kind is str


def _float_to_int(x: float) -> int:
    if x != x or x in (float("inf"), float("-inf")) or x != int(x):
        raise ValueError(f"{format_float(x)} is not a whole number")
    if not (-9.223372036854775808e18 <= x < 9.223372036854775808e18):
        raise ValueError(f"{format_float(x)} is out of the 64-bit integer range")
    return int(x)


def _to_bool(value: Any) -> bool:
    kind = type(value)
    if kind is bool:
        return bool(value)
    if kind is int:
        if value in (0, 1):
            return bool(value == 1)
        raise ValueError("only the integers 0 and 1 convert to bool")
    if kind is str:
        word = value.strip().lower()
        if word in _TRUE_WORDS:
            return True
        if word in _FALSE_WORDS:
            return False
        raise ValueError("expected one of true/false, yes/no, on/off, 1/0")
    raise ValueError(_not_convertible(kind, "bool"))


def _to_int(value: Any) -> int:
    kind = type(value)
    if kind is bool:
        return int(value)
    if kind is int:
        return int(value)
    if kind is float:
        return _float_to_int(value)
    if kind is str:
        text = value.strip()
        body = text[1:] if text[:1] in "+-" else text
        if body.isascii() and body.isdigit():
            number = int(text)
            if _I64_MIN <= number <= _I64_MAX:
                return number
        if text and set(text) <= _NUMBER_CHARS:
            try:
                parsed = float(text)
            except ValueError:
                parsed = None
            if parsed is not None and parsed not in (float("inf"), float("-inf")):
                return _float_to_int(parsed)
        raise ValueError("expected an integer")
    raise ValueError(_not_convertible(kind, "int"))


def _to_float(value: Any) -> float:
    kind = type(value)
    if kind is float:
        return float(value)
    if kind is bool:
        return 1.0 if value else 0.0
    if kind is int:
        x = float(value)
        if int(x) != value:
            raise ValueError(f"{value} cannot be represented exactly as a float")
        return x
    if kind is str:
        text = value.strip()
        if "_" in text or not text.isascii():
            raise ValueError("expected a number")
        try:
            return float(text)
        except ValueError:
            raise ValueError("expected a number") from None
    raise ValueError(_not_convertible(kind, "float"))


def _to_str(value: Any) -> str:
    kind = type(value)
    if kind is str:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if kind is float:
        return format_float(value)
    raise ValueError(_not_convertible(kind, "str"))


_PRIMITIVES: dict[type, Callable[[Any], Any]] = {
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
    str: _to_str,
}


def convert_primitive(value: Any, target: type, key: str, source: str) -> Any:
    """Converts ``value`` to one of bool/int/float/str by the conversion table."""
    if value is None:
        return None
    if not _is_native(value):
        # Opaque objects (big ints, subclasses, containers) are read as they are when they
        # already have the requested type, as with the native backend.
        fits = isinstance(value, target) and not (target is int and isinstance(value, bool))
        if fits:
            return value
        if isinstance(value, int) and not isinstance(value, bool):
            try:
                return _big_int_as(value, target)
            except ValueError as err:
                raise _fail(key, value, source, target.__name__, str(err)) from None
        raise _fail(
            key, value, source, target.__name__, _not_convertible(type(value), target.__name__)
        )
    try:
        return _PRIMITIVES[target](value)
    except ValueError as err:
        raise _fail(key, value, source, target.__name__, str(err)) from None


def target_for_default(default: Any) -> type | None:
    """The conversion target of a read with ``default``: its type, or None (no conversion)."""
    kind = type(default)
    if default is None or kind in (list, dict, tuple):
        return None
    return kind


def convert_value(value: Any, target: type | None, key: str, source: str) -> Any:
    """Converts ``value`` for ``target`` (a type, or None for no conversion)."""
    if target is None or value is None:
        return value
    if target in _PRIMITIVES:
        return convert_primitive(value, target, key, source)
    return convert_to(value, target, key, source)


def convert_to(value: Any, target: Any, key: str, source: str) -> Any:
    """Converts ``value`` to a target other than bool/int/float/str (see module docs)."""
    if value is None:
        return None
    converter = _find_converter(target)
    if converter is not None:
        if isinstance(target, type) and isinstance(value, target):
            return value
        try:
            return converter(value)
        except Exception as err:  # the user's converter decides what is invalid
            raise _fail(key, value, source, _name(target), str(err)) from err
    if not isinstance(target, type) or target in (list, tuple, dict):
        from hyperparameter._typed_targets import convert_structured, shape_of

        if shape_of(target) is not None:
            return convert_structured(value, target, key, source)
    inner = _unwrap_optional(target)
    if inner is not target:
        return convert_value(value, inner, key, source) if inner is not None else value
    # `typing.Any` is a class from Python 3.11 on, but it means "no conversion", as any other
    # special form of `typing` that is not a real type.
    if not isinstance(target, type) or target is object or target.__module__ == "typing":
        return value
    if isinstance(value, target):
        return value
    import enum

    if issubclass(target, enum.Enum):
        return _to_enum(value, target, key, source)
    import pathlib

    if issubclass(target, pathlib.PurePath):
        if isinstance(value, str):
            return target(value)
        raise _fail(key, value, source, target.__name__, "expected a path as text")
    for base in (bool, int, float, str):
        if issubclass(target, base):
            return target(convert_primitive(value, base, key, source))
    return value


def _find_converter(target: Any) -> Callable[[Any], Any] | None:
    if not _converters or not isinstance(target, type):
        return None
    for kind in target.__mro__:
        if kind in _converters:
            return _converters[kind]
    return None


def _unwrap_optional(target: Any) -> Any:
    """``Optional[T]`` → ``T``; other typing constructs → None (no conversion)."""
    if isinstance(target, type):
        return target
    import typing

    origin = typing.get_origin(target)
    if origin is None:
        return target
    args = [a for a in typing.get_args(target) if a is not type(None)]
    if origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
        return args[0] if len(args) == 1 else None
    return None


def _name(target: Any) -> str:
    return getattr(target, "__name__", repr(target))


def _to_enum(value: Any, target: Any, key: str, source: str) -> Any:
    try:
        return target(value)
    except (ValueError, TypeError):
        pass
    if isinstance(value, str):
        name = value.strip()
        if name in target.__members__:
            return target.__members__[name]
        for member in target:
            kind = type(member.value)
            if kind in _PRIMITIVES and kind is not str:
                try:
                    return target(convert_primitive(name, kind, key, source))
                except (ConversionError, ValueError):
                    continue
    choices = ", ".join(f"{m.name}={m.value!r}" for m in target)
    raise _fail(key, value, source, target.__name__, f"expected a member name or value ({choices})")
