"""`python benchmarks/run.py --quick --json` runs (both backends, in subprocesses of its own)
and reports every scenario of this library in the documented shape. No timing is asserted:
the figures depend on the machine; only their presence and consistency are checked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The run covers both backends itself; the suite's second pass (pure-Python backend) skips it.
pytestmark = pytest.mark.skipif(
    os.environ.get("HYPERPARAMETER_BACKEND") == "python",
    reason="benchmarks/run.py --quick measures both backends in one run",
)

EXPECTED_IDS = {
    "read.present",
    "read.missing",
    "param.read",
    "call.3",
    "scope.0",
    "scope.1000",
    "scope.100000",
    "write.2000",
    "write.20000",
    "import",
    "threads.1",
    "threads.2",
    "load.yaml",
}


@pytest.fixture(scope="module")
def quick_run() -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "HYPERPARAMETER_BACKEND"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def test_the_quick_run_measures_every_scenario_of_both_backends(quick_run: dict[str, Any]) -> None:
    assert quick_run["mode"] == "quick"
    assert set(quick_run["machine"]) == {"date", "system", "cpus", "load", "python"}
    by_library: dict[str, set[str]] = {}
    for record in quick_run["records"]:
        by_library.setdefault(record["library"], set()).add(record["id"])
    assert set(by_library) == {"hyperparameter", "hyperparameter (Python backend)"}
    for library, ids in by_library.items():
        missing = EXPECTED_IDS - ids
        assert not missing, missing
        # Composition is measured when the package has it, else skipped with the reason.
        skipped = [
            s["reason"]
            for s in quick_run["skipped"]
            if s["id"] == "compose.20" and s["library"] == library
        ]
        assert ("compose.20" in ids) != bool(skipped) and all(skipped), (library, skipped)


def test_every_record_is_a_median_beside_its_baseline(quick_run: dict[str, Any]) -> None:
    for record in quick_run["records"]:
        assert 1 <= record["scenario"] <= 8, record
        assert record["figure"] and record["baseline"], record
        assert record["ns"] > 0 and record["baseline_ns"] > 0, record
        assert record["ratio"] == pytest.approx(record["ns"] / record["baseline_ns"]), record
        assert record["repeats"] >= 3, record
    paths = {r["path"] for r in quick_run["records"] if r["id"].startswith("write.")}
    assert "hp.scope[k] = v" in paths and "root layer hp.scope[k] = v" in paths


def test_every_target_is_listed_with_a_verdict(quick_run: dict[str, Any]) -> None:
    targets = {row["target"]: row for row in quick_run["targets"]}
    assert len(targets) == 14
    read = targets["4-level read, key present"]
    assert read["met"] in (True, False) and "×" in read["measured"]
    # The Rust and C++ figures need release builds: the quick run does not measure them.
    rust = targets["Rust: get of a compile-time key"]
    assert rust["met"] is None and rust["measured"] == "not measured in this run"


def test_the_markdown_report_is_drawn_from_a_saved_run(
    quick_run: dict[str, Any], tmp_path: Path
) -> None:
    saved = tmp_path / "run.json"
    saved.write_text(json.dumps(quick_run), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--from", str(saved)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "### 1. Nested read of `model.layers.0.size`" in done.stdout
    assert "`hp.scope.model.layers._0.size \\| 10`" in done.stdout
    assert "| target | goal | measured | verdict |" in done.stdout
