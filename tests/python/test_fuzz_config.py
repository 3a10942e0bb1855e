"""Fuzzing the configuration loader (SPEC §6, §12) with hypothesis, seeded and bounded by the
profile in conftest.py.

- Generated trees written as TOML, JSON and YAML files load back to the same values.
- The same texts with bytes changed load or fail with a ConfigError; nothing else escapes.
- Interpolation graphs (chains, cycles, diamonds, references inside text, environment
  references with and without defaults) resolve to what a small recursive model computes,
  or fail with the error the model predicts (the first problem met in document order).
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, List, Tuple, Union

import pytest
from hypothesis import given
from hypothesis import strategies as st

import hyperparameter as hp
from hyperparameter.errors import ConfigError

FORMATS = ("toml", "json", "yaml")

# -- generated trees ---------------------------------------------------------------------------
keys = st.from_regex(r"[a-z][a-z0-9_]{0,4}", fullmatch=True)
leaves = st.one_of(
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False, allow_infinity=False),
    st.booleans(),
    st.text(st.characters(codec="utf-8", exclude_characters="$\\\"'\x7f"), max_size=8).filter(
        lambda s: s.isprintable()
    ),
)
trees = st.recursive(
    leaves,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=12,
)
documents = st.dictionaries(keys, trees, max_size=5)


def inline(value: Any, format_: str) -> str:
    """A value as JSON, which is also a YAML flow value and, with ``=``, a TOML inline one."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (int, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(inline(item, format_) for item in value) + "]"
    separator = " = " if format_ == "toml" else ": "
    return (
        "{"
        + ", ".join(f"{json.dumps(k)}{separator}{inline(v, format_)}" for k, v in value.items())
        + "}"
    )


def render(document: dict[str, Any], format_: str) -> str:
    if format_ == "json":
        return inline(document, format_)
    separator = " = " if format_ == "toml" else ": "
    return "".join(f"{key}{separator}{inline(value, format_)}\n" for key, value in document.items())


def same(loaded: Any, expected: Any) -> bool:
    """Equal with strict types (1 and 1.0 and True differ)."""
    if type(loaded) is not type(expected):
        return False
    if isinstance(expected, dict):
        return loaded.keys() == expected.keys() and all(
            same(loaded[k], expected[k]) for k in expected
        )
    if isinstance(expected, list):
        return len(loaded) == len(expected) and all(map(same, loaded, expected))
    if isinstance(expected, float):
        return loaded == expected or (math.isnan(loaded) and math.isnan(expected))
    return bool(loaded == expected)


@given(document=documents)
def test_generated_trees_load_back_in_every_format(
    tmp_path: Path, document: dict[str, Any]
) -> None:
    for format_ in FORMATS:
        path = tmp_path / f"doc.{format_}"
        path.write_text(render(document, format_), encoding="utf-8")
        loaded = hp.config(str(path)).to_dict()
        assert same(loaded, document), (format_, path.read_text(encoding="utf-8"), loaded)


mutations = st.lists(
    st.tuples(
        st.sampled_from(["insert", "remove", "replace"]),
        st.integers(min_value=0, max_value=10_000),
        st.one_of(st.sampled_from(list(b"{}[]\"':=,\n$.-#\\&*!")), st.integers(0, 255)),
    ),
    min_size=1,
    max_size=5,
)


def mutate(data: bytes, changes: list[tuple[str, int, int]]) -> bytes:
    out = bytearray(data)
    for kind, at, byte in changes:
        if kind == "insert":
            out.insert(at % (len(out) + 1), byte)
        elif out and kind == "remove":
            del out[at % len(out)]
        elif out:
            out[at % len(out)] = byte
    return bytes(out)


@given(document=documents, changes=mutations)
def test_mutated_texts_load_or_fail_with_a_config_error(
    tmp_path: Path, document: dict[str, Any], changes: list[tuple[str, int, int]]
) -> None:
    for format_ in FORMATS:
        path = tmp_path / f"doc.{format_}"
        path.write_bytes(mutate(render(document, format_).encode("utf-8"), changes))
        try:
            hp.config(str(path))
        except ConfigError as err:
            assert str(err).startswith(str(path)), str(err)


# -- interpolation graphs ------------------------------------------------------------------------
ENV = {"HP_FUZZ_V0": "zero", "HP_FUZZ_V2": "2"}
"""The environment of the graphs: V0 and V2 are set, V1 and V3 are not."""

Piece = Union[str, int, Tuple[int, Union[str, None]]]
"""A literal, a reference to key ``k<n>``, or an environment reference (variable, default)."""

GraphNode = Union[int, List[Piece]]
"""What a key of a graph holds: an int, or a text made of pieces."""


@st.composite
def graphs(draw: st.DrawFn) -> list[GraphNode]:
    size = draw(st.integers(min_value=1, max_value=12))
    piece = st.one_of(
        st.from_regex(r"[a-z -]{1,3}", fullmatch=True),
        st.integers(min_value=0, max_value=size - 1),
        st.integers(min_value=0, max_value=size - 1),
        st.tuples(st.integers(0, 3), st.none() | st.from_regex(r"[a-z]{0,3}", fullmatch=True)),
    )
    node = st.one_of(st.integers(-5, 99), st.lists(piece, min_size=1, max_size=3))
    return draw(st.lists(node, min_size=size, max_size=size))


def written(pieces: list[Piece]) -> str:
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        elif isinstance(piece, int):
            out.append(f"${{k{piece}}}")
        else:
            variable, default = piece
            tail = "" if default is None else f",{default}"
            out.append(f"${{env:HP_FUZZ_V{variable}{tail}}}")
    return "".join(out)


class Cycle(Exception):
    def __init__(self, keys: list[int]) -> None:
        self.keys = keys


class Unset(Exception):
    def __init__(self, variable: int) -> None:
        self.variable = variable


def model(graph: list[GraphNode]) -> dict[str, Any]:
    """Every key resolved in document order, references followed depth first."""
    done: dict[int, Any] = {}
    stack: list[int] = []

    def value(key: int) -> Any:
        if key in done:
            return done[key]
        if key in stack:
            raise Cycle([*stack[stack.index(key) :], key])
        stack.append(key)
        node = graph[key]
        if isinstance(node, int):
            result: Any = node
        elif len(node) == 1:
            result = piece(node[0])
        else:
            result = "".join(str(piece(p)) for p in node)
        stack.pop()
        done[key] = result
        return result

    def piece(p: Piece) -> Any:
        if isinstance(p, str):
            return p
        if isinstance(p, int):
            return value(p)
        variable, default = p
        found = ENV.get(f"HP_FUZZ_V{variable}")
        if found is None and default is None:
            raise Unset(variable)
        return found if found is not None else default.strip()  # type: ignore[union-attr]

    return {f"k{key}": value(key) for key in range(len(graph))}


@given(graph=graphs(), as_file=st.booleans())
def test_interpolation_graphs_resolve_as_the_model_says(
    tmp_path: Path, graph: list[GraphNode], as_file: bool
) -> None:
    lines = [
        f"k{i}: {node if isinstance(node, int) else json.dumps(written(node))}"
        for i, node in enumerate(graph)
    ]
    path = tmp_path / "g.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = {
        f"k{i}": node if isinstance(node, int) else written(node) for i, node in enumerate(graph)
    }
    with pytest.MonkeyPatch.context() as patch:
        for name in ("HP_FUZZ_V0", "HP_FUZZ_V1", "HP_FUZZ_V2", "HP_FUZZ_V3"):
            patch.delenv(name, raising=False)
        for name, text in ENV.items():
            patch.setenv(name, text)
        try:
            expected: Any = model(graph)
        except (Cycle, Unset) as problem:
            expected = problem
        try:
            loaded: Any = hp.config(str(path) if as_file else mapping).to_dict()
        except ConfigError as err:
            loaded = err
    if isinstance(expected, Cycle):
        assert isinstance(loaded, ConfigError), (expected.keys, loaded)
        names = " -> ".join(f"k{key}" for key in expected.keys)
        if len(expected.keys) <= 9:
            assert str(loaded).endswith(f"interpolation cycle: {names}"), str(loaded)
        else:
            assert "interpolation cycle of" in str(loaded)
        if as_file:
            assert str(loaded).startswith(f"{path}:{expected.keys[0] + 1}:")
    elif isinstance(expected, Unset):
        assert isinstance(loaded, ConfigError), loaded
        assert f"environment variable `HP_FUZZ_V{expected.variable}` is not set" in str(loaded)
    else:
        assert loaded == expected


@given(links=st.integers(min_value=1, max_value=3000), cycle=st.booleans())
def test_long_chains_and_cycles_on_a_small_stack(links: int, cycle: bool) -> None:
    from conftest import on_small_stack

    mapping: dict[str, Any] = {
        f"k{i}": f"${{k{0 if cycle and i + 1 == links else i + 1}}}" for i in range(links)
    }
    if not cycle:
        mapping[f"k{links}"] = 1
    if cycle:
        with pytest.raises(ConfigError, match=r"^<mapping>: interpolation cycle"):
            on_small_stack(lambda: hp.config(mapping))
    else:
        assert on_small_stack(lambda: hp.config(mapping)["k0"]) == 1


def test_the_environment_of_the_graphs_is_not_leaked() -> None:
    assert not any(name.startswith("HP_FUZZ_V") for name in os.environ)
