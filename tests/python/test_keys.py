"""The key rules and the `key=value` parser: the shared vectors of `tests/vectors/keys.tsv`,
checked against the rules in use, the native functions and the pure-Python fallback."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hyperparameter as hp
from hyperparameter import _rules

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"


def decode(column: str) -> str:
    """The key column with ``\\uXXXX`` and ``\\UXXXXXXXX`` decoded."""
    return re.sub(
        r"\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})",
        lambda m: chr(int(m.group(1) or m.group(2), 16)),
        column,
    )


def load_keys() -> list[tuple[str, bool, str]]:
    rows = []
    for line in (VECTORS / "keys.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            key, valid, reason = line.split("\t")
            rows.append((decode(key), valid == "yes", reason))
    return rows


ROWS = load_keys()


def native() -> Any:
    return pytest.importorskip("hyperparameter._native")


def validators() -> list[tuple[str, Callable[[str], Any]]]:
    out = [("in use", _rules.validate_key), ("pure", _rules.pure_validate_key)]
    try:
        from hyperparameter import _native
    except ImportError:
        return out
    return [*out, ("native", _native.validate_key)]


def parsers() -> list[tuple[str, Callable[[str], Any]]]:
    out = [("in use", _rules.parse_define), ("pure", _rules.pure_parse_define)]
    try:
        from hyperparameter import _native
    except ImportError:
        return out
    return [*out, ("native", _native.parse_define)]


def test_the_vectors_cover_every_rule() -> None:
    reasons = {reason for _, valid, reason in ROWS if not valid}
    assert len(ROWS) >= 40
    assert {"format character", "private-use character", "noncharacter", "surrogate"} <= reasons


@pytest.mark.parametrize(("key", "valid", "reason"), ROWS, ids=[ascii(r[0]) for r in ROWS])
def test_key_vectors(key: str, valid: bool, reason: str) -> None:
    for name, validate in validators():
        if valid:
            validate(key)
            continue
        with pytest.raises(hp.KeyFormatError) as caught:
            validate(key)
        assert reason in str(caught.value), (name, str(caught.value))


@pytest.mark.parametrize(("key", "valid", "reason"), ROWS, ids=[ascii(r[0]) for r in ROWS])
def test_define_vectors(key: str, valid: bool, reason: str) -> None:
    if "=" in key:
        return  # the item splits at that `=`
    item = f" {key} =1=2"
    for name, parse in parsers():
        if valid:
            assert parse(item) == (key, "1=2"), name
            continue
        with pytest.raises(hp.DefineError) as caught:
            parse(item)
        assert reason in str(caught.value), (name, str(caught.value))


@pytest.mark.parametrize("item", ["train.lr", "", " ", 5])
def test_malformed_defines_fail_alike(item: object) -> None:
    outcomes = set()
    for _, parse in parsers():
        with pytest.raises((hp.DefineError, TypeError)) as caught:
            parse(item)  # type: ignore[arg-type]
        outcomes.add(caught.type)
    assert len(outcomes) == 1


def test_whitespace_is_trimmed_around_the_key_only() -> None:
    for _, parse in parsers():
        assert parse("\u3000a.b\t= x ") == ("a.b", " x ")
        assert parse("a=") == ("a", "")


def outcome(parse: Callable[[str], Any], item: str) -> tuple[str, Any]:
    """What ``parse(item)`` gives: the pair, or the error's type and, for an invalid key,
    the character class it names (the two backends quote the item differently)."""
    try:
        return ("ok", parse(item))
    except (hp.DefineError, TypeError) as err:
        found = re.search(r"contains (?:a |an )?([a-z-]+(?: [a-z-]+)?)", str(err))
        return (type(err).__name__, found and found.group(1))


# Whitespace (Unicode `White_Space`), the separators U+001C..U+001F that Python's own
# `str.strip()` also removes, other controls and format characters, `=` and key text.
_DEFINE_ALPHABET = st.sampled_from(
    [
        *(" ", "\t", "\n", "\x0b", "\x85", "\xa0", "\u2007", "\u3000", "\u2028"),
        *("\x1c", "\x1d", "\x1e", "\x1f", "\x00", "\x7f", "\u200b", "\ufeff"),
        *("=", ".", "a", "0", "_", "é", "模"),
    ]
)


@given(st.lists(_DEFINE_ALPHABET, max_size=12).map("".join))
def test_both_backends_split_defines_alike(item: str) -> None:
    """The native parser and the pure-Python copy agree on every item: the same pair, or
    the same error for the same reason (``hp.scope("0\\x1f=")`` is refused by both)."""
    assert outcome(native().parse_define, item) == outcome(_rules.pure_parse_define, item)


def test_white_space_is_the_only_thing_trimmed() -> None:
    for _, parse in parsers():
        for separator in "\x1c\x1d\x1e\x1f":
            with pytest.raises(hp.DefineError, match="control character"):
                parse(f"0{separator}=")
        assert parse("\x85\xa0a\u2028=1") == ("a", "1")


def test_non_str_keys_are_type_errors() -> None:
    for _, validate in validators():
        with pytest.raises(TypeError, match="keys are str"):
            validate(5)  # type: ignore[arg-type]


def test_scope_uses_the_rules() -> None:
    with pytest.raises(hp.KeyFormatError, match="format character"):
        hp.scope(**{"a\u200bb": 1})
    with pytest.raises(hp.DefineError, match="private-use character"):
        hp.scope("x.\ue000=1")
    with hp.scope(" a.b =1=2"):
        assert hp.scope.a.b() == "1=2"


def test_the_fallback_copies_the_core_format_table() -> None:
    source = (ROOT / "crates/hyperparameter-key/src/lib.rs").read_text(encoding="utf-8")
    table = source.split("pub const FORMAT_CHARACTERS")[1].split("];")[0]
    pairs = re.findall(r"\('\\u\{([0-9a-f]+)\}', '\\u\{([0-9a-f]+)\}'\)", table)
    assert tuple((int(a, 16), int(b, 16)) for a, b in pairs) == _rules._FORMAT_CHARACTERS


def test_the_fallback_whitespace_is_unicode_white_space() -> None:
    # Python's `str.isspace` adds U+001C..U+001F (control characters for the core).
    spaces = {chr(c) for c in range(0x110000) if chr(c).isspace()} - set("\x1c\x1d\x1e\x1f")
    assert spaces == set(_rules._WHITESPACE)


def test_reserved_names_are_the_native_ones() -> None:
    assert tuple(native().RESERVED_NAMES) == _rules._PURE_RESERVED_NAMES


def test_the_fallback_fast_path_agrees_with_the_character_rule() -> None:
    codes = [*range(0xD800), *range(0xE000, 0x110000, 97), 0xF8FF, 0xFFFE, 0xFFFF, 0x10FFFF]
    for code in codes:
        char = chr(code)
        expected = _rules._char_problem(char) is None
        assert (_rules._key_problem(f"a{char}b") is None) == expected, hex(code)
