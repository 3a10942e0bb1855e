#!/usr/bin/env bash
# Installs the test tools and this checkout into the active Python environment, then runs
# the Python test suite twice: with the native backend and with the pure-Python one. The
# checkout is installed the way the README's set-up step does it (`pip install .`, not in
# editable mode), so the suite tests what a user installs.
set -euo pipefail
cd "$(dirname "$0")/.."

# maturin is the build backend; tests/requirements.txt lists what the suite needs (pytest,
# mypy, hypothesis, and the libraries the parity, tuning and example tests run against).
python -m pip install --quiet "maturin>=1.5,<2" -r tests/requirements.txt
python -m pip install --quiet .

python -m pytest tests/python -q
HYPERPARAMETER_BACKEND=python python -m pytest tests/python -q
