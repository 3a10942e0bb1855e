"""Scenario 9 of `benchmarks/run.py`: the Rust core's criterion benchmarks and the C++
layer's benchmark program (`scripts/bench-cpp.sh`), both release builds, parsed into the
report's records. These figures have no plain baseline: they are absolute times per
operation, compared with their targets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

CRITERION = re.compile(
    r"^(?P<name>\S[^\n]*?)\s*(?:\n\s*)?time:\s+"
    r"\[\S+ \S+ (?P<value>[\d.]+) (?P<unit>ps|ns|µs|us|ms)",
    re.MULTILINE,
)
CPP_SECTION = re.compile(r"^== (?P<kind>static|shared) library", re.MULTILINE)
CPP_LINE = re.compile(r"^(?P<what>\S.*?)\s+(?P<value>[\d.]+) ns/op", re.MULTILINE)
TO_NS = {"ps": 1e-3, "ns": 1.0, "µs": 1e3, "us": 1e3, "ms": 1e6}

# Stable ids of the figures that have targets, by the start of their names.
RUST_IDS = {
    "get compile-time key (present, f64)": "rust.get",
    "get compile-time key (present, i64)": "rust.get.i64",
    "get by run-time string key": "rust.get.runtime",
    "enter + set + exit": "rust.enter_set_exit",
}
CPP_IDS = {
    "GET_PARAM(model.layers._0.size, 0)": "cpp.get",
    "GET_PARAM(train.lr, 0.0) ": "cpp.get.f64",
}


def _record(key: str, library: str, figure: str, ns: float) -> dict[str, Any]:
    return {
        "scenario": 9,
        "id": key,
        "library": library,
        "figure": figure,
        "ns": ns,
        "baseline": "",
        "baseline_ns": None,
        "ratio": None,
        "repeats": None,
    }


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def parse_criterion(output: str) -> list[dict[str, Any]]:
    """The median of each criterion benchmark in `output` (criterion's own report)."""
    records = []
    for found in CRITERION.finditer(output):
        name = found["name"].strip()
        ns = float(found["value"]) * TO_NS[found["unit"]]
        key = next((v for k, v in RUST_IDS.items() if name.startswith(k)), "rust." + _slug(name))
        records.append(_record(key, "hyperparameter (Rust)", name, ns))
    return records


def parse_cpp(output: str) -> list[dict[str, Any]]:
    """The figures of `scripts/bench-cpp.sh`, for the static and the shared library."""
    records = []
    sections = list(CPP_SECTION.finditer(output))
    for index, section in enumerate(sections):
        end = sections[index + 1].start() if index + 1 < len(sections) else len(output)
        kind = section["kind"]
        for found in CPP_LINE.finditer(output, section.end(), end):
            what = " ".join(found["what"].split())
            base = next((v for k, v in CPP_IDS.items() if found["what"].startswith(k)), None)
            key = f"{base}.{kind}" if base else f"cpp.{kind}.{_slug(what)}"
            records.append(
                _record(key, f"hyperparameter (C++, {kind})", what, float(found["value"]))
            )
    return records


def _run(command: list[str]) -> str:
    print(f"  $ {' '.join(command)}", file=sys.stderr, flush=True)
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{done.stderr[-3000:]}")
    return done.stdout


def run_rust() -> list[dict[str, Any]]:
    """Builds and runs the core's criterion benchmarks (release), shortened measurement."""
    output = ""
    for bench in ("core", "config"):
        output += _run(
            [
                "cargo",
                "bench",
                "-p",
                "hyperparameter",
                "--bench",
                bench,
                "--",
                "--noplot",
                "--warm-up-time",
                "1",
                "--measurement-time",
                "3",
            ]
        )
    return parse_criterion(output)


def run_cpp() -> list[dict[str, Any]]:
    """Builds the C ABI library (release, fat LTO) and runs the C++ benchmark against it."""
    return parse_cpp(_run(["bash", "scripts/bench-cpp.sh"]))
