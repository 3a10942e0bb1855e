"""``hp.report()``: what the program read, in both backends (and from C through the C ABI)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

import hyperparameter as hp

native_only = pytest.mark.skipif(hp.backend_name() != "native", reason="native backend only")


@pytest.fixture(autouse=True)
def fresh_report() -> None:
    hp.report.clear()


def test_a_read_records_the_converted_value_its_source_and_the_default() -> None:
    with hp.scope("rep.lr=0.5", "rep.id=007"):
        assert hp.scope.rep.lr | 0.1 == 0.5
        assert hp.scope.rep.id | "x" == "007"
        assert hp.scope.rep.epochs | 3 == 3
    report = hp.report()
    assert report["rep.lr"].value == 0.5 and type(report["rep.lr"].value) is float
    assert report["rep.lr"].default_used is False
    assert report["rep.id"].value == "007"
    assert report["rep.epochs"].value == 3 and report["rep.epochs"].default_used is True
    assert report["rep.epochs"].source == "default"
    assert list(report) == sorted(report)


def test_param_functions_record_given_and_default_values() -> None:
    @hp.param("rep_fn")
    def f(a: int = 1, b: str = "x") -> tuple[int, str]:
        return a, b

    with hp.scope(**{"rep_fn.a": "4"}):
        assert f() == (4, "x")
    assert f(a=9) == (9, "x")  # an explicit argument is no read of the store
    report = hp.report()
    assert (report["rep_fn.a"].value, report["rep_fn.a"].default_used) == (4, False)
    assert (report["rep_fn.b"].value, report["rep_fn.b"].default_used) == ("x", True)
    assert report["rep_fn.a"].other_reads == ()


def test_the_first_read_wins_and_later_different_reads_are_kept_once() -> None:
    for _ in range(3):
        with hp.scope(**{"rep.k": 1}):
            hp.scope.rep.k | 0
        with hp.scope(**{"rep.k": 2}):
            hp.scope.rep.k | 0
    entry = hp.report()["rep.k"]
    assert entry.value == 1
    assert [read.value for read in entry.other_reads] == [2]


def test_reads_in_other_threads_are_reported() -> None:
    def work() -> None:
        hp.scope.rep.threaded | 11

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert hp.report()["rep.threaded"].value == 11


def test_clear_and_recording_switch() -> None:
    hp.scope.rep.before | 1
    hp.report.clear()
    assert "rep.before" not in hp.report()
    assert hp.report.recording(False) is True
    try:
        hp.scope.rep.off | 1
    finally:
        assert hp.report.recording(True) is False
    hp.scope.rep.on | 1
    report = hp.report()
    assert "rep.off" not in report and "rep.on" in report


def test_to_dict_flat_and_nested() -> None:
    with hp.scope(**{"rep.m.layers": [3, 4], "rep.m.name": None, "rep.lr": 0.1}):
        hp.scope.rep.m.layers()
        hp.scope.rep.m.name()
        hp.scope.rep.lr | 0.0
    report = hp.report()
    assert report.to_dict() == {"rep.lr": 0.1, "rep.m.layers": [3, 4], "rep.m.name": None}
    assert report.to_dict(nested=True) == {
        "rep": {"lr": 0.1, "m": {"layers": [3, 4], "name": None}}
    }
    flat = report.flat()
    assert flat == {"rep.lr": 0.1, "rep.m.layers": "[3, 4]", "rep.m.name": "null"}
    assert all(type(v) in (bool, int, float, str) for v in flat.values())


def test_save_writes_every_format_by_extension(tmp_path: Path) -> None:
    with hp.scope(**{"rep.a": 1, "rep.b": "t ${x}", "rep.c": [1.5, True]}):
        hp.scope.rep.a | 0
        hp.scope.rep.b | ""
        hp.scope.rep.c()
    for suffix in (".toml", ".yaml", ".yml", ".json"):
        path = hp.report().save(tmp_path / f"out{suffix}")
        assert hp.config(path).to_dict() == {"rep": {"a": 1, "b": "t ${x}", "c": [1.5, True]}}
    assert json.loads((tmp_path / "out.json").read_text())["rep"]["a"] == 1
    assert "#" in (tmp_path / "out.toml").read_text()


def test_save_refuses_what_the_format_cannot_hold(tmp_path: Path) -> None:
    with hp.scope(**{"rep.none": None}):
        hp.scope.rep.none()
    with pytest.raises(hp.ConversionError, match=r"rep\.none"):
        hp.report().save(tmp_path / "out.toml")
    assert not (tmp_path / "out.toml").exists()
    hp.report().save(tmp_path / "out.yaml")
    with pytest.raises(hp.ConfigError):
        hp.report().save(tmp_path / "out.ini")


@native_only
def test_reads_through_the_c_abi_are_recorded() -> None:
    """C and C++ code read through the C ABI the extension exports (as GET_PARAM does)."""
    import ctypes

    from hyperparameter import _native

    capi = ctypes.CDLL(hp.lib)
    capi.hp_get_i64.argtypes = [
        ctypes.c_uint64,
        ctypes.c_char_p,
        ctypes.c_size_t,
        ctypes.c_int64,
        ctypes.POINTER(ctypes.c_int64),
    ]

    def get_i64(key: str, default: int) -> int:
        out = ctypes.c_int64()
        capi.hp_get_i64(_native.key_hash(key), key.encode(), len(key), default, out)
        return out.value

    with hp.scope(**{"rep.c_side": "42"}):
        assert get_i64("rep.c_side", 0) == 42
    assert get_i64("rep.c_absent", 5) == 5
    report = hp.report()
    assert (report["rep.c_side"].value, report["rep.c_side"].default_used) == (42, False)
    assert (report["rep.c_absent"].value, report["rep.c_absent"].default_used) == (5, True)
