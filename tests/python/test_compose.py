"""`hp.compose` against real Hydra 1.3, composing the same trees in the same test.

Every case of `tests/fixtures/compose/expected.json` (a fixture tree, a primary config and a
list of overrides; the file was written by `tests/python/compose_parity.py` with Hydra
1.3.8) and the extra override lists of `EXTRA_CASES` are composed here by `hp.compose` and
by `hydra.compose` under `initialize_config_dir`, and the two trees compared outside the
`hydra` node, before and after resolution; the checked-in results are compared too. A case
Hydra refuses must be refused with a `ConfigError`.

Hydra reads only YAML, so a tree holding TOML or JSON files is given to Hydra as a copy
with those files converted to YAML (header comments kept).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from omegaconf import OmegaConf

import hyperparameter as hp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "compose"
EXPECTED: list[dict[str, Any]] = json.loads((FIXTURES / "expected.json").read_text())["compose"]

# More override lists, composed by both sides here (not checked in).
EXTRA_CASES: list[tuple[str, str, list[str]]] = [
    ("basic", "config", ["server=nginx", "server.port=8080", "+app.extra=[1, {k: v}]"]),
    ("basic", "config", ["db=postgres", "~db.timeout", "++app.name=x y"]),
    ("basic", "config", ["server/site=blog", "app.port=1e-3", "debug=TRUE"]),
    ("basic", "options", ["db=[mysql]", "+seed=-1_000"]),
    ("basic", "self_first", ["db=postgres"]),
    ("basic", "no_self", ["+x='quoted, text'"]),
    ("packages", "config", ["db@backup=mysql", "++db.port=1"]),
    ("packages", "config", ["flags=disabled", "+db@extra=postgres"]),
    ("formats", "config", ["model=large", "trainer=slow", "+tags=[a,b]"]),
    ("lightning", "train", ["experiment=example", "model.optimizer.lr=0.5", "~logger"]),
    ("lightning", "train", ["debug=default", "trainer=gpu", "data.batch_size=8"]),
    ("lightning", "train", ["callbacks=none", "+trainer.precision=16", "seed=null"]),
    ("lightning", "eval", ["ckpt_path=x.ckpt", "trainer=ddp"]),
]

CASES = [(case["fixture"], case["config"], case["overrides"], case) for case in EXPECTED] + [
    (fixture, name, overrides, None) for fixture, name, overrides in EXTRA_CASES
]

# The Optuna sweeper plugin pins an old Optuna, so the suite does not install it: without it
# Hydra cannot compose a case choosing it, and that case is checked against the stored
# result only.
HAS_OPTUNA_SWEEPER = importlib.util.find_spec("hydra_plugins.hydra_optuna_sweeper") is not None


def needs_optuna_sweeper(overrides: list[str]) -> bool:
    return any(o.startswith("hparams_search=") for o in overrides)


def without_hydra(tree: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in tree.items() if key != "hydra"}


@pytest.fixture(scope="module")
def yaml_trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Each fixture tree as Hydra can read it: TOML and JSON files converted to YAML."""
    out = {}
    for source in sorted(p for p in FIXTURES.iterdir() if p.is_dir()):
        target = tmp_path_factory.mktemp("hydra") / source.name
        for path in sorted(source.rglob("*")):
            dest = target / path.relative_to(source)
            if path.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            if path.suffix in (".toml", ".json"):
                text = path.read_text()
                header = "".join(
                    line + "\n" for line in text.splitlines() if line.startswith("# @")
                )
                data = json.loads(text) if path.suffix == ".json" else toml_data(text)
                dest.with_suffix(".yaml").write_text(header + yaml.safe_dump(data, sort_keys=False))
            else:
                shutil.copy(path, dest)
        out[source.name] = target
    return out


def toml_data(text: str) -> Any:
    if sys.version_info < (3, 11):
        pytest.skip("converting TOML for Hydra needs tomllib (Python 3.11)")
    import tomllib

    return tomllib.loads(text)


def hydra_result(tree: Path, name: str, overrides: list[str]) -> dict[str, Any]:
    """What Hydra composes: the tree before and after resolution (`None` when Hydra cannot
    resolve it), or the error it raised."""
    try:
        with initialize_config_dir(version_base="1.3", config_dir=str(tree)):
            cfg = hydra_compose(config_name=name, overrides=overrides)
    except Exception as err:
        return {"error": f"{type(err).__name__}: {err}"}
    result: dict[str, Any] = {"raw": OmegaConf.to_container(cfg, resolve=False)}
    try:
        result["resolved"] = OmegaConf.to_container(cfg, resolve=True)
    except Exception:
        result["resolved"] = None
    return result


def ours(fixture: str, name: str, overrides: list[str], resolve: bool) -> dict[str, Any]:
    cfg = hp.compose(name, config_dir=FIXTURES / fixture, overrides=overrides, resolve=resolve)
    return without_hydra(cfg.to_dict())


# Hydra warns about a defaults list without `_self_` (the `no_self` config is one).
@pytest.mark.filterwarnings("ignore:In 'no_self'")
@pytest.mark.parametrize(
    ("fixture", "name", "overrides", "stored"),
    CASES,
    ids=[f"{c[0]}/{c[1]}:{' '.join(c[2]) or '-'}" for c in CASES],
)
def test_composes_as_hydra_does(
    fixture: str,
    name: str,
    overrides: list[str],
    stored: dict[str, Any] | None,
    yaml_trees: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROJECT_ROOT", "/project")
    live = None
    if HAS_OPTUNA_SWEEPER or not needs_optuna_sweeper(overrides):
        live = hydra_result(yaml_trees[fixture], name, overrides)
    if live is not None and stored is not None:
        # Hydra itself still gives what was checked in.
        assert ("error" in live) == ("error" in stored)
        if "error" not in live:
            assert live["raw"] == stored["raw"] and live["resolved"] == stored["resolved"]
    wanted = live if live is not None else stored
    assert wanted is not None
    if "error" in wanted:
        with pytest.raises(hp.ConfigError):
            ours(fixture, name, overrides, resolve=False)
        return
    assert ours(fixture, name, overrides, resolve=False) == without_hydra(wanted["raw"])
    if wanted["resolved"] is not None:
        assert ours(fixture, name, overrides, resolve=True) == without_hydra(wanted["resolved"])


def test_every_fixture_tree_and_many_override_lists_are_compared() -> None:
    assert {c[0] for c in CASES} == {p.name for p in FIXTURES.iterdir() if p.is_dir()}
    assert len(CASES) >= 60
    assert sum(1 for c in EXPECTED if c.get("resolved")) >= 30


BASIC = FIXTURES / "basic"


def test_the_result_is_a_config_whose_values_know_where_they_were_written() -> None:
    cfg = hp.compose("config", config_dir=BASIC, overrides=["db=postgres", "+seed=1"])
    assert isinstance(cfg, hp.Config)
    assert cfg["db"]["driver"] == "postgres" and cfg["app"]["port"] == 80
    assert cfg.origin("db.user") == "db/postgres.yaml:2:7"
    assert cfg.origin("seed") == "-D +seed=1"
    with cfg:
        assert hp.scope.db.port() == 5432
        assert hp.scope.seed() == 1


def test_a_primary_config_is_named_with_or_without_extension_and_overrides_may_be_one_str() -> None:
    assert hp.compose("config.yaml", config_dir=str(BASIC), overrides="db=postgres") == hp.compose(
        "config", config_dir=BASIC, overrides=("db=postgres",)
    )


def test_resolve_false_keeps_references_as_written() -> None:
    cfg = hp.compose("config", config_dir=BASIC, resolve=False)
    assert cfg["app"]["port"] == "${server.port}"


def test_an_unknown_key_is_an_error_naming_the_closest_one() -> None:
    with pytest.raises(hp.ConfigError) as caught:
        hp.compose("config", config_dir=BASIC, overrides=["app.nmae=x"])
    err = caught.value
    assert "cannot change `app.nmae`: there is no such key" in str(err)
    assert "did you mean `app.name`?" in str(err)
    assert err.file == "config" and err.reason is not None and "app.nmae" in err.reason


def test_an_unknown_group_option_lists_the_options_and_where_the_group_is_chosen() -> None:
    with pytest.raises(hp.ConfigError) as caught:
        hp.compose("config", config_dir=BASIC, overrides=["db=oracle"])
    message = str(caught.value)
    assert "`db` has no option `oracle` (at config.yaml:2:5)" in message
    assert "available options: mysql, postgres" in message


def test_a_missing_config_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(hp.ConfigError, match="cannot find the primary config `nope`"):
        hp.compose("nope", config_dir=BASIC)
    (tmp_path / "config.yaml").write_text("defaults:\n  - db: mysql\n")
    with pytest.raises(hp.ConfigError) as caught:
        hp.compose("config", config_dir=tmp_path)
    assert "there is no config group `db` (for `db: mysql` (at config.yaml:2:5))" in str(
        caught.value
    )
    with pytest.raises(hp.ConfigError, match=r"the config directory `.*nowhere` does not exist"):
        hp.compose("config", config_dir=tmp_path / "nowhere")


def test_bad_override_syntax_is_an_error_with_its_column() -> None:
    with pytest.raises(hp.ConfigError) as caught:
        hp.compose("config", config_dir=BASIC, overrides=["db.port=[1, 2"])
    err = caught.value
    assert str(err) == 'invalid override "db.port=[1, 2" at column 14: missing `]`'
    assert (err.value, err.column, err.reason) == ("db.port=[1, 2", 14, "missing `]`")


def test_a_file_that_does_not_parse_is_an_error_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "config.yaml").write_text("a: 1\nb: [1, 2\n")
    with pytest.raises(hp.ConfigError) as caught:
        hp.compose("config", config_dir=tmp_path)
    assert caught.value.file is not None and caught.value.file.endswith("config.yaml")
    assert caught.value.line is not None


def test_a_sweep_is_refused_when_composing_one_tree() -> None:
    with pytest.raises(hp.ConfigError, match="is a sweep"):
        hp.compose("config", config_dir=BASIC, overrides=["db.port=1,2"])
