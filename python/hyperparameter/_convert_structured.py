"""The pure-Python copy of the core's structured conversion (``convert::structured``), for
the pure-Python backend: the same shapes, text rules and messages, checked against the same
table by the tests.

A list is ``[3, 4]`` or ``3,4``, a mapping ``{a: 1, b: 2}``; items are split at the commas
outside brackets and quotes, trimmed, unquoted when quoted, and converted from their text.
Unquoted items of an untyped list are typed as a flow literal types them.
"""

from __future__ import annotations

from hyperparameter._convert import _not_convertible, convert_primitive

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

__all__ = ["convert_shaped"]

_PRIMITIVES = {"bool": bool, "int": int, "float": float, "str": str}
_UINT = r"(?:0|[1-9](?:_?[0-9])*)"
_DIGITS = r"[0-9](?:_?[0-9])*"
_INT = rf"[+-]?{_UINT}"
_POINT = rf"(?:{_UINT}\.(?:{_DIGITS})?|\.{_DIGITS})"
_FLOAT = rf"[+-]?(?:{_POINT}(?:[eE][+-]?{_DIGITS})?|{_UINT}[eE][+-]?{_DIGITS})"


class _Text:
    """An item of a list or mapping written as text."""

    __slots__ = ("quoted", "text")

    def __init__(self, text: str, quoted: bool) -> None:
        self.text = text
        self.quoted = quoted


def convert_shaped(value: Any, shape: tuple[Any, ...]) -> Any:
    """Converts ``value`` to ``shape``; ``ValueError`` with the reason otherwise."""
    if value is None:
        return None
    kind = shape[0]
    if kind in ("any", "opaque"):
        return value
    if kind in _PRIMITIVES:
        try:
            return convert_primitive(value, _PRIMITIVES[kind], "", "")
        except ValueError as err:
            raise ValueError(getattr(err, "reason", None) or str(err)) from None
    if kind == "optional":
        if isinstance(value, str) and value.strip().lower() in ("none", "null"):
            return None
        return convert_shaped(value, shape[1])
    if kind == "list":
        items = _sequence_items(value)
        return [_convert_item(i, item, shape[1]) for i, item in enumerate(items)]
    if kind == "tuple":
        items = _sequence_items(value)
        shapes = shape[1]
        if len(items) != len(shapes):
            plural = "" if len(items) == 1 else "s"
            verb = "is" if len(shapes) == 1 else "are"
            raise ValueError(f"got {len(items)} item{plural} where {len(shapes)} {verb} needed")
        return [_convert_item(i, item, s) for i, (item, s) in enumerate(zip(items, shapes))]
    if kind == "map":
        out = {}
        for key, item in _map_entries(value):
            try:
                out[key] = _item_value(item, shape[1])
            except ValueError as err:
                raise ValueError(f"at key `{key}`: {err}") from None
        return out
    if kind == "choice":
        return _choose(value, shape[1])
    raise TypeError(f"unknown shape kind `{kind}`")


def _convert_item(index: int, item: Any, shape: tuple[Any, ...]) -> Any:
    try:
        return _item_value(item, shape)
    except ValueError as err:
        raise ValueError(f"item {index}: {err}") from None


def _item_value(item: Any, shape: tuple[Any, ...]) -> Any:
    if not isinstance(item, _Text):
        return convert_shaped(item, shape)
    if item.quoted:
        return convert_shaped(item.text, shape[1] if shape[0] == "optional" else shape)
    if shape[0] in ("any", "opaque"):
        return _typed_text(item.text)
    return convert_shaped(item.text, shape)


def _typed_text(text: str) -> Any:
    """Unquoted text typed as a flow literal types it (the override grammar's rule)."""
    import re

    if text.startswith("["):
        return convert_shaped(text, ("list", ("any",)))
    if text.startswith("{"):
        return convert_shaped(text, ("map", ("any",)))
    body = text.lstrip("+-") if text[:1] in "+-" else text
    if body.lower() in ("inf", "nan") and len(text) - len(body) <= 1:
        return float(text)
    if re.fullmatch(_FLOAT, text):
        return float(text.replace("_", ""))
    if re.fullmatch(_INT, text):
        number = int(text.replace("_", ""))
        return number if -(2**63) <= number < 2**63 else text
    word = text.lower()
    if word in ("true", "false"):
        return word == "true"
    if word == "null":
        return None
    return text


def _sequence_items(value: Any) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            if not text.endswith("]"):
                raise ValueError("no closing `]` (a list is written [3,4] or 3,4)")
            text = text[1:-1]
        return [_piece(part) for part in _split_raw(text)]
    raise ValueError(f"{_kind_phrase(value)} cannot be read as a list")


def _map_entries(value: Any) -> list[tuple[str, Any]]:
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, str):
        text = value.strip()
        if not (text.startswith("{") and text.endswith("}")):
            raise ValueError("a mapping is written {a: 1, b: 2}")
        return [_split_entry(part) for part in _split_raw(text[1:-1])]
    raise ValueError(f"{_kind_phrase(value)} cannot be read as a mapping")


def _kind_phrase(value: Any) -> str:
    """``a map value``, ``an int value``: the kind as the core names it."""
    from collections.abc import Mapping

    if isinstance(value, Mapping):
        return "a map value"
    return _not_convertible(type(value), "x").rsplit(" cannot", 1)[0]


def _split_entry(text: str) -> tuple[str, Any]:
    positions = _top_level_positions(text, ":")
    if not positions:
        raise ValueError(f"expected `key: value`, got `{text}`")
    at = positions[0]
    key = _piece(text[:at].strip())
    item = _piece(text[at + 1 :].strip())
    if not key.text:
        raise ValueError(f"expected a key before `:` in `{text}`")
    return key.text, item


def _split_raw(inner: str) -> list[str]:
    if not inner.strip():
        return []
    pieces = []
    start = 0
    for at in [*_top_level_positions(inner, ","), len(inner)]:
        text = inner[start:at].strip()
        if not text:
            raise ValueError("empty item (two commas in a row, or a comma at an end)")
        pieces.append(text)
        start = at + 1
    return pieces


def _piece(text: str) -> _Text:
    if text[:1] not in ("'", '"'):
        return _Text(text, False)
    quote = text[0]
    out: list[str] = []
    index = 1
    while index < len(text):
        char = text[index]
        index += 1
        if char == "\\":
            if index == len(text):
                break
            escaped = text[index]
            index += 1
            out.append(escaped if escaped in "\\'\"" else "\\" + escaped)
        elif char == quote:
            if index == len(text):
                return _Text("".join(out), True)
            raise ValueError(f"unexpected text after the closing quote in `{text}`")
        else:
            out.append(char)
    raise ValueError(f"unclosed quote in `{text}`")


def _top_level_positions(text: str, sep: str) -> list[int]:
    found = []
    opened: list[str] = []
    quote = None
    escaped = False
    for at, char in enumerate(text):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in "'\"":
            quote = char
        elif char in "[{":
            opened.append(char)
        elif char in "]}":
            want = "[" if char == "]" else "{"
            if not opened or opened.pop() != want:
                raise ValueError(f"unbalanced `{char}` in `{text}`")
        elif char == sep and not opened:
            found.append(at)
    if quote is not None:
        raise ValueError(f"unclosed quote in `{text}`")
    if opened:
        raise ValueError(f"unclosed `{opened[-1]}` in `{text}`")
    return found


def _choose(value: Any, members: list[Any]) -> Any:
    for member in members:
        if type(member) not in (bool, int, float, str):
            if member == value:
                return member
            continue
        if type(value) is not type(member) and not isinstance(value, str):
            continue
        probe = value.strip() if isinstance(value, str) else value
        try:
            converted = convert_primitive(probe, type(member), "", "")
        except ValueError:
            continue
        if converted == member and type(converted) is type(member):
            return member
    raise ValueError(f"expected one of {choices_text(members)}")


def choices_text(members: list[Any]) -> str:
    """The members as a message lists them: ``'adam', 'sgd'``, numbers and bools as the
    core writes them."""
    from hyperparameter._convert import describe_value

    return ", ".join(
        f"'{member}'" if isinstance(member, str) else describe_value(member) for member in members
    )
