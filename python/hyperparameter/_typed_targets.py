"""Structured conversion targets: ``list[T]``, ``tuple[...]``, ``dict[str, T]``, ``Literal``
and ``Optional[T]`` annotations, and list/tuple/dict defaults.

An annotation is described as a *shape* (nested tuples such as ``("list", ("int",))``) that
the conversion table converts: the Rust core (``_native.convert_structured``) with the
native backend, its pure-Python copy (:mod:`hyperparameter._convert_structured`) otherwise.
Text is split as a command-line user writes a list (``[3,4]`` or ``3,4``) or a mapping
(``{a: 1}``); the leaves convert by the primitive table. What the table cannot know (making
tuples, ``Enum`` and path items) is finished here. The same descriptions name the target in
help and in error messages (``list[int]``, ``int or none``, ``one of 'adam', 'sgd'``).
"""

from __future__ import annotations

from hyperparameter import _backend

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "choices_of",
    "convert_structured",
    "describe",
    "metavar",
    "optional_inner",
    "shape_of",
]

_PRIMITIVE_NAMES = {bool: "bool", int: "int", float: "float", str: "str"}
_CONTAINERS = (list, tuple, dict)


def _parts(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    import typing

    return typing.get_origin(annotation), typing.get_args(annotation)


def _is_union(origin: Any) -> bool:
    import typing

    return origin is typing.Union or str(origin) == "<class 'types.UnionType'>"


def optional_inner(annotation: Any) -> Any:
    """``T`` for ``Optional[T]`` (``T | None``), else None."""
    origin, args = _parts(annotation)
    if not _is_union(origin) or type(None) not in args:
        return None
    others = [arg for arg in args if arg is not type(None)]
    return others[0] if len(others) == 1 else None


def _is_literal(origin: Any) -> bool:
    import typing

    return origin is typing.Literal


def shape_of(annotation: Any) -> tuple[Any, ...] | None:
    """The shape of a structured target, or None for any other (a plain type, a union of
    several types, a typing construct that means no conversion)."""
    if isinstance(annotation, type) and annotation not in _CONTAINERS:
        return None
    shape = _shape(annotation)
    return None if shape[0] in ("any", "opaque") else shape


def _shape(annotation: Any) -> tuple[Any, ...]:
    if annotation in _PRIMITIVE_NAMES:
        return (_PRIMITIVE_NAMES[annotation],)
    if annotation in (list, tuple):
        return ("list", ("any",))
    if annotation is dict:
        return ("map", ("any",))
    if isinstance(annotation, type):
        return ("any",) if annotation is object else ("opaque",)
    origin, args = _parts(annotation)
    import collections.abc

    if origin in (list, collections.abc.Sequence, collections.abc.MutableSequence):
        return ("list", _shape(args[0]) if args else ("any",))
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return ("list", _shape(args[0]))
        if args == ((),):
            return ("tuple", [])
        return ("tuple", [_shape(arg) for arg in args]) if args else ("list", ("any",))
    if origin in (dict, collections.abc.Mapping, collections.abc.MutableMapping):
        return ("map", _shape(args[1]) if len(args) == 2 else ("any",))
    if _is_literal(origin) and all(type(arg) in _PRIMITIVE_NAMES for arg in args):
        return ("choice", list(args))
    inner = optional_inner(annotation)
    if inner is not None:
        return ("optional", _shape(inner))
    return ("any",)


def convert_structured(value: Any, annotation: Any, key: str, source: str) -> Any:
    """Converts ``value`` to the structured target ``annotation`` (see :func:`shape_of`);
    a ``ConversionError`` naming the key, the value, its source and the target otherwise."""
    from hyperparameter._convert import _fail

    if annotation in (list, dict) and isinstance(value, annotation):
        return value  # the very object stored, as reads of other types give it
    shape = shape_of(annotation)
    if shape is None:
        return value
    try:
        if _backend.name == "native":
            converted = _backend.native.convert_structured(value, shape)
        else:
            from hyperparameter._convert_structured import convert_shaped

            converted = convert_shaped(value, shape)
    except ValueError as err:
        target = describe(annotation)
        reason = "" if str(err) == f"expected {target}" else str(err)
        raise _fail(key, value, source, target, reason) from None
    return _finish(converted, annotation, key, source)


def _finish(value: Any, annotation: Any, key: str, source: str) -> Any:
    """Tuples made, and items of types the table leaves alone (``Enum``, paths, types with
    a registered converter) converted."""
    if value is None:
        return None
    if isinstance(annotation, type):
        if annotation is tuple:
            return tuple(value)
        if annotation in _CONTAINERS or annotation in _PRIMITIVE_NAMES or annotation is object:
            return value
        from hyperparameter._convert import convert_to

        return convert_to(value, annotation, key, source)
    origin, args = _parts(annotation)
    inner = optional_inner(annotation)
    if inner is not None:
        return _finish(value, inner, key, source)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_finish(item, args[0], key, source) for item in value)
        if args and args != ((),):
            return tuple(_finish(item, arg, key, source) for item, arg in zip(value, args))
        return tuple(value)
    if isinstance(value, list) and args:
        return [_finish(item, args[0], key, source) for item in value]
    if isinstance(value, dict) and len(args) == 2:
        return {name: _finish(item, args[1], key, source) for name, item in value.items()}
    return value


def describe(annotation: Any) -> str:
    """The target as help and error messages name it: ``int``, ``list[int]``, ``int or
    none``, ``one of 'adam', 'sgd'``."""
    if annotation is None:
        return "any"
    if isinstance(annotation, type):
        return annotation.__name__
    origin, args = _parts(annotation)
    if _is_literal(origin):
        return "one of " + ", ".join(_shown(arg) for arg in args)
    inner = optional_inner(annotation)
    if inner is not None:
        return f"{describe(inner)} or none"
    if origin is not None and args:
        name = getattr(origin, "__name__", str(origin))
        shown = ["..." if arg is Ellipsis else describe(arg) for arg in args]
        return f"{name}[{', '.join(shown)}]"
    return str(annotation).replace("typing.", "")


def _shown(member: Any) -> str:
    if isinstance(member, str):
        return repr(member)
    if isinstance(member, bool):
        return "true" if member else "false"
    return str(member)


def choices_of(annotation: Any) -> list[str] | None:
    """The words a command line may give for ``annotation``: the members of a ``Literal``
    or the member names of an ``Enum`` (also inside ``Optional``), else None."""
    inner = optional_inner(annotation)
    if inner is not None:
        annotation = inner
    import enum

    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [member.name for member in annotation]
    origin, args = _parts(annotation)
    if _is_literal(origin):
        return [_shown(arg).strip("'") if isinstance(arg, str) else _shown(arg) for arg in args]
    return None


def metavar(annotation: Any, fallback: str) -> str:
    """What help shows as an option's value: ``INT`` for ``Optional[int]``, ``{adam,sgd}``
    for a ``Literal`` (an ``Enum`` shows its name; help lists its members), ``INT,...`` for
    ``list[int]``."""
    if _is_literal(_parts(annotation)[0]):
        return "{" + ",".join(choices_of(annotation) or ()) + "}"
    inner = optional_inner(annotation)
    if inner is not None:
        return metavar(inner, fallback)
    shape = _shape(annotation) if annotation is not None else ("any",)
    if shape[0] == "list":
        args = _parts(annotation)[1]
        item = args[0] if args else None
        return f"{metavar(item, 'VALUE')},..."
    args = _parts(annotation)[1]
    if shape[0] == "tuple":
        return ",".join(metavar(arg, "VALUE") for arg in args)
    if shape[0] == "map":
        item = metavar(args[1], "VALUE") if len(args) == 2 else "VALUE"
        return f"{{KEY: {item},...}}"
    if isinstance(annotation, type):
        return annotation.__name__.upper()
    return fallback
