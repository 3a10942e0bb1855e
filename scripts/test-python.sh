#!/usr/bin/env bash
# Installs the test tools and this checkout into the active Python environment, then runs
# the Python test suite twice: with the native backend and with the pure-Python one. The
# checkout is installed the way the README's set-up step does it (`pip install .`, not in
# editable mode), so the suite tests what a user installs.
set -euo pipefail
cd "$(dirname "$0")/.."

# maturin is the build backend; pytest runs the suite; mypy checks the stubs and typing;
# hypothesis drives the fuzz tests; Hydra (with its colorlog plugin, which a fixture tree
# chooses) composes and instantiates beside `hp.compose` and `hp.instantiate` in the parity
# tests; Optuna (the `tune` extra) and psycopg2 run the tuning tests, against SQLite and a
# PostgreSQL server the tests start; MLflow (its small client) runs the tracking example.
python -m pip install --quiet "maturin>=1.5,<2" pytest mypy "hypothesis>=6.100" \
  "hydra-core==1.3.*" hydra-colorlog "optuna>=3" psycopg2-binary mlflow-skinny
python -m pip install --quiet .

python -m pytest tests/python -q
HYPERPARAMETER_BACKEND=python python -m pytest tests/python -q
