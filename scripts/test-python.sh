#!/usr/bin/env bash
# Builds the Python package from this checkout into the current Python and runs the Python
# test suite twice: with the native backend and with the pure-Python one.
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --quiet --upgrade pip >/dev/null 2>&1 || true
# maturin is the build backend; pytest runs the suite; mypy checks the stubs and typing.
python -m pip install --quiet "maturin>=1.5,<2" pytest mypy "hypothesis>=6.100"
python -m pip install --quiet --no-build-isolation -e .

python -m pytest tests/python -q
HYPERPARAMETER_BACKEND=python python -m pytest tests/python -q
# Writing n keys one by one stays linear with both backends (fails only when grossly
# superlinear; the full figures come from scripts/bench.sh).
python benchmarks/python/bench_writes.py --quick
