#!/usr/bin/env bash
# Instructions per Python read `hp.scope.model.layers._0.size | 10` (key present, then missing),
# counted by callgrind from the difference of two run lengths: exact where timings on a busy
# machine are not. Compare two builds by running it with each one's interpreter.
#   bash scripts/read-instructions.sh [PYTHON]
set -euo pipefail
python="${1:-python}"
program="$(mktemp --suffix=.py)"
trap 'rm -f "$program"' EXIT
cat >"$program" <<'PY'
import sys

import hyperparameter as hp

stmt = {"present": "hp.scope.model.layers._0.size | 10", "missing": "hp.scope.model.layers._1.size | 10"}
code = compile(f"for _ in range({int(sys.argv[1])}):\n    {stmt[sys.argv[2]]}\n", "reads", "exec")
with hp.scope(**{"model.layers._0.size": 3}):
    exec(code, {"hp": hp})
PY
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$python" "$program" "$1" "$2" 2>&1 |
    grep -oE 'Collected : [0-9]+' | grep -oE '[0-9]+'
}
for kind in present missing; do
  short="$(count 20000 "$kind")"
  long="$(count 120000 "$kind")"
  echo "$kind: $(( (long - short) / 100000 )) instructions per read"
done
