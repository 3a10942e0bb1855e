#!/usr/bin/env bash
# Every benchmark, in release builds, each printing its figures beside its target (docs/performance.md).
#   bash scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

printf '\n== Rust core (criterion medians)\n'
cargo bench -p hyperparameter --bench core -- --noplot 2>&1 | grep -E '^[a-z+].*|time:'
cargo bench -p hyperparameter --bench config -- --noplot 2>&1 | grep -E '^[a-z+].*|time:'

printf '\n== Python (release build of the extension)\n'
# With the `tune` extra: bench_tune.py runs on Optuna.
python -m pip install --quiet --no-build-isolation ".[tune]"
for script in benchmarks/python/bench_*.py; do
  python "$script"
done

printf '\n== C++\n'
bash scripts/bench-cpp.sh
