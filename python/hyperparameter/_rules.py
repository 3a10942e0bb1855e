"""The one place the package's Python code takes the shared rules from.

* :func:`validate_key`: the key rules;
* :func:`parse_define`: one ``key=value`` item, split at the first ``=``;
* :data:`RESERVED_NAMES` and :func:`is_scope_attribute`: the method names of ``hp.scope``;
* :func:`flatten_into`: nested mappings given to ``hp.scope`` as dotted keys;
* :func:`convert_value`, :func:`target_for_default` and :func:`unwrap_optional`: the
  conversions of typed reads (pure Python for both backends: the native module exports no
  conversion function).

When the native module is the backend chosen at import, the key rules, the parser and the
reserved names are the native module's own (the Rust core's, shared with Rust and C++).
Otherwise, and only then, the pure-Python copies below stand in for them; the repository's
tests run both against the same table of keys (``tests/vectors/keys.tsv``).
"""

from __future__ import annotations

from hyperparameter import _backend
from hyperparameter._convert import _unwrap_optional as unwrap_optional
from hyperparameter._convert import convert_value, target_for_default
from hyperparameter.errors import DefineError, KeyFormatError

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = [
    "MAX_DEPTH",
    "RESERVED_NAMES",
    "convert_value",
    "flatten_into",
    "is_scope_attribute",
    "parse_define",
    "pure_parse_define",
    "pure_validate_key",
    "target_for_default",
    "unwrap_optional",
    "validate_key",
]

# -- the pure-Python copies (the fallback) ------------------------------------------------

# Unicode `White_Space`: what the core trims around a `-D` key and refuses inside a key.
_WHITESPACE = (
    "\t\n\x0b\x0c\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WHITESPACE_SET = frozenset(_WHITESPACE)

# The format characters (`Cf`) of Unicode 16.0 as inclusive ranges of code points: a copy of
# `FORMAT_CHARACTERS` in `crates/hyperparameter-key/src/lib.rs` (a test compares the two).
_FORMAT_CHARACTERS = (
    (0xAD, 0xAD), (0x600, 0x605), (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F),
    (0x890, 0x891), (0x8E2, 0x8E2), (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E),
    (0x2060, 0x2064), (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0001, 0xE0001), (0xE0020, 0xE007F),
)  # fmt: skip
_FORMAT_SET = frozenset(
    chr(code) for low, high in _FORMAT_CHARACTERS for code in range(low, high + 1)
)

_ASCII_PROBLEMS = {
    **{chr(code): "a control character" for code in (*range(0x20), 0x7F)},
    **dict.fromkeys("\t\n\x0b\x0c\r ", "whitespace"),
    "=": "`=`",
    "$": "`$`",
    "{": "`{`",
    "}": "`}`",
}
_ASCII_REFUSED = frozenset(_ASCII_PROBLEMS)
_EMPTY_SEGMENT = "empty segment (two dots in a row, or a leading/trailing dot)"
# The reason a key or item given as a str with a lone surrogate is refused.
_NOT_TEXT = "it is not valid Unicode text (a lone surrogate)"


def _char_problem(char: str) -> str | None:
    """Why ``char`` may not appear in a key (the core's ``char_problem``), or None."""
    if char < "\x80":
        return _ASCII_PROBLEMS.get(char)
    code = ord(char)
    if char in _WHITESPACE_SET:
        return "whitespace"
    if code <= 0x9F:
        return "a control character"
    if char in _FORMAT_SET:
        return "a format character"
    if 0xE000 <= code <= 0xF8FF or 0xF0000 <= code <= 0xFFFFD or 0x100000 <= code <= 0x10FFFD:
        return "a private-use character"
    if 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE:
        return "a noncharacter"
    return None


# Every refused character below U+E000 (where the private-use area starts): a key made only of
# other characters below U+E000 is checked with one set operation.
_REFUSED_BELOW_E000 = frozenset(
    {*_ASCII_REFUSED, *_WHITESPACE_SET, *map(chr, range(0x80, 0xA0))}
    | {char for char in _FORMAT_SET if char < "\ue000"}
)


def _key_problem(key: str) -> str | None:
    """Why ``key`` (valid Unicode text) breaks the key rules (the core's ``key_problem``)."""
    if not key:
        return "the key is empty"
    if "" not in key.split("."):
        if key.isascii():
            if _ASCII_REFUSED.isdisjoint(key):
                return None
        elif _REFUSED_BELOW_E000.isdisjoint(key) and (
            max(key) < "\ue000" or all(_char_problem(c) is None for c in set(key))
        ):
            return None
    for segment in key.split("."):
        if not segment:
            return _EMPTY_SEGMENT
        for char in segment:
            what = _char_problem(char)
            if what is None:
                continue
            if char < "\x80":
                return f"segment `{segment}` contains {what}"
            return f"segment `{segment}` contains {what} (U+{ord(char):04X})"
    return None


def _is_text(text: str) -> bool:
    """Whether ``text`` is valid Unicode text (no lone surrogate)."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _non_str_key(key: object, under: str | None = None) -> TypeError:
    where = f" under `{under}`" if under is not None else ""
    return TypeError(f"keys are str, got {type(key).__name__} {key!r}{where}")


def pure_validate_key(key: str) -> None:
    """The pure-Python copy of :func:`validate_key`."""
    if not isinstance(key, str):
        raise _non_str_key(key)
    if not _is_text(key):
        raise KeyFormatError(key=key, reason=_NOT_TEXT)
    problem = _key_problem(key)
    if problem is not None:
        raise KeyFormatError(key=key, reason=problem)


def pure_parse_define(item: str) -> tuple[str, str]:
    """The pure-Python copy of :func:`parse_define`."""
    if not isinstance(item, str):
        raise TypeError(f"a definition is a str `key=value`, got {type(item).__name__}")
    if not _is_text(item):
        raise DefineError(value=item, reason=_NOT_TEXT)
    key, sep, value = item.partition("=")
    if not sep:
        raise DefineError(value=item, reason="no `=` in the item")
    key = key.strip(_WHITESPACE)
    problem = _key_problem(key)
    if problem is not None:
        raise DefineError(value=item, key=key, reason=problem)
    return key, value


_PURE_RESERVED_NAMES = (
    "keys", "items", "values", "to_dict", "clear", "empty", "frozen", "init", "current",
    "update", "get", "put",
)  # fmt: skip

# -- the rules in use ---------------------------------------------------------------------

if _backend.native_at_import is not None:
    validate_key = _backend.native_at_import.validate_key
    parse_define = _backend.native_at_import.parse_define
    RESERVED_NAMES: tuple[str, ...] = tuple(_backend.native_at_import.RESERVED_NAMES)
    MAX_DEPTH: int = _backend.native_at_import.MAX_DEPTH
else:
    validate_key = pure_validate_key
    parse_define = pure_parse_define
    RESERVED_NAMES = _PURE_RESERVED_NAMES
    # How deep a value given to `hp.scope` may nest: the configuration depth bound of the
    # core (`hyperparameter._native.MAX_DEPTH`, which a test checks this against).
    MAX_DEPTH = 64

_RESERVED_SET = frozenset(RESERVED_NAMES)


def _is_index_segment(name: str) -> bool:
    return len(name) > 1 and name[0] == "_" and name[1:].isascii() and name[1:].isdigit()


def is_scope_attribute(name: str) -> bool:
    """Whether the first attribute ``name`` of a scope is a method, dunder or private name
    rather than a key (``_0``, ``_12`` are keys)."""
    return name in _RESERVED_SET or (name.startswith("_") and not _is_index_segment(name))


def _too_deep(path: str) -> TypeError:
    segments = path.split(".")
    shown = ".".join(segments[:8]) + "…" if len(segments) > 8 else path
    return TypeError(
        f"the value at `{shown}` nests deeper than {MAX_DEPTH} levels (or contains itself)"
    )


def flatten_into(out: dict[str, Any], key: str, value: Any) -> None:
    """Adds ``value`` under ``key`` to ``out``, flattening (nested) mappings into dotted keys.

    The walk keeps its own stack, and refuses mappings nested deeper than the depth bound (a
    mapping containing itself nests without end): a ``TypeError`` naming the path."""
    from collections.abc import Mapping

    validate_key(key)
    stack: list[tuple[str, Iterator[tuple[Any, Any]], int]] = []
    pending: tuple[str, Any, int] | None = (key, value, 1)
    while True:
        if pending is not None:
            path, item, depth = pending
            pending = None
            if isinstance(item, Mapping) and not isinstance(item, str) and item:
                if depth >= MAX_DEPTH:
                    raise _too_deep(path)
                stack.append((path, iter(list(item.items())), depth))
            else:
                validate_key(path)
                out[path] = item
        if not stack:
            return
        path, items, depth = stack[-1]
        sub = next(items, None)
        if sub is None:
            stack.pop()
            continue
        sub_key, sub_value = sub
        if not isinstance(sub_key, str):
            raise _non_str_key(sub_key, path)
        pending = (f"{path}.{sub_key}", sub_value, depth + 1)


class TooDeep(Exception):
    """A value nests deeper than a walk allows."""


def plain_copy(value: Any, limit: int = MAX_DEPTH + 1) -> Any:
    """A deep copy with plain dicts and lists (any mapping, tuples included), at most
    ``limit`` levels deep: deeper raises :class:`TooDeep` (a loaded configuration is never
    that deep; a mapping that contains itself is)."""
    from collections.abc import Mapping

    if isinstance(value, (Mapping, list, tuple)) and limit <= 0:
        raise TooDeep
    if isinstance(value, Mapping):
        return {key: plain_copy(item, limit - 1) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_copy(item, limit - 1) for item in value]
    return value
