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
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Dict, List, Literal, NamedTuple, Optional, Tuple, TypedDict, Union

import pytest

import hyperparameter as hp
from hyperparameter import loader
from hyperparameter.errors import ConfigError, ConversionError, DefineError, ScopeError

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
    with pytest.raises(TypeError, match="paths .* and mappings"):
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


@pytest.mark.native_only
def test_scopes_from_a_config_name_the_file_and_line_of_a_bad_value(files: Path) -> None:
    cfg = hp.config("base.toml", overrides=["train.lr=fast"])
    with cfg:
        with pytest.raises(ConversionError, match=r"`model.name` .*\(from base.toml:4\) to int"):
            hp.scope.model.name | 0
        with pytest.raises(ConversionError, match=r"\(from -D/--define\) to float"):
            hp.scope.train.lr | 0.0
    with hp.scope(cfg["model"]):
        with pytest.raises(ConversionError, match=r"`name` .*\(from base.toml:4\)"):
            hp.scope.name | 0


# -- the seeds' spelling and the package surface ----------------------------------------------
@dataclasses.dataclass
class AppConfig:
    host: str
    port: int
    debug: bool = False


def test_seeds_loader_load_with_a_dataclass(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    Path("config.toml").write_text('host = "0.0.0.0"\nport = "8080"\n', encoding="utf-8")
    # Validates types and converts automatically: "8080" -> 8080 (int)
    cfg = loader.load("config.toml", schema=AppConfig)
    assert cfg == AppConfig(host="0.0.0.0", port=8080, debug=False)
    assert type(cfg.port) is int
    assert loader.load is hp.config.load and loader.load is hp.config.config
    assert isinstance(loader.load("config.toml"), loader.Config)


def test_hp_config_is_callable_whatever_was_imported_first() -> None:
    code = textwrap.dedent(
        """
        from hyperparameter.config import Config
        import hyperparameter as hp
        from hyperparameter import config
        assert isinstance(hp.config({"a": 1}), Config)
        assert config is hp.config and config.config({"a": 1}) == {"a": 1}
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
    code = (
        "import sys, hyperparameter; "
        "assert 'hyperparameter.config' not in sys.modules; "
        "assert 'hyperparameter._schema' not in sys.modules"
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
