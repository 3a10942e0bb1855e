"""``hyperparameter.loader``: the seeds' names ``load`` and ``validate(config, schema)``."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import List

import pytest

import hyperparameter as hp
from hyperparameter import loader
from hyperparameter.loader import validate


@dataclasses.dataclass
class Server:
    port: int
    host: str = "localhost"
    # `typing.List`: the schema resolves the annotation, and `list[str]` needs Python 3.9.
    tags: List[str] = dataclasses.field(default_factory=list)  # noqa: UP006


@dataclasses.dataclass
class App:
    server: Server
    debug: bool = False


def test_load_is_hp_config() -> None:
    assert loader.load is hp.config


def test_validate_a_mapping_converts_like_schema() -> None:
    data = {"server": {"port": "8080", "tags": ["a"]}, "debug": "yes"}
    assert validate(data, App) == App(Server(8080, tags=["a"]), debug=True)
    assert validate({"server.port": 1}, App) == App(Server(1))  # dotted keys nest


def test_validate_keeps_text_as_it_is() -> None:
    # The data is already resolved: `${...}` in it is text, not a reference.
    got = validate({"server": {"port": 1, "host": "${env:HOME}-$${x}"}}, App)
    assert got.server.host == "${env:HOME}-$${x}"


def test_validate_a_loaded_config_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "app.toml"
    path.write_text('debug = true\n[server]\nport = "many"\nextra = 1\n', encoding="utf-8")
    cfg = hp.config(path)
    with pytest.raises(hp.ConfigError) as raised:
        validate(cfg, App)
    message = str(raised.value)
    assert "2 problems" in message
    assert f"{path}:3:8" in message and "`server.port`" in message
    assert "unknown key `server.extra`" in message
    loose = validate(hp.config(path, overrides=["server.port=9"]), App, allow_unknown=True)
    assert loose == App(Server(9), debug=True)
    assert validate(hp.config(path, overrides=["server.port=9"]), App, allow_unknown=True) == (
        hp.config(path, overrides=["server.port=9"], schema=App, allow_unknown=True)
    )


def test_validate_refuses_what_is_not_a_mapping() -> None:
    with pytest.raises(TypeError, match="mapping, not list"):
        validate([1, 2], App)  # type: ignore[arg-type]


def test_validate_self_containing_data_is_a_type_error() -> None:
    data: dict[str, object] = {}
    data["server"] = data
    with pytest.raises(TypeError):
        validate(data, App)
