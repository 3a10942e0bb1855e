"""Interpolation beyond key references: relative references, `${oc.env:...}`,
`${now:...}`, `${hydra:...}` and resolvers registered with `hp.register_resolver`."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hyperparameter as hp


@pytest.fixture
def resolver_names():
    """Names registered by a test, removed after it."""
    names: list[str] = []
    yield names
    for name in names:
        hp.clear_resolver(name)


def test_relative_references_name_keys_beside_and_above() -> None:
    cfg = hp.config(
        {
            "model": {"dim": 32, "head": {"dim": "${..dim}", "name": "h${.dim}"}},
            "layers": [{"size": 8, "double": "${.size}"}],
        }
    )
    assert cfg["model"]["head"].to_dict() == {"dim": 32, "name": "h32"}
    assert cfg["layers"][0]["double"] == 8


def test_a_relative_reference_above_the_top_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("a:\n  b: ${...c}\n", encoding="utf-8")
    with pytest.raises(hp.ConfigError, match=r"goes above the top") as caught:
        hp.config(str(path))
    assert (caught.value.line, caught.value.column) == (2, 6)


def test_oc_env_is_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HP_TEST_DATA", "/data")
    monkeypatch.delenv("HP_TEST_UNSET", raising=False)
    cfg = hp.config({"a": "${oc.env:HP_TEST_DATA}", "b": "${oc.env:HP_TEST_UNSET, /tmp}"})
    assert cfg.to_dict() == {"a": "/data", "b": "/tmp"}


def test_now_formats_one_instant_for_the_whole_process() -> None:
    before = datetime.datetime.now()
    cfg = hp.config({"day": "${now:%Y-%m-%d}", "stamp": "${now:%Y-%m-%d %H:%M:%S.%f}"})
    again = hp.config({"stamp": "${now:%Y-%m-%d %H:%M:%S.%f}"})
    assert again["stamp"] == cfg["stamp"]
    assert cfg["stamp"].startswith(cfg["day"])
    stamp = datetime.datetime.strptime(cfg["stamp"][:19], "%Y-%m-%d %H:%M:%S")
    assert abs((stamp - before).total_seconds()) < 3600 * 24


def test_a_bad_time_format_is_an_error_naming_the_key() -> None:
    with pytest.raises(hp.ConfigError, match=r"`run\.dir`.*not a valid time format"):
        hp.config({"run": {"dir": "out/${now:%Q}"}})


def test_hydra_reads_run_values_then_the_hydra_node() -> None:
    cfg = hp.config(
        {
            "hydra": {"run": {"dir": "outputs/x"}},
            "cwd": "${hydra:runtime.cwd}",
            "out": "${hydra:run.dir}/ckpt",
        }
    )
    assert cfg["cwd"] == os.getcwd()
    assert cfg["out"] == "outputs/x/ckpt"
    with pytest.raises(hp.ConfigError, match=r"missing key `hydra\.job\.name`"):
        hp.config({"name": "${hydra:job.name}"})


def test_hydra_run_values_set_by_the_launcher_win() -> None:
    from hyperparameter import _native

    _native.set_run_info("job.name", "train")
    try:
        cfg = hp.config({"hydra": {"job": {"name": "ignored"}}, "name": "${hydra:job.name}"})
        assert cfg["name"] == "train"
    finally:
        _native.set_run_info("job.name", None)


def test_a_registered_resolver_gets_typed_arguments(resolver_names: list[str]) -> None:
    seen: list[tuple[object, ...]] = []

    def add(*args: object) -> object:
        seen.append(args)
        return sum(args)  # type: ignore[arg-type]

    hp.register_resolver("test.add", add)
    resolver_names.append("test.add")
    cfg = hp.config({"n": "${test.add:1, 2.5}", "text": "n=${test.add:1,2}"})
    assert cfg["n"] == 3.5 and type(cfg["n"]) is float
    assert cfg["text"] == "n=3"
    assert seen == [(1, 2.5), (1, 2)]


def test_a_resolver_may_return_lists_and_dicts(resolver_names: list[str]) -> None:
    hp.register_resolver("test.pair", lambda a, b: {"items": [a, b], "none": None})
    resolver_names.append("test.pair")
    cfg = hp.config({"p": "${test.pair:'x y',true}"})
    assert cfg["p"].to_dict() == {"items": ["x y", True], "none": None}


def test_a_failing_resolver_is_a_config_error_at_the_reference(
    tmp_path: Path, resolver_names: list[str]
) -> None:
    def fail(value: object) -> object:
        raise ValueError(f"no {value}")

    hp.register_resolver("test.fail", fail)
    resolver_names.append("test.fail")
    path = tmp_path / "c.yaml"
    path.write_text("x: 1\ny: ${test.fail:3}\n", encoding="utf-8")
    with pytest.raises(hp.ConfigError, match=r"resolver `test\.fail` failed .*ValueError: no 3"):
        hp.config(str(path))


def test_registration_rules(resolver_names: list[str]) -> None:
    with pytest.raises(hp.KeyFormatError, match="built-in"):
        hp.register_resolver("env", str)
    with pytest.raises(hp.KeyFormatError, match="identifiers joined by dots"):
        hp.register_resolver("1bad", str)
    with pytest.raises(TypeError, match="callable"):
        hp.register_resolver("test.x", 3)  # type: ignore[arg-type]
    hp.register_resolver("test.x", lambda: 1)
    resolver_names.append("test.x")
    with pytest.raises(hp.KeyFormatError, match="registered already"):
        hp.register_resolver("test.x", lambda: 2)
    hp.register_resolver("test.x", lambda: 2, replace=True)
    assert hp.config({"v": "${test.x:}"})["v"] == 2
    assert hp.clear_resolver("test.x") and not hp.clear_resolver("test.x")


def test_an_unknown_resolver_lists_the_built_in_ones() -> None:
    with pytest.raises(hp.ConfigError, match=r"unknown resolver `nope`.*`env`, `oc\.env`"):
        hp.config({"a": "${nope:1}"})


def test_a_resolver_registered_in_python_serves_files_loaded_in_threads(
    resolver_names: list[str],
) -> None:
    import threading

    hp.register_resolver("test.double", lambda x: 2 * x)
    resolver_names.append("test.double")
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(hp.config({"v": "${test.double:21}"})["v"]))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [42] * 4


def test_a_program_with_a_resolver_reports_its_failure_as_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "c.yaml").write_text("train:\n  lr: ${div:1,0}\n", encoding="utf-8")
    (tmp_path / "prog.py").write_text(
        textwrap.dedent(
            """
            import hyperparameter as hp
            hp.register_resolver("div", lambda a, b: a / b)

            @hp.param("train")
            def main(lr=0.1):
                print(lr)

            hp.launch(main)
            """
        ),
        encoding="utf-8",
    )
    done = subprocess.run(
        [sys.executable, "prog.py", "-C", "c.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "c.yaml:2:7" in done.stderr and "ZeroDivisionError" in done.stderr
    assert "Traceback" not in done.stderr
