"""Exceptions: the same bad input gives the same class, message and attributes with the native
and the pure-Python backend; attributes survive pickling; configuration errors say where."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import hyperparameter as hp

ATTRIBUTES = ("key", "value", "source", "target", "file", "line", "column", "reason")


def bad_key() -> None:
    hp.scope(**{"a b": 1})


def lone_surrogate_key() -> None:
    hp.scope(**{"a\ud800": 1})


def define_without_equals() -> None:
    hp.scope("train.lr")


def define_with_bad_key() -> None:
    hp.scope(" a..b =1")


def define_with_an_invisible_character() -> None:
    hp.scope("a\u2028b\u0301=1")


def define_lone_surrogate() -> None:
    hp.scope("a\ud800=1")


def missing() -> None:
    hp.scope.train.lr()


def conversion_of_a_fraction() -> None:
    with hp.scope(**{"n": 2.5}):
        hp.scope.n | 0


def conversion_of_text() -> None:
    with hp.scope(**{"train.lr": "fast"}):
        hp.scope.train.lr | 0.1


def exit_without_enter() -> None:
    hp.scope(x=1).__exit__(None, None, None)


def value_and_prefix() -> None:
    hp.scope(**{"a": 1, "a.b": 2}).to_dict(nested=True)


CASES: list[tuple[Callable[[], None], type[hp.HyperparameterError], dict[str, object]]] = [
    (bad_key, hp.KeyFormatError, {"key": "a b", "reason": "segment `a b` contains whitespace"}),
    (lone_surrogate_key, hp.KeyFormatError, {"key": "a\ud800"}),
    (define_without_equals, hp.DefineError, {"value": "train.lr", "key": None}),
    (define_with_bad_key, hp.DefineError, {"value": " a..b =1", "key": "a..b"}),
    (define_with_an_invisible_character, hp.DefineError, {"key": "a\u2028b\u0301"}),
    (define_lone_surrogate, hp.DefineError, {"value": "a\ud800=1"}),
    (missing, hp.MissingKeyError, {"key": "train.lr", "value": None}),
    (
        conversion_of_text,
        hp.ConversionError,
        {"key": "train.lr", "value": "'fast'", "target": "float", "reason": "expected a number"},
    ),
    (conversion_of_a_fraction, hp.ConversionError, {"key": "n", "value": "2.5", "target": "int"}),
    (exit_without_enter, hp.ScopeError, {"key": None}),
    (value_and_prefix, hp.HyperparameterError, {"key": "a.b"}),
]


@pytest.fixture
def backends() -> Iterator[list[str]]:
    """The backends to compare; the one in use is restored afterwards."""
    pytest.importorskip("hyperparameter._native")
    previous = hp.backend_name()
    try:
        yield ["native", "python"]
    finally:
        hp.set_backend("python" if previous == "python" else "native")


def outcome(case: Callable[[], None]) -> tuple[type[BaseException], str, dict[str, object]]:
    with pytest.raises(hp.HyperparameterError) as info:
        case()
    error = info.value
    return type(error), str(error), {name: getattr(error, name) for name in ATTRIBUTES}


@pytest.mark.parametrize(("case", "cls", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_both_backends_raise_the_same_error(
    backends: list[str],
    case: Callable[[], None],
    cls: type[hp.HyperparameterError],
    expected: dict[str, object],
) -> None:
    seen = {}
    for backend in backends:
        hp.set_backend(backend)
        seen[backend] = outcome(case)
    assert seen["native"] == seen["python"]
    raised, message, attributes = seen["native"]
    assert raised is cls
    assert message
    for name, value in expected.items():
        assert attributes[name] == value, (name, message)


@pytest.mark.parametrize(("case", "cls", "expected"), CASES, ids=[c[0].__name__ for c in CASES])
def test_attributes_survive_pickling_and_copying(
    case: Callable[[], None], cls: type[hp.HyperparameterError], expected: dict[str, object]
) -> None:
    _, message, attributes = outcome(case)
    with pytest.raises(cls) as info:
        case()
    for twin in (pickle.loads(pickle.dumps(info.value)), copy.copy(info.value)):
        assert type(twin) is cls
        assert str(twin) == message
        assert {name: getattr(twin, name) for name in ATTRIBUTES} == attributes


def test_messages_come_from_the_attributes() -> None:
    error = hp.ConversionError(key="k", value="'x'", source="-D/--define", target="int")
    assert str(error) == "cannot convert parameter `k` = 'x' (from -D/--define) to int"
    assert (error.key, error.line) == ("k", None)
    assert str(hp.ConfigError(file="a.toml", line=3, reason="bad")) == "a.toml:3: bad"
    assert str(hp.ScopeError("free text")) == "free text"
    assert hp.ScopeError("free text").reason is None
    assert str(hp.KeyFormatError(key="a\u200bb", reason="r")) == 'invalid key "a\\u{200b}b": r'


def test_config_errors_carry_the_location(tmp_path: Path) -> None:
    pytest.importorskip("hyperparameter._native")
    path = tmp_path / "bad.toml"
    path.write_text("[train]\nlr = \n", encoding="utf-8")
    with pytest.raises(hp.ConfigError) as info:
        hp.config(path)
    error = info.value
    assert error.file is not None and error.file.endswith("bad.toml")
    assert error.line == 2
    assert error.column is not None
    assert error.reason is not None
    assert str(error) == f"{error.file}:{error.line}:{error.column}: {error.reason}"
    assert (error.key, error.value) == (None, None)
