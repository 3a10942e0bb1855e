#!/usr/bin/env bash
# Compares the Rust read benchmarks of this checkout with those of an earlier commit, on a busy
# machine: builds both bench binaries, runs them alternately for several rounds and prints,
# per benchmark, the best median of each with the change. The best of alternating rounds is
# what survives other load on the machine; one long run of each does not.
#   bash scripts/bench-ab.sh BASE_COMMIT [ROUNDS] [FILTER]
set -euo pipefail
cd "$(dirname "$0")/.."

base_commit="${1:?usage: bench-ab.sh BASE_COMMIT [ROUNDS] [FILTER]}"
rounds="${2:-8}"
filter="${3:-compile-time key \(present|run-time string key}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

git archive "$base_commit" | tar -x -C "$work"
bench_binary() {
  cargo bench --quiet -p hyperparameter --bench core --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and "core" in m["target"]["name"]:
        print(m["executable"])'
}
new="$(bench_binary)"
base="$(cd "$work" && CARGO_TARGET_DIR="$work/target" bench_binary)"

raw="$work/raw.tsv"
for _ in $(seq "$rounds"); do
  for which in base new; do
    binary="$new"
    [[ "$which" == base ]] && binary="$base"
    # A short name shares its line with `time:`, a long one has it on the next line.
    "$binary" --bench --measurement-time 1 --warm-up-time 0.5 "$filter" 2>&1 |
      python3 -c 'import re, sys
for found in re.finditer(r"^(\S[^\n]*?)\s*(?:\n\s*)?(time:\s+\[[^\]]*\])", sys.stdin.read(), re.M):
    print(sys.argv[1], found[1].strip(), found[2], sep="\t")' "$which" >>"$raw"
  done
done
python3 - "$raw" "$base_commit" <<'PY'
import re, sys
best = {}
for line in open(sys.argv[1]):
    which, rest = line.split("\t", 1)
    name = rest.split("\t")[0].strip()
    median = re.search(r"\[\S+ \S+ (\S+) (\S+)", rest)
    value = float(median.group(1)) * {"ps": 1e-3, "ns": 1, "µs": 1e3, "us": 1e3}[median.group(2)]
    best[(name, which)] = min(best.get((name, which), float("inf")), value)
print(f"{'benchmark':55s} {sys.argv[2][:10]:>10s} {'this':>9s}  change")
for name in dict.fromkeys(name for name, _ in best):
    base, new = best[(name, "base")], best[(name, "new")]
    print(f"{name:55s} {base:8.2f}ns {new:7.2f}ns  {100 * (new / base - 1):+5.1f}%")
PY
