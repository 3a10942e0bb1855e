#!/usr/bin/env bash
# The one test command (README "Run every test"; CI runs exactly this): formatting and lints,
# then the Rust, Python (both backends) and C/C++ suites.
set -euo pipefail
cd "$(dirname "$0")/.."

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

printf '\nAll tests passed.\n'
