"""Configurations at and beyond the bounds (SPEC §6, §12): long reference chains and cycles,
nesting at the depth bound and just over it, special files and the size bound.

Every walk over the data (parsing, interpolation, conversion to Python, flattening into a
scope, schema validation, pickling and copying) runs on a thread with a small stack too:
past a bound the answer is a ConfigError naming the place, never a crash. Parsing runs in the
native module whichever scope backend is selected, so these run under both.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import pickle
import subprocess
import sys
import textwrap
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Dict, Mapping, Optional

import pytest
from conftest import on_small_stack

import hyperparameter as hp
from hyperparameter.errors import ConfigError

MAX_DEPTH = 64
MAX_INPUT_BYTES = 16 * 1024 * 1024


def chain_yaml(links: int, cycle: bool = False, prefix: str = "k") -> str:
    """``k0: ${k1}``, ``k1: ${k2}``, ... ending in ``end`` (or, for a cycle, back to k0)."""
    lines = []
    for i in range(links):
        following = 0 if cycle and i + 1 == links else i + 1
        lines.append(f"{prefix}{i}: ${{{prefix}{following}}}")
    if not cycle:
        lines.append(f"{prefix}{links}: end")
    return "\n".join(lines) + "\n"


# -- reference chains ------------------------------------------------------------------------
def test_a_chain_of_6000_references_resolves(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(chain_yaml(6000))
    assert len(path.read_bytes()) > 70_000
    cfg = hp.config(str(path))
    assert cfg["k0"] == "end"
    assert cfg.origin("k0") == f"{path}:1:5"
    assert on_small_stack(lambda: hp.config(str(path))["k0"]) == "end"


def test_a_chain_of_200_000_references_resolves_on_a_small_stack() -> None:
    # Stack use does not grow with the chain (the Rust tests go up to the node bound).
    links = 200_000
    mapping: dict[str, Any] = {f"k{i}": f"${{k{i + 1}}}" for i in range(links)}
    mapping[f"k{links}"] = 7
    cfg = on_small_stack(lambda: hp.config(mapping))
    assert cfg["k0"] == 7
    assert cfg[f"k{links - 1}"] == 7


def test_a_long_cycle_is_a_config_error_naming_a_shortened_chain(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(chain_yaml(6000, cycle=True))
    with pytest.raises(ConfigError) as caught:
        on_small_stack(lambda: hp.config(str(path)))
    assert str(caught.value) == (
        f"{path}:1:5: interpolation cycle of 6000 keys: k0 -> k1 -> k2 -> k3 -> ... -> "
        "k5997 -> k5998 -> k5999 -> k0"
    )
    path.write_text("a: ${b}\nb: ${a}\n")
    with pytest.raises(ConfigError, match=r":1:4: interpolation cycle: a -> b -> a$"):
        hp.config(str(path))


PROGRAM = """
import hyperparameter as hp


@hp.param("app")
def main(value: str = "unset") -> None:
    print(f"value={value}")


if __name__ == "__main__":
    hp.launch()
"""


def run_program(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    program = tmp_path / "prog.py"
    program.write_text(textwrap.dedent(PROGRAM))
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    return subprocess.run(
        [sys.executable, str(program), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_a_program_loads_a_long_chain_with_dash_c(tmp_path: Path) -> None:
    path = tmp_path / "chain.yaml"
    path.write_text(chain_yaml(6000, prefix="chain.n") + "app.value: ${chain.n0}\n")
    done = run_program(tmp_path, "-C", str(path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "value=end"


def test_a_program_reports_a_long_cycle_with_dash_c_as_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "cycle.yaml"
    path.write_text(chain_yaml(6000, cycle=True, prefix="chain.n") + "app.value: x\n")
    done = run_program(tmp_path, "-C", str(path))
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert (
        f"{path}:1:11: interpolation cycle of 6000 keys: chain.n0 -> chain.n1 -> chain.n2 -> "
        "chain.n3 -> ... -> chain.n5997 -> chain.n5998 -> chain.n5999 -> chain.n0"
    ) in done.stderr


# -- nesting at the depth bound and just over it -----------------------------------------------
def nested(format_: str, depth: int) -> str:
    """A document whose value ``k.k....k`` (``depth`` keys) is 1."""
    if format_ == "json":
        return '{"k": ' * depth + "1" + "}" * depth
    if format_ == "yaml":
        return "".join(
            "  " * level + ("k: 1\n" if level + 1 == depth else "k:\n") for level in range(depth)
        )
    return "k = " + "{k = " * (depth - 1) + "1" + "}" * (depth - 1) + "\n"


@dataclasses.dataclass
class Node:
    k: Optional[Node] = None  # noqa: UP045 (the schema module reads it at run time)


@dataclasses.dataclass
class Leaf:
    k: int = 0


def deep_dataclass(depth: int) -> type:
    """A chain of dataclasses ``depth`` levels deep whose last field ``k`` is an int."""
    inner: type = Leaf
    for level in range(depth - 1):
        inner = dataclasses.make_dataclass(f"Level{level}", [("k", inner)])
    return inner


@pytest.mark.parametrize("format_", ["json", "yaml", "toml"])
def test_nesting_at_the_depth_bound_works_in_every_walk_on_a_small_stack(
    tmp_path: Path, format_: str
) -> None:
    path = tmp_path / f"deep.{format_}"
    path.write_text(nested(format_, MAX_DEPTH))
    key = ".".join(["k"] * MAX_DEPTH)
    schema = deep_dataclass(MAX_DEPTH)

    def every_walk() -> None:
        cfg = hp.config(str(path))
        value: Any = cfg
        for _ in range(MAX_DEPTH):
            value = value["k"]
        assert value == 1
        assert cfg.to_dict(nested=False) == {key: 1}
        assert cfg.to_dict() == cfg
        assert cfg.origin(key) is not None
        with cfg:
            assert hp.scope[key] | 0 == 1
        assert pickle.loads(pickle.dumps(cfg)) == cfg
        assert copy.deepcopy(cfg) == cfg
        assert copy.copy(cfg) == cfg
        built: Any = hp.config(str(path), schema=schema)
        for _ in range(MAX_DEPTH - 1):
            built = built.k
        assert built.k == 1
        assert hp.config(str(path), schema=Dict[str, Any]) == cfg.to_dict()
        # A reference copying a table nearly as deep, merged with the file.
        merged = hp.config(str(path), {"r": "${k.k}"})
        assert merged.to_dict(nested=False)["r." + ".".join(["k"] * (MAX_DEPTH - 2))] == 1

    on_small_stack(every_walk)


@pytest.mark.parametrize("format_", ["json", "yaml", "toml"])
def test_nesting_just_over_the_depth_bound_is_an_error_naming_the_place(
    tmp_path: Path, format_: str
) -> None:
    path = tmp_path / f"deep.{format_}"
    path.write_text(nested(format_, MAX_DEPTH + 1))
    with pytest.raises(ConfigError) as caught:
        on_small_stack(lambda: hp.config(str(path)))
    message = str(caught.value)
    assert message.startswith(f"{path}:"), message
    assert "nesting deeper than 64 levels" in message


@pytest.mark.parametrize("segments", [MAX_DEPTH, MAX_DEPTH + 1, 100_000])
def test_toml_dotted_keys_and_headers_at_the_depth_bound_and_over_it(
    tmp_path: Path, segments: int
) -> None:
    key = ".".join(["k"] * segments)
    parent = ".".join(["k"] * (segments - 1))
    path = tmp_path / "dotted.toml"
    for text in (f"{key} = 1\n", f"[{parent}]\nk = 1\n"):
        path.write_text(text)
        if segments <= MAX_DEPTH:
            loaded = on_small_stack(lambda: hp.config(str(path)).to_dict(nested=False))
            assert loaded == {key: 1}
        else:
            with pytest.raises(ConfigError, match=r"dotted.toml:\d+:\d+: nesting deeper than 64"):
                on_small_stack(lambda: hp.config(str(path)))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,
        '{"a": ' * 200_000,
        "a: " + "[" * 200_000,
        "a: " + "{a: " * 200_000,
        "- " * 200_000,
    ],
)
def test_nesting_far_over_the_bound_stops_in_the_parser(tmp_path: Path, text: str) -> None:
    suffix = "json" if text.startswith(("[", "{")) else "yaml"
    path = tmp_path / f"deep.{suffix}"
    path.write_text(text)
    with pytest.raises(ConfigError, match="nesting deeper than 64 levels"):
        on_small_stack(lambda: hp.config(str(path)))
    toml = tmp_path / "deep.toml"
    toml.write_text("a = " + text.replace("a: ", "").replace(": ", " = "))
    with pytest.raises(ConfigError):
        on_small_stack(lambda: hp.config(str(toml)))


def test_a_schema_over_a_recursive_dataclass_walks_the_depth_bound(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text(nested("json", MAX_DEPTH))
    # The innermost `k` holds 1, not a Node: one problem, named by its path and place.
    with pytest.raises(ConfigError) as caught:
        on_small_stack(lambda: hp.config(str(path), schema=Node))
    key = ".".join(["k"] * MAX_DEPTH)
    assert f"cannot convert parameter `{key}` = 1 (from {path}:1:" in str(caught.value)


class Looped(Mapping[str, Any]):
    """A mapping (not a dict) whose one key holds the mapping itself."""

    def __getitem__(self, key: str) -> Any:
        if key != "a":
            raise KeyError(key)
        return self

    def __iter__(self) -> Iterator[str]:
        return iter(["a"])

    def __len__(self) -> int:
        return 1


def test_comparing_a_config_with_a_self_containing_mapping_is_not_a_crash() -> None:
    cfg = hp.config({"a": {"a": 1}})
    assert on_small_stack(lambda: cfg == Looped()) is False
    looped: dict[str, Any] = {}
    looped["a"] = looped
    assert on_small_stack(lambda: cfg == looped) is False
    deep: dict[str, Any] = {}
    inner = deep
    for _ in range(100_000):
        inner["a"] = {}
        inner = inner["a"]
    assert on_small_stack(lambda: cfg == types.MappingProxyType(deep)) is False


# -- special files and the size bound ------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and /dev/zero")
def test_only_regular_files_are_read(tmp_path: Path) -> None:
    zero = tmp_path / "z.toml"
    zero.symlink_to("/dev/zero")
    with pytest.raises(ConfigError) as caught:
        hp.config(str(zero))
    assert str(caught.value) == (
        f"{zero}: cannot read the file: it is a character device, not a regular file"
    )
    fifo = tmp_path / "p.yaml"
    os.mkfifo(fifo)
    # No writer: the check happens before opening, so this does not block.
    with pytest.raises(ConfigError) as caught:
        hp.config(str(fifo))
    assert str(caught.value) == (
        f"{fifo}: cannot read the file: it is a FIFO (named pipe), not a regular file"
    )
    folder = tmp_path / "d.json"
    folder.mkdir()
    with pytest.raises(ConfigError, match=r"it is a directory, not a regular file$"):
        hp.config(str(folder))


def test_no_more_than_the_size_bound_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    text = "a: " + "x" * (MAX_INPUT_BYTES - 4) + "\n"
    path.write_text(text)
    assert len(hp.config(str(path))["a"]) == MAX_INPUT_BYTES - 4
    path.write_text(text + "\n")
    with pytest.raises(ConfigError, match="larger than 16777216 bytes"):
        hp.config(str(path))


def test_reading_is_bounded_by_what_is_read_not_by_the_reported_size(tmp_path: Path) -> None:
    # A regular file that reports size 0 but holds text: /proc files do.
    status = Path("/proc/self/status")
    if not status.exists():
        pytest.skip("needs /proc")
    link = tmp_path / "status.yaml"
    link.symlink_to(status)
    with pytest.raises(ConfigError) as caught:
        hp.config(str(link))
    # It was read (and is not a mapping of valid keys), not refused as empty or unbounded.
    assert str(caught.value).startswith(f"{link}:")


# -- integers beyond 64 bits --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "where"),
    [
        (
            "a: 123456789012345678901234567890\n",
            ":1:4: integer 123456789012345678901234567890 for `a`",
        ),
        ("a: 9223372036854775808\n", ":1:4: integer 9223372036854775808 for `a`"),
        ("a: -9223372036854775809\n", ":1:4: integer -9223372036854775809 for `a`"),
        ("m: {x: 0xFFFFFFFFFFFFFFFFFF}\n", ":1:8: integer 0xFFFFFFFFFFFFFFFFFF for `m.x`"),
        ("l: [0o7777777777777777777777]\n", ":1:5: integer 0o7777777777777777777777 for `l.0`"),
    ],
)
def test_yaml_integers_beyond_64_bits_are_an_error(tmp_path: Path, text: str, where: str) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        hp.config(str(path))
    assert str(caught.value) == (
        f"{path}{where} does not fit in 64 bits (write it as a string or a float)"
    )


def test_quoted_big_integers_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("a: '123456789012345678901234567890'\nb: \"9223372036854775808\"\n")
    assert hp.config(str(path)) == {
        "a": "123456789012345678901234567890",
        "b": "9223372036854775808",
    }
