#!/usr/bin/env bash
# Instructions per operation on the Rust core's hot paths (reads, enter + set + exit), counted
# by callgrind from the difference of two loop lengths of the bench program
# crates/hyperparameter/benches/instructions.rs: exact where timings on a busy machine are not.
#   bash scripts/core-instructions.sh [OPERATION...]
set -euo pipefail
cd "$(dirname "$0")/.."
binary="$(cargo bench --quiet -p hyperparameter --bench instructions --no-run --message-format=json 2>/dev/null |
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "instructions":
        print(m["executable"])')"
operations=("$@")
[[ ${#operations[@]} -eq 0 ]] && operations=(get-f64 get-i64 get-str-key get-param-present get-param-absent enter-set-exit)
count() {
  valgrind --tool=callgrind --callgrind-out-file=/dev/null "$binary" "$1" "$2" 2>&1 |
    grep -oE 'Collected : [0-9]+' | grep -oE '[0-9]+'
}
for operation in "${operations[@]}"; do
  short="$(count "$operation" 10000)"
  long="$(count "$operation" 110000)"
  echo "$operation: $(( (long - short) / 100000 )) instructions per operation"
done
