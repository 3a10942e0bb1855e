"""Typed reads (SPEC §4): the shared vectors, Enum/Path, registered converters."""

from __future__ import annotations

import enum
import math
import pathlib
from pathlib import Path

import pytest

import hyperparameter as hp

VECTORS = Path(__file__).resolve().parents[1] / "vectors"


def load_rows(name: str) -> list[list[str]]:
    rows = []
    for line in (VECTORS / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


def stored(kind: str, text: str) -> object:
    return {
        "str": lambda: text,
        "int": lambda: int(text),
        "float": lambda: float(text),
        "bool": lambda: text == "true",
        "null": lambda: None,
    }[kind]()


DEFAULTS = {"int": 0, "float": 0.5, "bool": False, "str": "default"}


def expected(target: str, text: str) -> object:
    if text == "null":
        return None
    return {"int": int, "float": float, "bool": lambda t: t == "true", "str": str}[target](text)


@pytest.mark.parametrize("row", load_rows("conversions.tsv"), ids=lambda r: "|".join(r))
def test_conversion_vectors(row: list[str]) -> None:
    kind, text, target, result = row
    value = stored(kind, text)
    with hp.scope(**{"vec.value": value}):
        if result == "ERROR":
            with pytest.raises(hp.ConversionError) as info:
                hp.scope.vec.value | DEFAULTS[target]
            message = str(info.value)
            assert "vec.value" in message
            assert target in message
            assert isinstance(info.value, TypeError)
            assert isinstance(info.value, ValueError)
            return
        got = hp.scope.vec.value | DEFAULTS[target]
    want = expected(target, result)
    if isinstance(want, float) and math.isnan(want):
        assert math.isnan(got)  # type: ignore[arg-type]
    else:
        assert got == want
        assert type(got) is type(want)


def test_conversion_vectors_cover_the_table() -> None:
    assert len(load_rows("conversions.tsv")) >= 40


@pytest.mark.native_only
@pytest.mark.parametrize("row", load_rows("hash.tsv"), ids=lambda r: r[0])
def test_hash_vectors(row: list[str]) -> None:
    from hyperparameter import _native

    key, decimal, hexa = row
    assert _native.key_hash(key) == int(decimal)
    assert f"{_native.key_hash(key):016x}" == hexa


def test_conversion_error_names_key_value_and_target() -> None:
    with hp.scope(**{"train.epochs": "many"}):
        with pytest.raises(hp.ConversionError) as info:
            hp.scope.train.epochs | 10
    message = str(info.value)
    assert "train.epochs" in message and "many" in message and "int" in message


def test_strings_from_the_command_line_convert() -> None:
    with hp.scope("port=8080", "lr=1e-3", "debug=yes", "ratio=2.0"):
        assert hp.scope.port | 0 == 8080
        assert hp.scope.lr | 0.1 == 0.001
        assert hp.scope.debug | False is True
        assert hp.scope.ratio | 0 == 2
        assert hp.scope.ratio | "" == "2.0"
        assert hp.scope.port() == "8080"


def test_no_conversion_for_other_defaults() -> None:
    with hp.scope(a="1"):
        assert hp.scope.a | None == "1"
        assert hp.scope.a | [] == "1"


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


def test_enum_by_value_or_name_and_path() -> None:
    with hp.scope(c="blue", d="RED", lvl="2", p="/tmp/x", n=3):
        assert hp.scope.c | Color.RED is Color.BLUE
        assert hp.scope.d | Color.BLUE is Color.RED
        assert hp.scope.lvl | Level.LOW is Level.HIGH
        assert hp.scope.p | pathlib.Path(".") == pathlib.Path("/tmp/x")
        with pytest.raises(hp.ConversionError):
            hp.scope.c | Level.LOW
        with pytest.raises(hp.ConversionError):
            hp.scope.n | pathlib.Path(".")


class Money:
    def __init__(self, cents: int) -> None:
        self.cents = cents


def test_register_converter() -> None:
    hp.register_converter(Money, lambda v: Money(int(str(v).rstrip("c"))))
    with hp.scope(price="250c"):
        assert (hp.scope.price | Money(0)).cents == 250
    with hp.scope(price="lots"):
        with pytest.raises(hp.ConversionError):
            hp.scope.price | Money(0)
    with pytest.raises(ValueError):
        hp.register_converter(int, int)
