"""`hp.instantiate` against Hydra's `instantiate` on the same nodes, and its errors.

The nodes are written once, in a YAML file that `hp.config` and OmegaConf both load; each
is built by both sides with the same call arguments and the results compared, containers
normalised (Hydra hands DictConfig and ListConfig where this library hands read-only
`Config` views and tuples, and both hand plain dicts and lists when `_convert_` asks).
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from hydra.utils import instantiate as hydra_instantiate
from omegaconf import DictConfig, ListConfig, OmegaConf

import hyperparameter as hp


class Recorder:
    """A target that keeps what it was called with."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args
        self.kwargs = kwargs


def takes(a: int, b: str = "b") -> tuple[int, str]:
    """A target with a fixed signature."""
    return a, b


@hp.param
def built(lr: float = 0.1, dim: int = 3) -> tuple[float, int]:
    """A target whose defaults are parameters."""
    return lr, dim


@hp.param("net")
class Net:
    """A class whose constructor's defaults are parameters."""

    def __init__(self, width: int = 8, depth: int = 2) -> None:
        self.shape = (width, depth)


class Opaque:
    """A value that refuses to be compared, as a NumPy array does."""

    def __eq__(self, other: object) -> bool:
        raise ValueError("the truth value is ambiguous")

    __hash__ = object.__hash__


HERE = __name__
NODES = f"""\
simple:
  _target_: {HERE}.Recorder
  a: 1
  b: text
nested:
  _target_: {HERE}.Recorder
  child:
    _target_: {HERE}.Recorder
    x: [1, 2]
  items:
    - _target_: {HERE}.Recorder
      y: 1
    - plain
  data: {{k: v, l: [1, {{m: 2}}]}}
args:
  _target_: {HERE}.Recorder
  _args_: [1, {{_target_: {HERE}.Recorder, z: 3}}]
  k: 2
partial:
  _target_: {HERE}.takes
  _partial_: true
  b: given
not_recursive:
  _target_: {HERE}.Recorder
  _recursive_: false
  child:
    _target_: {HERE}.Recorder
    x: 1
convert_all:
  _target_: {HERE}.Recorder
  _convert_: all
  data: {{k: [1, 2]}}
  items: [1, {{a: b}}, {{_target_: {HERE}.Recorder}}]
convert_partial:
  _target_: {HERE}.Recorder
  _convert_: partial
  data: {{k: [1, {{n: null}}]}}
convert_object:
  _target_: {HERE}.Recorder
  _convert_: object
  data: {{k: 1}}
referenced:
  _target_: {HERE}.Recorder
  a: ${{simple.a}}
  text: at ${{simple.b}}
builtin:
  _target_: datetime.timedelta
  days: 1
  hours: 2
param:
  _target_: {HERE}.built
  lr: 0.5
net:
  _target_: {HERE}.Net
  width: 16
not_a_target:
  a: {{_target_: {HERE}.Recorder, b: 1}}
  c: [1, 2]
listed:
  - _target_: {HERE}.Recorder
    a: [1]
  - plain
  - {{k: v}}
"""


@pytest.fixture(scope="module")
def nodes_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("instantiate") / "nodes.yaml"
    path.write_text(NODES)
    return path


def normal(value: Any) -> Any:
    """A result with containers of either side made alike, objects as what they hold."""
    if isinstance(value, (DictConfig, ListConfig)):
        value = OmegaConf.to_container(value, resolve=True)
    if isinstance(value, Recorder):
        return ("Recorder", normal(list(value.args)), normal(value.kwargs))
    if isinstance(value, functools.partial):
        return ("partial", value.func, normal(list(value.args)), normal(value.keywords))
    if isinstance(value, Mapping):
        return {key: normal(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [normal(item) for item in value]
    return value


CALLS: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
    ("simple", (), {}),
    ("simple", (7, 8), {"a": 2, "extra": [1]}),
    ("nested", (), {}),
    ("nested", (), {"data": {"k": "w", "new": 1}, "child": {"x": [3]}}),
    ("args", (), {}),
    ("args", ("replaced",), {}),
    ("partial", (), {}),
    ("not_recursive", (), {}),
    ("not_recursive", (), {"_convert_": "all"}),
    ("convert_all", (), {}),
    ("convert_partial", (), {}),
    ("convert_object", (), {}),
    ("referenced", (), {}),
    ("builtin", (), {"minutes": 3}),
    ("param", (), {}),
    ("not_a_target", (), {}),
    ("not_a_target", (), {"_convert_": "all"}),
    ("listed", (), {}),
]


@pytest.mark.parametrize(("key", "args", "kwargs"), CALLS)
def test_builds_what_hydra_builds(
    key: str, args: tuple[Any, ...], kwargs: dict[str, Any], nodes_file: Path
) -> None:
    ours = hp.instantiate(hp.config(nodes_file)[key], *args, **kwargs)
    theirs = hydra_instantiate(OmegaConf.load(nodes_file)[key], *args, **kwargs)
    assert normal(ours) == normal(theirs)
    if isinstance(theirs, DictConfig):
        assert isinstance(ours, Mapping)
    elif isinstance(theirs, ListConfig):
        assert type(ours) is list
    elif isinstance(theirs, functools.partial):
        assert type(ours) is functools.partial
    else:
        assert type(ours) is type(theirs)


def test_converted_containers_are_plain_and_unconverted_ones_read_only(nodes_file: Path) -> None:
    cfg = hp.config(nodes_file)
    plain = hp.instantiate(cfg["convert_all"])
    assert type(plain.kwargs["data"]) is dict and type(plain.kwargs["items"]) is list
    assert isinstance(plain.kwargs["items"][2], Recorder)
    kept = hp.instantiate(cfg["nested"]).kwargs
    assert isinstance(kept["data"], hp.Config) and kept["data"].origin("k") == (
        f"{nodes_file}:14:13"
    )
    assert type(kept["data"]["l"]) is tuple
    # A list holding a built object is a list of what was built.
    assert isinstance(kept["items"][0], Recorder) and kept["items"][1] == "plain"


def test_a_partial_is_called_later(nodes_file: Path) -> None:
    made = hp.instantiate(hp.config(nodes_file)["partial"])
    assert made(3) == (3, "given")


def test_a_param_function_reads_its_other_defaults_from_the_scope(nodes_file: Path) -> None:
    with hp.scope(**{"built.dim": 9}):
        assert hp.instantiate(hp.config(nodes_file)["param"]) == (0.5, 9)


def test_a_param_class_is_built_from_a_node(nodes_file: Path) -> None:
    node = hp.config(nodes_file)["net"]
    assert hp.instantiate(node).shape == (16, 2)
    with hp.scope(**{"net.depth": 5}):
        assert hp.instantiate(node).shape == (16, 5)


def test_call_arguments_reach_the_target_as_they_are(nodes_file: Path) -> None:
    opaque = Opaque()
    made = hp.instantiate(hp.config(nodes_file)["simple"], a=opaque, extra={"k": opaque})
    assert made.kwargs["a"] is opaque and made.kwargs["extra"]["k"] is opaque


def test_an_unknown_call_keyword_is_reported_at_the_node(nodes_file: Path) -> None:
    with pytest.raises(hp.ConfigError) as caught:
        hp.instantiate(hp.config(nodes_file)["partial"], c=1)
    assert f"`{HERE}.takes` takes no argument `c`" in str(caught.value)
    assert caught.value.line == 20  # the node's first line, not a line of the file for `c`


def test_a_plain_mapping_or_a_list_is_a_node_too() -> None:
    node = {"_target_": "datetime.timedelta", "days": "${n}", "n": 2}
    # Python words the message of the TypeError differently across versions.
    with pytest.raises(hp.ConfigError, match=r"`datetime\.timedelta` raised TypeError: .*'n'"):
        hp.instantiate(node)
    built = hp.instantiate([{"_target_": datetime.timedelta, "days": 1}, {"a": 1}, 2])
    assert built == [datetime.timedelta(days=1), {"a": 1}, 2]
    assert hp.instantiate(None) is None
    assert hp.instantiate({"_target_": dict, "x": "${y}", "y": 3}) == {"x": 3, "y": 3}


ERRORS = f"""\
unknown_module:
  _target_: no_such_module.Thing
unknown_attribute:
  _target_: datetime.no_such_thing
not_dotted:
  _target_: "datetime.time delta"
bad_argument:
  _target_: {HERE}.takes
  a: 1
  c: 3
missing_argument:
  _target_: {HERE}.takes
  b: x
refused:
  _target_: datetime.timedelta
  days: not a number
bad_convert:
  _target_: {HERE}.Recorder
  _convert_: sometimes
bad_recursive:
  _target_: {HERE}.Recorder
  _recursive_: maybe
bad_args:
  _target_: {HERE}.Recorder
  _args_: 1
no_value:
  _target_: {HERE}.Recorder
  a: ???
deep:
  outer:
    _target_: {HERE}.Recorder
    inner:
      _target_: no_such_module.Inner
"""

# (node, the line and column the error points at, a part of the message)
ERROR_CASES = [
    ("unknown_module", (2, 13), "cannot find the target `no_such_module.Thing`"),
    ("unknown_attribute", (4, 13), "`datetime` has no attribute `no_such_thing`"),
    ("not_dotted", (6, 13), "is not a dotted name"),
    ("bad_argument", (10, 6), f"`{HERE}.takes` takes no argument `c`"),
    ("missing_argument", (12, 3), "missing a required argument: 'a'"),
    ("refused", (15, 3), "`datetime.timedelta` raised TypeError"),
    ("bad_convert", (19, 14), "`_convert_` must be one of none, partial, object, all"),
    ("bad_recursive", (22, 16), "`_recursive_` must be true or false"),
    ("bad_args", (25, 11), "`_args_` must be a list, not int"),
    ("no_value", (28, 6), "`a` has no value (`???`)"),
    ("deep", (33, 17), "cannot instantiate `deep.outer.inner`"),
]


@pytest.mark.parametrize(("key", "position", "part"), ERROR_CASES)
def test_an_error_names_the_node_and_where_it_was_written(
    key: str, position: tuple[int, int], part: str, tmp_path: Path
) -> None:
    path = tmp_path / "errors.yaml"
    path.write_text(ERRORS)
    with pytest.raises(hp.ConfigError) as caught:
        hp.instantiate(hp.config(path)[key])
    err = caught.value
    assert (err.file, err.line, err.column) == (str(path), *position)
    assert str(err).startswith(f"{path}:{position[0]}:{position[1]}: cannot instantiate `{key}")
    assert part in str(err)
    # Hydra refuses these nodes too (it lets an unknown `_convert_` through).
    if key != "bad_convert":
        with pytest.raises(Exception):  # noqa: B017 - Hydra raises several kinds
            hydra_instantiate(OmegaConf.load(path)[key])


def test_what_is_not_a_node_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="takes a Config, a mapping or a list"):
        hp.instantiate(3)
    with pytest.raises(TypeError, match="no other arguments"):
        hp.instantiate([], a=1)
    with pytest.raises(TypeError, match="no other arguments"):
        hp.instantiate([{"_target_": "builtins.range"}], 3)
