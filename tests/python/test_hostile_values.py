"""Hostile Python values and keys at every entry point of the store (SPEC §6, §12): values
containing themselves or nested without end are a TypeError naming the path, never a crash
(also on a thread with a small stack); bad keys raise the same classes in both backends."""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterator
from typing import Any, Mapping

import pytest
from conftest import on_small_stack

import hyperparameter as hp


def self_containing() -> dict[str, Any]:
    d: dict[str, Any] = {}
    d["a"] = d
    return d


def nested(depth: int, leaf: object = 1) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(depth - 1):
        node["k"] = {}
        node = node["k"]
    node["k"] = leaf
    return root


class CustomMapping(Mapping[str, Any]):
    """A mapping that is not a dict and contains itself."""

    def __getitem__(self, key: str) -> Any:
        if key == "m":
            return self
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(["m"])

    def __len__(self) -> int:
        return 1


def writes(value: object) -> dict[str, Callable[[], object]]:
    """Every way a value gets into the store, by name."""

    def write_in_scope(write: Callable[[Any], None]) -> Callable[[], None]:
        def run() -> None:
            with hp.scope() as ps:
                write(ps)

        return run

    def set_attr(ps: Any) -> None:
        ps.x = value

    def set_global_attr(_: Any) -> None:
        hp.scope.x = value

    def set_accessor_attr(_: Any) -> None:
        hp.scope.a.x = value

    return {
        "hp.scope(d)": lambda: hp.scope({"a": value}),
        "hp.scope(a=d)": lambda: hp.scope(a=value),
        "hp.scope.empty(a=d)": lambda: hp.scope.empty(a=value),
        "hp.scope.x = d": write_in_scope(set_global_attr),
        "hp.scope.a.x = d": write_in_scope(set_accessor_attr),
        'hp.scope["x"] = d': write_in_scope(lambda _: hp.scope.__setitem__("x", value)),
        "ps.x = d": write_in_scope(set_attr),
        'ps["x"] = d': write_in_scope(lambda ps: ps.__setitem__("x", value)),
        'ps.put("x", d)': write_in_scope(lambda ps: ps.put("x", value)),
        "ps.update(x=d)": write_in_scope(lambda ps: ps.update(x=value)),
        'ps.update({"x": d})': write_in_scope(lambda ps: ps.update({"x": value})),
        "unentered ps.x = d": lambda: setattr(hp.scope(), "x", value),
        "hp.config(d)": lambda: hp.config({"x": value}),
    }


HOSTILE = {
    "self-containing": self_containing(),
    "20,000 deep": nested(20_000),
    "custom mapping containing itself": CustomMapping(),
}


@pytest.mark.parametrize("value_name", list(HOSTILE))
@pytest.mark.parametrize("entry", list(writes(None)))
def test_hostile_values_are_a_type_error_naming_the_path(value_name: str, entry: str) -> None:
    write = writes(HOSTILE[value_name])[entry]
    with pytest.raises(TypeError, match=r"at `[^`]+…` nests deeper than 64 levels"):
        on_small_stack(write)
    # Nothing the refused write touched is visible.
    assert "x" not in hp.scope
    assert hp.scope.x | "absent" == "absent"


@pytest.mark.bare
def test_init_with_a_hostile_value_is_a_type_error_and_fills_nothing() -> None:
    with pytest.raises(TypeError, match=r"`a\.a\.a\.a\.a\.a\.a\.a…`"):
        on_small_stack(lambda: hp.scope.init({"a": self_containing()}))
    assert "a" not in hp.scope.keys()


def test_the_message_shortens_the_path() -> None:
    with pytest.raises(TypeError) as info:
        hp.scope(a=self_containing())
    assert "`a.a.a.a.a.a.a.a…`" in str(info.value)
    assert len(str(info.value)) < 200


def test_the_depth_bound_is_the_configuration_one() -> None:
    hp.scope(**{"x": nested(63)})  # 64 levels in all: accepted
    with pytest.raises(TypeError, match="64 levels"):
        hp.scope(x=nested(64))
    assert hp.config({"x": nested(63)})["x"] is not None


@pytest.mark.native_only
def test_both_backends_use_the_native_depth_bound() -> None:
    import importlib

    from hyperparameter import _native

    pure_scopes = importlib.import_module("hyperparameter.scope")
    assert pure_scopes._MAX_DEPTH == _native.MAX_DEPTH


def test_deep_keys_nest_and_pickle_on_a_small_stack() -> None:
    key = ".".join(["n"] * 64)
    with hp.scope(**{key: 1}) as ps:
        nested_view = on_small_stack(lambda: ps.to_dict(nested=True))
        node: Any = nested_view
        for _ in range(63):
            node = node["n"]
        assert node == {"n": 1}
        restored = on_small_stack(lambda: pickle.loads(pickle.dumps(ps)))
    with restored:
        assert hp.scope[key] | 0 == 1


def test_a_value_holding_a_cycle_in_a_list_is_stored_as_it_is() -> None:
    cycle: list[Any] = []
    cycle.append(cycle)
    with hp.scope(x=cycle) as ps:
        assert hp.scope.x() is cycle
        assert ps.to_dict(nested=True)["x"] is cycle


# -- keys ------------------------------------------------------------------------------

NON_STR_KEYS: dict[str, Callable[[], object]] = {
    "hp.scope({1: 2})": lambda: hp.scope({1: 2}),
    'hp.scope({"a": {1: 2}})': lambda: hp.scope({"a": {1: 2}}),
    "hp.scope[1]": lambda: hp.scope[1],  # type: ignore[index]
    "hp.scope[1] = 2": lambda: hp.scope.__setitem__(1, 2),
    "hp.scope.a[1]": lambda: hp.scope.a[1],  # type: ignore[index]
    "1 in hp.scope": lambda: 1 in hp.scope,  # type: ignore[operator]
    "ps.put(1, 2)": lambda: hp.scope().put(1, 2),  # type: ignore[arg-type]
    "ps.get(1)": lambda: hp.scope().get(1),  # type: ignore[call-overload]
    "ps.update({1: 2})": lambda: hp.scope().update({1: 2}),
    "hp.scope.empty({1: 2})": lambda: hp.scope.empty({1: 2}),
}


@pytest.mark.parametrize("entry", list(NON_STR_KEYS))
def test_non_string_keys_are_a_type_error(entry: str) -> None:
    with pytest.raises(TypeError) as info:
        NON_STR_KEYS[entry]()
    assert not isinstance(info.value, hp.KeyFormatError)
    assert "keys are str" in str(info.value)


SURROGATE = "a\ud800"

SURROGATE_KEYS: dict[str, Callable[[], object]] = {
    "hp.scope(**{k: 1})": lambda: hp.scope(**{SURROGATE: 1}),
    "hp.scope({k: 1})": lambda: hp.scope({SURROGATE: 1}),
    'hp.scope({"a": {k: 1}})': lambda: hp.scope({"a": {SURROGATE: 1}}),
    "hp.scope[k]": lambda: hp.scope[SURROGATE],
    "hp.scope[k] = 1": lambda: hp.scope.__setitem__(SURROGATE, 1),
    "getattr(hp.scope, k)": lambda: getattr(hp.scope, SURROGATE),
    "setattr(hp.scope, k, 1)": lambda: setattr(hp.scope, SURROGATE, 1),
    "hp.scope.a[k]": lambda: hp.scope.a[SURROGATE],
    "getattr(hp.scope.a, k)": lambda: getattr(hp.scope.a, SURROGATE),
    "k in hp.scope": lambda: SURROGATE in hp.scope,
    "ps.put(k, 1)": lambda: hp.scope().put(SURROGATE, 1),
    "ps.get(k, 1)": lambda: hp.scope().get(SURROGATE, 1),
}


@pytest.mark.parametrize("entry", list(SURROGATE_KEYS))
def test_keys_with_a_lone_surrogate_are_a_key_format_error(entry: str) -> None:
    with pytest.raises(hp.KeyFormatError):
        SURROGATE_KEYS[entry]()


def test_a_define_item_with_a_lone_surrogate_is_a_define_error() -> None:
    with pytest.raises(hp.DefineError, match="lone surrogate"):
        hp.scope(f"{SURROGATE}=1")


# -- ints beyond 64 bits ----------------------------------------------------------------


def test_ints_beyond_64_bits_read_as_text_exact_floats_and_ints() -> None:
    big = 2**70
    with hp.scope(big=big, odd=big + 1, huge=10**400, neg=-(2**64)):
        assert hp.scope.big | "" == str(big)
        assert hp.scope.big | 0.0 == float(big)
        assert hp.scope.big | 0 == big
        assert hp.scope.big() == big
        assert hp.scope.neg | "" == str(-(2**64))
        assert hp.scope.neg | 0.0 == -(2.0**64)
        for key, target in (("odd", 0.0), ("huge", 0.0), ("big", True)):
            with pytest.raises(hp.ConversionError) as info:
                hp.scope[key] | target
            assert f"`{key}`" in str(info.value)
        assert hp.scope.huge | "" == str(10**400)


# -- messages ----------------------------------------------------------------------------


def test_each_method_names_itself_in_its_errors() -> None:
    cases: dict[str, Callable[[], object]] = {
        "hp.scope.init()": lambda: hp.scope.init([1]),  # type: ignore[arg-type]
        "hp.scope.empty()": lambda: hp.scope.empty([1]),
        "hp.scope()": lambda: hp.scope([1]),
        "update()": lambda: hp.scope().update([1]),
    }
    for name, call in cases.items():
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value).startswith(f"{name} takes"), str(info.value)


def test_conversion_messages_use_the_right_article() -> None:
    with hp.scope(x=[1, 2], y={"a": 1}.keys(), z=object()):
        with pytest.raises(hp.ConversionError, match="a list value cannot be read as int"):
            hp.scope.x | 0
        with pytest.raises(hp.ConversionError, match=r"an? \w+ value cannot be read as int"):
            hp.scope.z | 0
    with hp.scope(n=3), pytest.raises(hp.ConversionError) as info:
        hp.scope.n | True
    assert " a int" not in str(info.value)


def test_a_value_set_in_code_names_its_call_site() -> None:
    import inspect

    line = inspect.currentframe().f_lineno + 1  # type: ignore[union-attr]
    with hp.scope(port="many"):
        with pytest.raises(hp.ConversionError) as info:
            hp.scope.port | 80
        assert f"test_hostile_values.py:{line})" in str(info.value)
        hp.scope.lr = "fast"
        written = inspect.currentframe().f_lineno - 1  # type: ignore[union-attr]
        with pytest.raises(hp.ConversionError) as info:
            hp.scope.lr | 0.1
        assert f"test_hostile_values.py:{written})" in str(info.value)
        assert "unknown source" not in str(info.value)
