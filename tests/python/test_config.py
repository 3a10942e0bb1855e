"""Configuration files (SPEC §6): the shared fixtures, the `Config` mapping, scopes built
from it, and `schema=`.

Parsing, merging and interpolation run in the native module whichever scope backend is
selected: `HYPERPARAMETER_BACKEND=python` replaces the scope storage, not the parser, so
every test here runs under both backends. Only the checks that a scope built from a
configuration carries the file and line of each value are native-only (the pure-Python
backend records no sources).
"""

from __future__ import annotations

import dataclasses
import enum
import json
import os
import pickle
import subprocess
import sys
import textwrap
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Dict, Literal, NamedTuple, Tuple, TypedDict

import pytest

import hyperparameter as hp
from hyperparameter import loader
from hyperparameter.errors import ConfigError, ConversionError, DefineError, ScopeError

# Schemas written with `list[T]` and `X | None` annotations, which the schema resolves at run
# time: Python 3.8 and 3.9 cannot evaluate them (the same schemas in `typing` spellings are
# tested on every version through docs/config.md and test_loader.py).
NEWER_ANNOTATIONS = pytest.mark.skipif(
    sys.version_info < (3, 10), reason="the test's schema annotations need Python 3.10"
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "config"


# -- the shared fixtures (tests/fixtures/config/README.md) ----------------------------------------
def cases(kind: str) -> list[Path]:
    return sorted(path for path in (FIXTURES / kind).iterdir() if path.is_dir())


def lines(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line for line in path.read_text(encoding="utf-8").splitlines() if line]


@pytest.fixture
def fixture_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Sets exactly the `HP_FIXTURE_*` variables of a case's env.txt."""

    def apply(case: Path) -> None:
        for name in list(os.environ):
            if name.startswith("HP_FIXTURE_"):
                monkeypatch.delenv(name)
        for line in lines(case / "env.txt"):
            name, _, value = line.partition("=")
            monkeypatch.setenv(name, value)

    yield apply


def load_case(case: Path) -> hp.Config:
    inputs = sorted(path for path in case.iterdir() if path.name[:1].isdigit())
    assert inputs, f"{case}: no input files"
    return hp.config(*(str(path) for path in inputs), overrides=lines(case / "defines.txt"))


def strictly_equal(got: Any, expected: Any) -> bool:
    """Equality in which `1`, `1.0` and `True` differ (as in the Rust runner)."""
    if type(got) is not type(expected):
        return False
    if isinstance(got, dict):
        return got.keys() == expected.keys() and all(
            strictly_equal(got[key], expected[key]) for key in got
        )
    if isinstance(got, list):
        return len(got) == len(expected) and all(map(strictly_equal, got, expected))
    return bool(got == expected)


def test_the_fixture_folders_are_there() -> None:
    assert len(cases("good")) >= 10
    assert len(cases("bad")) >= 20


@pytest.mark.parametrize("case", cases("good"), ids=lambda path: path.name)
def test_good_fixture_resolves_to_its_expected_json(case: Path, fixture_env: Any) -> None:
    fixture_env(case)
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    got = load_case(case).to_dict()
    assert strictly_equal(got, expected), f"got {got!r}\nexpected {expected!r}"


@pytest.mark.parametrize("case", cases("bad"), ids=lambda path: path.name)
def test_bad_fixture_fails_with_its_expected_error(case: Path, fixture_env: Any) -> None:
    fixture_env(case)
    expected = (case / "expected_error.txt").read_text(encoding="utf-8")
    assert expected.endswith("\n")
    with pytest.raises((ConfigError, DefineError)) as caught:
        load_case(case)
    message = str(caught.value).replace(f"{case}/", "")
    assert message == expected[:-1]
    # A malformed `-D` item is a DefineError (as in hp.scope("a")); the rest ConfigErrors.
    malformed_define = case.name == "define_without_equals"
    assert isinstance(caught.value, DefineError) == malformed_define
    assert isinstance(caught.value, ValueError)


def test_the_fixture_env_sees_the_process_environment(
    fixture_env: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    case = FIXTURES / "good" / "env"
    fixture_env(case)
    before = load_case(case).to_dict()
    name, _, _ = lines(case / "env.txt")[0].partition("=")
    monkeypatch.setenv(name, "changed-by-the-test")
    assert load_case(case).to_dict() != before


# -- Config, the mapping -------------------------------------------------------------------------
@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.toml").write_text(
        textwrap.dedent(
            """\
            [model]
            dim = 32
            layers = [{size = 8}, {size = 16}]
            name = "net-${model.dim}"

            [train]
            lr = 0.001
            """
        ),
        encoding="utf-8",
    )
    (tmp_path / "run.yaml").write_text(
        "train:\n  lr: 0.01\n  epochs: 3\nmodel:\n  layers: [{size: 4}]\n", encoding="utf-8"
    )
    return tmp_path


def test_config_is_a_read_only_nested_mapping(files: Path) -> None:
    cfg = hp.config("base.toml")
    assert isinstance(cfg, hp.Config)
    from collections.abc import Mapping

    assert isinstance(cfg, Mapping)
    assert list(cfg) == ["model", "train"]
    assert len(cfg) == 2 and "model" in cfg and "nope" not in cfg
    model = cfg["model"]
    assert isinstance(model, hp.Config)
    assert model["dim"] == 32 and model["name"] == "net-32"
    assert isinstance(model["layers"], tuple)
    assert model["layers"][1]["size"] == 16
    with pytest.raises(TypeError):
        cfg["model"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        model["layers"][0] = {}
    with pytest.raises(AttributeError):
        cfg.model  # type: ignore[attr-defined]  # noqa: B018
    with pytest.raises(KeyError):
        cfg["nope"]
    assert cfg.get("nope", 5) == 5


def test_config_equality_and_plain_copies(files: Path) -> None:
    cfg = hp.config("base.toml")
    plain = cfg.to_dict()
    assert plain == {
        "model": {"dim": 32, "layers": [{"size": 8}, {"size": 16}], "name": "net-32"},
        "train": {"lr": 0.001},
    }
    assert cfg == plain and cfg["model"] == plain["model"]
    assert cfg == hp.config("base.toml")
    assert cfg != {"model": {}}
    plain["model"]["dim"] = 0
    plain["model"]["layers"].append(1)
    assert cfg["model"]["dim"] == 32 and len(cfg["model"]["layers"]) == 2
    assert cfg.to_dict(nested=False) == {
        "model.dim": 32,
        "model.layers": [{"size": 8}, {"size": 16}],
        "model.name": "net-32",
        "train.lr": 0.001,
    }
    assert repr(hp.config({"a": 1})) == "Config({'a': 1})"


def test_merge_in_order_lists_replaced_and_mappings_beside_paths(files: Path) -> None:
    cfg = hp.config("base.toml", "run.yaml", {"train.epochs": 5, "extra": {"x": [1, 2]}})
    assert cfg.to_dict() == {
        "model": {"dim": 32, "layers": [{"size": 4}], "name": "net-32"},
        "train": {"lr": 0.01, "epochs": 5},
        "extra": {"x": [1, 2]},
    }
    assert hp.config("run.yaml", "base.toml")["train"]["lr"] == 0.001
    assert hp.config(Path("base.toml"))["model"]["dim"] == 32


def test_a_config_can_be_a_source_of_another(files: Path) -> None:
    first = hp.config("base.toml")
    merged = hp.config(first, {"model": {"dim": 64}})
    assert merged["model"]["dim"] == 64 and merged["model"]["layers"][0]["size"] == 8


def test_overrides_apply_before_interpolation(files: Path) -> None:
    cfg = hp.config("base.toml", overrides=["model.dim=64", "train.lr =1e-4"])
    # Override values stay text (typed reads convert them, SPEC §4); references see them.
    assert cfg["model"]["dim"] == "64"
    assert cfg["model"]["name"] == "net-64"
    assert cfg["train"]["lr"] == "1e-4"
    assert cfg.origin("model.dim") == "-D model.dim=64"
    assert hp.config("base.toml", overrides="model.dim=7")["model"]["name"] == "net-7"
    with pytest.raises(DefineError):
        hp.config("base.toml", overrides=["model.dim"])
    with pytest.raises(DefineError, match="contains whitespace"):
        hp.config("base.toml", overrides=["bad key=1"])
    layers = hp.config("base.toml", overrides=["model.layers.1.size=3"])["model"]["layers"]
    assert layers == ({"size": 8}, {"size": "3"})
    with pytest.raises(ConfigError, match=r"^-D model.layers.5.size=3: cannot set"):
        hp.config("base.toml", overrides=["model.layers.5.size=3"])


def test_interpolation_of_mappings_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HP_TEST_DATA_DIR", "/data")
    monkeypatch.delenv("HP_TEST_UNSET", raising=False)
    cfg = hp.config(
        {
            "a": {"b": 3},
            "same": "${a.b}",
            "text": "b=${a.b}!",
            "table": "${a}",
            "dir": "${env:HP_TEST_DATA_DIR}/train",
            "fallback": "${env:HP_TEST_UNSET, /tmp}",
            "literal": "$${a.b}",
        }
    )
    assert cfg["same"] == 3 and cfg["text"] == "b=3!" and cfg["table"] == {"b": 3}
    assert cfg["dir"] == "/data/train" and cfg["fallback"] == "/tmp"
    assert cfg["literal"] == "${a.b}"
    with pytest.raises(ConfigError, match=r"^<mapping>: missing key `nope`"):
        hp.config({"a": "${nope}"})


def test_origins_name_file_line_and_column(files: Path) -> None:
    cfg = hp.config("base.toml", "run.yaml", {"x": 1})
    assert cfg.origin("model.dim") == "base.toml:2:7"
    assert cfg.origin("train.lr") == "run.yaml:2:7"
    assert cfg.origin("model.layers.0.size") == "run.yaml:5:19"
    assert cfg["model"].origin("dim") == "base.toml:2:7"
    assert cfg["model"]["layers"][0].origin("size") == "run.yaml:5:19"
    assert cfg.origin("x") == "<mapping>"
    assert cfg.origin("nope") is None


def test_bad_sources_and_arguments(files: Path) -> None:
    with pytest.raises(TypeError, match=r"paths .* and mappings"):
        hp.config(3)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="keys of a configuration mapping must be str"):
        hp.config({1: 2})
    with pytest.raises(ConfigError, match="cannot read the file"):
        hp.config("missing.toml")
    with pytest.raises(TypeError, match="allow_unknown"):
        hp.config("base.toml", allow_unknown=True)
    loop: dict[str, Any] = {}
    loop["self"] = loop
    with pytest.raises(TypeError, match="nests deeper"):
        hp.config(loop)
    assert hp.config().to_dict() == {}


def test_objects_in_mappings_are_kept(files: Path) -> None:
    marker = object()
    cfg = hp.config({"obj": marker, "path": Path("x"), "big": 2**70})
    assert cfg["obj"] is marker and cfg["path"] == Path("x") and cfg["big"] == 2**70


# -- Config and scopes -------------------------------------------------------------------------
def test_with_config_enters_a_scope_of_dotted_keys(files: Path) -> None:
    cfg = hp.config("base.toml")
    assert hp.scope.model.dim | 0 == 0
    with cfg as entered:
        assert entered is cfg
        assert hp.scope.model.dim | 0 == 32
        assert hp.scope["model.name"]() == "net-32"
        assert hp.scope.model.layers() == [{"size": 8}, {"size": 16}]
        assert type(hp.scope.model.layers()) is list
        hp.scope.train.lr = 0.5
        assert hp.scope.train.lr | 0.0 == 0.5
        with cfg:  # the same configuration entered again, inside itself
            assert hp.scope.train.lr | 0.0 == 0.001
        assert hp.scope.train.lr | 0.0 == 0.5
    assert "model.dim" not in hp.scope and "train.lr" not in hp.scope


def test_hp_scope_accepts_a_config_and_its_tables(files: Path) -> None:
    cfg = hp.config("base.toml", overrides=["train.lr=0.1"])
    with hp.scope(cfg) as ps:
        assert ps.model.dim | 0 == 32
        assert hp.scope.train.lr | 0.0 == 0.1  # "0.1" from -D, converted by the read
    with hp.scope(cfg["model"], extra=1):
        assert hp.scope.dim() == 32 and hp.scope.extra() == 1
        assert hp.scope.layers() == [{"size": 8}, {"size": 16}]
    with hp.scope(cfg["model"]["layers"][1]):
        assert hp.scope.size() == 16
    assert hp.scope(cfg).to_dict() == {**hp.scope.to_dict(), **cfg.to_dict(nested=False)}


def test_an_empty_table_stays_visible_as_a_key() -> None:
    cfg = hp.config({"a": {}, "b": {"c": {}}})
    with cfg:
        assert hp.scope.a() == {} and hp.scope.b.c() == {}


def test_exiting_a_config_that_is_not_entered_is_an_error() -> None:
    cfg = hp.config({"a": 1})
    with pytest.raises(ScopeError, match="not entered"):
        cfg.__exit__(None, None, None)
    other = hp.config({"b": 2})
    cfg.__enter__()
    other.__enter__()
    with pytest.raises(ScopeError, match="out of order"):
        cfg.__exit__(None, None, None)
    other.__exit__(None, None, None)
    cfg.__exit__(None, None, None)
    assert "a" not in hp.scope


def test_with_config_is_per_thread() -> None:
    import threading

    cfg = hp.config({"k": 1})
    seen: list[Any] = []

    def worker() -> None:
        seen.append(hp.scope.k | 0)
        with cfg:
            seen.append(hp.scope.k | 0)
        seen.append(hp.scope.k | 0)

    with cfg:
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert hp.scope.k | 0 == 1
    assert seen == [0, 1, 0]


def test_scopes_from_a_config_name_the_file_and_line_of_a_bad_value(files: Path) -> None:
    cfg = hp.config("base.toml", overrides=["train.lr=fast"])
    with cfg:
        with pytest.raises(ConversionError, match=r"`model.name` .*\(from base.toml:4:8\) to int"):
            hp.scope.model.name | 0
        with pytest.raises(ConversionError, match=r"\(from -D train.lr=fast\) to float"):
            hp.scope.train.lr | 0.0
    with hp.scope(cfg["model"]):
        with pytest.raises(ConversionError, match=r"`name` .*\(from base.toml:4:8\)"):
            hp.scope.name | 0


# -- the seeds' spelling and the package surface ----------------------------------------------
@dataclasses.dataclass
class AppConfig:
    host: str
    port: int
    debug: bool = False


def test_seeds_loader_load_with_a_dataclass(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("config.toml").write_text('host = "0.0.0.0"\nport = "8080"\n', encoding="utf-8")
    # Validates types and converts automatically: "8080" -> 8080 (int)
    cfg = loader.load("config.toml", schema=AppConfig)
    assert cfg == AppConfig(host="0.0.0.0", port=8080, debug=False)
    assert type(cfg.port) is int
    assert loader.load is hp.config
    assert isinstance(loader.load("config.toml"), loader.Config)


def test_hp_config_is_a_function_whatever_was_imported_first() -> None:
    # The implementation lives in a private module, so importing it never rebinds the
    # package attribute `config` to a module.
    code = textwrap.dedent(
        """
        import types
        from hyperparameter._config import Config
        import hyperparameter as hp
        from hyperparameter import config
        assert isinstance(hp.config, types.FunctionType) and config is hp.config
        assert isinstance(hp.config({"a": 1}), Config) and config({"a": 1}) == {"a": 1}
        assert hp.Config is Config
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_no_python_toml_or_yaml_library_is_used(files: Path) -> None:
    code = textwrap.dedent(
        """
        import sys
        for name in ("yaml", "ruamel", "ruamel.yaml", "toml", "tomllib", "tomli", "json"):
            sys.modules[name] = None  # importing any of them now fails
        import hyperparameter as hp
        cfg = hp.config("base.toml", "run.yaml", {"z": 1})
        assert cfg["train"]["epochs"] == 3, cfg
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=files)


def test_import_hyperparameter_does_not_load_the_config_modules() -> None:
    # The configuration module itself is imported with the package (it is light): binding
    # `hp.config` lazily would need a module `__getattr__`, which stops CPython from
    # specialising `hp.scope` loads (a 14 ns cost on every read).
    code = (
        "import sys, hyperparameter; "
        "assert 'hyperparameter._schema' not in sys.modules; "
        "assert 'hyperparameter.cli' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_import_hyperparameter_does_not_load_heavy_standard_modules() -> None:
    # `typing`, `re`, `enum` and `contextlib` cost milliseconds each; the package uses them
    # only when a feature that needs them runs.
    code = (
        "import sys, hyperparameter; "
        "heavy = {'typing', 're', 'enum', 'contextlib', 'inspect', 'argparse'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_config_error_is_a_value_error() -> None:
    assert issubclass(hp.ConfigError, hp.HyperparameterError)
    assert issubclass(hp.ConfigError, ValueError)
    assert {"config", "Config", "ConfigError", "loader"} <= set(hp.__all__)


def test_a_config_pickles_as_its_values() -> None:
    cfg = hp.config({"a": {"b": [1, "${a.c}"], "c": 2}, "text": "$${literal} and $5"})
    assert cfg.to_dict() == {"a": {"b": [1, 2], "c": 2}, "text": "${literal} and $5"}
    copy = pickle.loads(pickle.dumps(cfg))
    assert isinstance(copy, hp.Config) and copy == cfg
    assert pickle.loads(pickle.dumps(cfg["a"])) == {"b": [1, 2], "c": 2}


# -- schema= -------------------------------------------------------------------------------------
class Color(enum.Enum):
    RED = "red"
    GREEN = "green"


class Level(enum.IntEnum):
    LOW = 1
    HIGH = 2


@dataclasses.dataclass
class Optimizer:
    name: Literal["adam", "sgd"]
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)


@dataclasses.dataclass
class Layer:
    size: int
    activation: str | None = None


@dataclasses.dataclass
class Model:
    dim: int
    layers: list[Layer]
    optimizer: Optimizer
    dropout: float | None = None
    tags: list[str] = dataclasses.field(default_factory=lambda: ["base"])
    weights: dict[str, float] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class Experiment:
    model: Model
    color: Color
    level: Level
    seed: int | str
    out: Path
    steps: tuple[int, ...] = ()
    extra: Any = None
    notes: dict[str, list[int]] | None = None


EXPERIMENT_TOML = """\
color = "GREEN"
level = "2"
seed = "42"
out = "runs/${model.dim}"
steps = [1, "2", 3.0]
extra = {anything = [1, {b = 2}]}

[model]
dim = "64"
dropout = "0.1"
tags = ["a", "b"]
weights = {x = 1, y = "0.5"}
layers = [{size = 8}, {size = "16", activation = "relu"}]

[model.optimizer]
name = "sgd"
betas = ["0.8", 0.9]
"""


@pytest.fixture
def experiment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("exp.toml").write_text(EXPERIMENT_TOML, encoding="utf-8")
    return tmp_path


@NEWER_ANNOTATIONS
def test_schema_builds_every_type_form(experiment: Path) -> None:
    exp = hp.config("exp.toml", schema=Experiment)
    assert exp == Experiment(
        model=Model(
            dim=64,
            layers=[Layer(8), Layer(16, "relu")],
            optimizer=Optimizer("sgd", 1e-3, (0.8, 0.9)),
            dropout=0.1,
            tags=["a", "b"],
            weights={"x": 1.0, "y": 0.5},
        ),
        color=Color.GREEN,
        level=Level.HIGH,
        seed="42",
        out=Path("runs/64"),
        steps=(1, 2, 3),
        extra={"anything": [1, {"b": 2}]},
    )
    assert type(exp.model.weights["x"]) is float and type(exp.steps[2]) is int
    assert type(exp.extra) is dict and type(exp.extra["anything"]) is list


@NEWER_ANNOTATIONS
def test_schema_union_keeps_a_matching_type_else_converts_in_order(experiment: Path) -> None:
    @dataclasses.dataclass
    class Choice:
        a: int | str
        b: int | float
        c: bool | list[int]
        d: int | None

    got = hp.config({"a": 7, "b": "2.5", "c": [1, "2"], "d": None}, schema=Choice)
    assert got == Choice(a=7, b=2.5, c=[1, 2], d=None)
    with pytest.raises(ConfigError, match=r"`b` = 'x' .* converts to none of int, float"):
        hp.config({"a": 1, "b": "x", "c": True, "d": 1}, schema=Choice)


@NEWER_ANNOTATIONS
def test_schema_defaults_and_default_factory_fill_missing_fields() -> None:
    first = hp.config({"dim": 1, "layers": [], "optimizer": {"name": "adam"}}, schema=Model)
    second = hp.config({"dim": 2, "layers": [], "optimizer": {"name": "adam"}}, schema=Model)
    assert first.tags == ["base"] and first.weights == {} and first.dropout is None
    assert first.optimizer == Optimizer("adam", 1e-3, (0.9, 0.999))
    assert first.tags is not second.tags  # a fresh list per instance, from the factory


@NEWER_ANNOTATIONS
def test_schema_reports_every_problem_at_once_with_path_and_file_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text(
        textwrap.dedent(
            """\
            color = "purple"
            level = 3
            seed = 1.5  # fits Union[int, str] as the text "1.5"
            out = "o"
            colour = 1

            [model]
            dim = "sixty"
            dropout = "high"
            layers = [{size = 8}, {size = "big", extra = true}]
            weights = {x = "heavy"}

            [model.optimizer]
            name = "rmsprop"
            betas = [0.9]
            """
        ),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        hp.config("bad.toml", schema=Experiment)
    message = str(caught.value)
    first, *problems = message.splitlines()
    assert first == "the configuration does not fit Experiment (10 problems):"
    expected = [
        "cannot convert parameter `model.dim` = 'sixty' (from bad.toml:8:7) to int",
        "cannot convert parameter `model.layers.1.size` = 'big' (from bad.toml:10:31) to int",
        "unknown key `model.layers.1.extra` (from bad.toml:10:46): Layer has no field `extra`",
        "cannot convert parameter `model.optimizer.name` = 'rmsprop' (from bad.toml:14:8) to "
        "Literal['adam', 'sgd']: expected one of 'adam', 'sgd'",
        "cannot convert parameter `model.optimizer.betas` = [0.9] (from bad.toml:15:9) to "
        "tuple[float, float]: expected 2 items, got 1",
        "cannot convert parameter `model.dropout` = 'high' (from bad.toml:9:11) to float: "
        "expected a number",
        "cannot convert parameter `model.weights.x` = 'heavy' (from bad.toml:11:16) to float",
        "cannot convert parameter `color` = 'purple' (from bad.toml:1:9) to Color: expected "
        "a member name or value (RED='red', GREEN='green')",
        "cannot convert parameter `level` = 3 (from bad.toml:2:9) to Level",
        "unknown key `colour` (from bad.toml:5:10): Experiment has no field `colour`; did you "
        "mean `color`?",
    ]
    for line in expected:
        assert any(line in problem for problem in problems), (line, message)
    assert len(problems) == 10, message
    assert sum("allow_unknown=True" in problem for problem in problems) == 2


@NEWER_ANNOTATIONS
def test_schema_reports_missing_fields_where_their_table_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("m.yaml").write_text("model:\n  layers: []\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        hp.config("m.yaml", schema=Experiment)
    problems = str(caught.value).splitlines()[1:]
    missing_dim = "missing parameter `model.dim` (in m.yaml:2:3): Model requires `dim`"
    assert f"  - {missing_dim} and it has no default" in problems
    assert any(
        p.startswith("  - missing parameter `color` (in the configuration)") for p in problems
    )
    assert len(problems) == 6, problems  # model.dim, model.optimizer, color, level, seed, out


def test_schema_unknown_keys_are_allowed_on_request() -> None:
    data = {"host": "h", "port": 1, "workers": 4, "nested": {"x": 1}}
    with pytest.raises(ConfigError, match="unknown key `workers`"):
        hp.config(data, schema=AppConfig)
    assert hp.config(data, schema=AppConfig, allow_unknown=True) == AppConfig("h", 1)


def test_schema_null_only_where_optional() -> None:
    with pytest.raises(ConfigError, match=r"`port` = null .* null is not allowed here"):
        hp.config({"host": "h", "port": None}, schema=AppConfig)


@NEWER_ANNOTATIONS
def test_schema_values_that_need_a_table_or_a_list() -> None:
    with pytest.raises(ConfigError) as caught:
        hp.config(
            {"dim": [1], "layers": {"size": 1}, "optimizer": "adam", "weights": [1]},
            schema=Model,
        )
    message = str(caught.value)
    assert "`dim` = [1] (from <mapping>) to int: expected int, got a list" in message
    assert "`layers` = {'size': 1} (from <mapping>) to list[Layer]: expected a list" in message
    assert "`optimizer` = 'adam' (from <mapping>) to Optimizer: expected a table of its" in message
    assert "`weights` = [1] (from <mapping>) to dict[str, float]: expected a table" in message


class ServerTuple(NamedTuple):
    host: str
    port: int = 80


class ServerDict(TypedDict, total=False):
    host: str
    port: int


class PlainServer:
    """A class with annotated attributes and no __init__."""

    host: str
    port: int = 80


class InitServer:
    """A class whose __init__ is annotated."""

    def __init__(self, host: str, port: int = 80, *, secure: bool = False) -> None:
        self.host, self.port, self.secure = host, port, secure


class CheckedServer:
    def __init__(self, port: int) -> None:
        if port < 1024:
            raise ValueError(f"port {port} is privileged")
        self.port = port


def test_schema_typed_plain_classes_named_tuples_and_typed_dicts() -> None:
    data = {"host": "h", "port": "8080"}
    assert hp.config(data, schema=ServerTuple) == ServerTuple("h", 8080)
    assert hp.config({"host": "h"}, schema=ServerTuple) == ServerTuple("h", 80)
    assert hp.config(data, schema=ServerDict) == {"host": "h", "port": 8080}
    assert hp.config({}, schema=ServerDict) == {}
    plain = hp.config(data, schema=PlainServer)
    assert isinstance(plain, PlainServer) and (plain.host, plain.port) == ("h", 8080)
    assert hp.config({"host": "h"}, schema=PlainServer).port == 80
    server = hp.config({**data, "secure": "yes"}, schema=InitServer)
    assert (server.host, server.port, server.secure) == ("h", 8080, True)
    with pytest.raises(ConfigError, match="missing parameter `host`"):
        hp.config({}, schema=InitServer)
    with pytest.raises(
        ConfigError,
        match=r"cannot build `<root>` \(from the configuration\) as CheckedServer: "
        r"ValueError: port 80 is privileged",
    ):
        hp.config({"port": 80}, schema=CheckedServer)


@NEWER_ANNOTATIONS
def test_schema_can_be_any_type_form() -> None:
    # The typing module's spellings as well as the builtin ones (used in the classes above).
    assert hp.config({"a": "1"}, schema=typing.Dict[str, typing.Optional[int]]) == {"a": 1}
    assert hp.config({"a": ["1"]}, schema=typing.Mapping[str, typing.List[float]]) == {"a": [1.0]}
    assert hp.config({"a": [1, 1]}, schema=dict[str, typing.FrozenSet[int]]) == {
        "a": frozenset({1})
    }
    assert hp.config({"a": [2, "x"]}, schema=dict[str, typing.Tuple[int, str]]) == {"a": (2, "x")}
    assert hp.config({"a": None}, schema=dict[str, typing.Union[int, None]]) == {"a": None}
    assert hp.config({"a": "3"}, schema=dict[str, typing.Annotated[int, "doc"]]) == {"a": 3}
    assert hp.config({"a": "1", "b": 2}, schema=Dict[str, int]) == {"a": 1, "b": 2}
    assert hp.config({"a": {"x": [1]}}, schema=dict) == {"a": {"x": [1]}}
    layers = hp.config({"a": {"size": 1}, "b": {"size": "2"}}, schema=Dict[str, Layer])
    assert layers == {"a": Layer(1), "b": Layer(2)}
    assert hp.config({"k": ["1", 2]}, schema=Dict[str, Tuple[int, ...]]) == {"k": (1, 2)}


def test_schema_annotations_that_do_not_resolve_are_a_clear_type_error() -> None:
    @dataclasses.dataclass
    class Local:
        inner: Undefined  # type: ignore[name-defined]  # noqa: F821

    with pytest.raises(TypeError, match="cannot resolve the annotations of"):
        hp.config({"inner": 1}, schema=Local)


def test_schema_sees_overrides_and_environment(
    experiment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HP_TEST_PORT", "9000")
    got = hp.config(
        {"host": "h", "port": "${env:HP_TEST_PORT}"}, schema=AppConfig, overrides=["debug=on"]
    )
    assert got == AppConfig("h", 9000, True)


@NEWER_ANNOTATIONS
def test_config_and_schema_results_are_typed_for_mypy(tmp_path: Path) -> None:
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--version"], capture_output=True)
    if mypy.returncode != 0:
        pytest.skip("mypy is not installed")
    user = tmp_path / "user.py"
    user.write_text(
        textwrap.dedent(
            """
            from dataclasses import dataclass

            import hyperparameter as hp
            from hyperparameter import loader

            @dataclass
            class App:
                port: int

            cfg = hp.config("a.toml", {"x": 1}, overrides=["a=1"])
            reveal_type(cfg)
            reveal_type(loader.load("a.toml", schema=App))
            port: int = hp.config("a.toml", schema=App).port
            with hp.config("a.toml") as entered, hp.scope(entered):
                origin: str | None = entered.origin("x")
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(user)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert 'Revealed type is "hyperparameter._config.Config"' in done.stdout
    assert 'Revealed type is "user.App"' in done.stdout


def test_the_native_tree_lists_entries_with_their_sources(files: Path) -> None:
    from hyperparameter import _native

    tree = _native.load_config(["base.toml", {"extra": {}}], ["train.lr=0.5"])
    assert tree.entries() == [
        ("model.dim", 32, "base.toml:2:7"),
        ("model.layers", [{"size": 8}, {"size": 16}], "base.toml:3:10"),
        ("model.name", "net-32", "base.toml:4:8"),
        ("train.lr", "0.5", "-D train.lr=0.5"),
        ("extra", {}, "<mapping>"),
    ]
    assert tree.entries("model.layers.1") == [("size", 16, "base.toml:3:31")]
    assert tree.entries("nope") == [] and tree.entries("model.dim") == []


def test_with_config_in_asyncio_tasks_is_per_task() -> None:
    import asyncio

    cfg = hp.config({"k": 1})

    async def task(entered: bool) -> Any:
        if entered:
            with cfg:
                await asyncio.sleep(0)
                return hp.scope.k | 0
        await asyncio.sleep(0)
        return hp.scope.k | 0

    async def main() -> list[Any]:
        return list(await asyncio.gather(task(True), task(False), task(True)))

    assert asyncio.run(main()) == [1, 0, 1]
    assert "k" not in hp.scope


def test_random_input_gives_a_config_or_a_config_error(tmp_path: Path) -> None:
    """Garbled files and references (SPEC §12): a result or a ConfigError, never a crash or
    another exception (a panic in the core would surface as a BaseException)."""
    import random

    rng = random.Random(20261123)
    alphabet = ["$", "{", "}", "${", "$${", "a", "b.c", "env:", ",", ":", " ", "\n", '"', "[", "]"]
    alphabet += ["=", "-", "#", "1", "2.5", "true", "null", "&x", "*x", "<<", "!!str", "\t", "é"]

    def noise(length: int) -> str:
        return "".join(rng.choice(alphabet) for _ in range(length))

    outcomes = {"ok": 0, "error": 0}
    for round_ in range(300):
        suffix = rng.choice([".toml", ".json", ".yaml"])
        path = tmp_path / f"f{round_}{suffix}"
        path.write_text(noise(rng.randrange(1, 40)), encoding="utf-8")
        mapping = {"a": noise(rng.randrange(0, 12)), "b": {"c": noise(rng.randrange(0, 12))}}
        for sources in ([str(path)], [mapping]):
            try:
                hp.config(*sources)
                outcomes["ok"] += 1
            except ConfigError:
                outcomes["error"] += 1
    # Both outcomes occur, so the loop exercised the parsers and the resolver.
    assert outcomes["ok"] > 50 and outcomes["error"] > 50, outcomes
