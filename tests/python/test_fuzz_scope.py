"""Hypothesis over ``hp.scope(...)`` inputs and scope operations (SPEC §3, §12), against a
model: nested, cyclic and deep values, ints of any size, odd keys (unicode, lone
surrogates, empty segments, non-strings). Seeded and bounded by the profile in conftest;
runs with both backends like the rest of the suite."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hyperparameter as hp

# Errors a bad input may raise; anything else (or a crash) is a bug.
INPUT_ERRORS = (TypeError, hp.KeyFormatError, hp.DefineError, hp.KeyCollisionError)

segment_chars = st.characters(
    blacklist_categories=("Cs", "Zs", "Zl", "Zp", "Cc"), blacklist_characters=".=${}"
)
good_segment = st.text(segment_chars, min_size=1, max_size=6)
good_key = st.lists(good_segment, min_size=1, max_size=3).map(".".join)
odd_key = st.one_of(
    st.just(""),
    st.just("a..b"),
    st.just(".a"),
    st.just("a b"),
    st.just("a\ud800"),
    st.just("\udfff.x"),
    st.just("a=b"),
    st.just("${x}"),
    st.text(max_size=4),
)
non_str_key = st.one_of(st.integers(-3, 3), st.none(), st.tuples(st.integers(0, 2)))
any_key = st.one_of(good_key, good_key, odd_key, non_str_key)

big_int = st.one_of(st.integers(), st.integers(2**63 - 2, 2**64 + 2), st.integers(2**70, 2**200))
leaf = st.one_of(
    st.none(),
    st.booleans(),
    big_int,
    st.floats(allow_nan=False),
    st.text(max_size=5),
    st.lists(st.integers(), max_size=3),
)


def nested_values(keys: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(leaf, lambda inner: st.dictionaries(keys, inner, max_size=3), max_leaves=8)


def is_valid(key: object) -> bool:
    try:
        hp.scope[key]  # type: ignore[index]
    except (TypeError, ValueError):
        return False
    return True


def flatten(prefix: str, value: Any, out: dict[str, Any]) -> None:
    """The model of flattening: non-empty mappings become dotted keys, anything else a value."""
    if isinstance(value, Mapping) and value:
        for key, item in value.items():
            flatten(f"{prefix}.{key}", item, out)
    else:
        out[prefix] = value


def expected_view(overrides: dict[Any, Any]) -> dict[str, Any] | None:
    """What entering ``hp.scope(overrides)`` shows, or None when it must be refused."""
    out: dict[str, Any] = {}
    for key, value in overrides.items():
        flatten(str(key), value, out)

    def keys_ok(value: Any) -> bool:
        if not (isinstance(value, Mapping) and value):
            return True
        return all(isinstance(k, str) and keys_ok(v) for k, v in value.items())

    if not all(isinstance(k, str) and keys_ok(v) for k, v in overrides.items()):
        return None
    if not all(is_valid(key) for key in out):
        return None
    return out


@given(st.dictionaries(any_key, nested_values(any_key), max_size=4))
def test_a_scope_from_any_nested_dict_matches_the_model_or_is_refused(
    overrides: dict[Any, Any],
) -> None:
    expected = expected_view(overrides)
    before = hp.scope.to_dict()
    try:
        scope = hp.scope(overrides)
    except INPUT_ERRORS as err:
        assert expected is None, f"refused a valid input: {err!r}"
        assert hp.scope.to_dict() == before
        return
    assert expected is not None, "accepted an invalid input"
    with scope:
        view = hp.scope.to_dict()
        for key, value in expected.items():
            assert view[key] is value or view[key] == value
    assert hp.scope.to_dict() == before


@given(st.lists(st.text(max_size=3), min_size=1, max_size=4), st.integers(0, 3))
def test_cyclic_values_are_a_type_error_at_every_entry(path: list[str], entry: int) -> None:
    root: dict[str, Any] = {}
    node = root
    for segment in path:
        node[segment or "s"] = {}
        node = node[segment or "s"]
    node["back"] = root
    writes = [
        lambda: hp.scope(x=root),
        lambda: hp.scope({"x": root}),
        lambda: hp.scope.__setitem__("x", root),
        lambda: hp.scope().put("x", root),
    ]
    with pytest.raises(TypeError, match="nests deeper"):
        writes[entry]()
    assert "x" not in hp.scope


@given(big_int)
def test_ints_of_any_size_read_by_the_conversion_table(value: int) -> None:
    with hp.scope(n=value):
        assert hp.scope.n() == value
        assert hp.scope.n | 0 == value
        assert hp.scope.n | "" == str(value)
        try:
            exact = float(value)
            exact_ok = int(exact) == value
        except OverflowError:
            exact_ok = False
        if exact_ok:
            assert hp.scope.n | 0.0 == float(value)
        else:
            with pytest.raises(hp.ConversionError):
                hp.scope.n | 0.0


@given(any_key)
def test_odd_keys_raise_the_same_classes_everywhere(key: Any) -> None:
    if not isinstance(key, str):
        expected: type[Exception] = TypeError
    elif not is_valid(key):
        expected = hp.KeyFormatError
    else:
        with hp.scope({key: 1}):
            assert hp.scope[key]() == 1
            hp.scope[key] = 2
            assert hp.scope[key]() == 2
            assert key in hp.scope
        return
    for call in (
        lambda: hp.scope[key],
        lambda: hp.scope.__setitem__(key, 1),
        lambda: hp.scope().put(key, 1),
        lambda: hp.scope({key: 1}),
        lambda: key in hp.scope,
    ):
        with pytest.raises(expected) as info:
            call()
        if expected is TypeError:
            assert not isinstance(info.value, hp.KeyFormatError)


operation = st.one_of(
    st.tuples(st.just("enter"), st.dictionaries(good_key, st.integers(), max_size=3)),
    st.tuples(st.just("enter_empty"), st.dictionaries(good_key, st.integers(), max_size=2)),
    st.tuples(st.just("write"), good_key, st.integers()),
    st.tuples(st.just("read"), good_key),
    st.tuples(st.just("exit")),
    st.tuples(st.just("refused_exit"), st.integers(0, 5)),
    st.tuples(st.just("write_below"), st.integers(0, 5), good_key),
)


@given(st.lists(operation, max_size=25))
def test_scope_operations_match_a_model(operations: list[tuple[Any, ...]]) -> None:
    """Enter / write / read / exit / refused exits / refused writes, checked after every
    step against a stack of full views."""
    outside = hp.scope.to_dict()
    with hp.scope():  # the example's own layer: its writes with no scope entered go here
        run_operations(operations)
    assert hp.scope.to_dict() == outside


def run_operations(operations: list[tuple[Any, ...]]) -> None:
    scopes: list[Any] = []
    model: list[dict[str, Any]] = [hp.scope.to_dict()]

    def flat(values: dict[str, int]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in values.items():
            out[key] = value
        return out

    try:
        for op in operations:
            kind = op[0]
            if kind in ("enter", "enter_empty"):
                if not all(is_valid(k) for k in op[1]):
                    continue
                try:
                    scope = (hp.scope if kind == "enter" else hp.scope.empty)(op[1])
                except hp.KeyCollisionError:
                    continue
                scope.__enter__()
                scopes.append(scope)
                view = dict(model[-1]) if kind == "enter" else {}
                view.update(flat(op[1]))
                model.append(view)
            elif kind == "write":
                if not is_valid(op[1]):
                    continue
                hp.scope[op[1]] = op[2]
                model[-1][op[1]] = op[2]
            elif kind == "read":
                if is_valid(op[1]):
                    assert (hp.scope[op[1]] | None) == model[-1].get(op[1])
            elif kind == "exit" and scopes:
                scopes.pop().__exit__(None, None, None)
                model.pop()
            elif kind == "refused_exit" and len(scopes) >= 2:
                with pytest.raises(hp.ScopeError):
                    scopes[op[1] % (len(scopes) - 1)].__exit__(None, None, None)
            elif kind == "write_below" and len(scopes) >= 2 and is_valid(op[2]):
                with pytest.raises(hp.ScopeError):
                    scopes[op[1] % (len(scopes) - 1)][op[2]] = 0
            assert hp.scope.to_dict() == dict(sorted(model[-1].items()))
    finally:
        while scopes:
            scopes.pop().__exit__(None, None, None)
            model.pop()
            assert hp.scope.to_dict() == dict(sorted(model[-1].items()))
    assert len(model) == 1
