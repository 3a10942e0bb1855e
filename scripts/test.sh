#!/usr/bin/env bash
# The one test command (README "Run every test"; CI runs exactly this): formatting and lints,
# then the Rust, Python (both backends, fuzzers included) and C/C++ suites and the quick
# mode of the benchmark command, then builds the documentation site and checks it in a browser,
# and last builds the sdist and the wheel and tests them in fresh virtualenvs on the oldest
# and the newest CPython of the machine (scripts/test-package.sh).
# It installs into the active Python environment: the test tools
# (ruff, maturin, pytest, mypy, hypothesis) and this checkout, as `pip install .` does.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$SECONDS
report_time() {
  local status=$? elapsed=$((SECONDS - started))
  printf '\n== test command: %s in %dm%02ds\n' "$([[ $status -eq 0 ]] && echo passed || echo FAILED)" \
    $((elapsed / 60)) $((elapsed % 60))
}
trap report_time EXIT

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, all features, warnings are errors)"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "cargo test (workspace, all features)"
cargo test --workspace --all-features

step "ruff"
python -m pip install --quiet "ruff>=0.4"
python -m ruff check python tests benchmarks
python -m ruff format --check python tests benchmarks

step "Python tests (native and pure-Python backends)"
bash scripts/test-python.sh

step "C and C++ tests"
bash scripts/test-cpp.sh

# The benchmark command in its quick mode (this library only, both backends, a few seconds):
# it keeps the command working and fails when a write path is grossly superlinear.
step "benchmarks, quick mode (python benchmarks/run.py --quick)"
python benchmarks/run.py --quick

step "documentation site (mkdocs build --strict, headless Chromium)"
bash scripts/test-docs.sh

step "release artifacts: sdist, wheel, fresh venvs on the oldest and newest CPython (scripts/test-package.sh)"
bash scripts/test-package.sh
