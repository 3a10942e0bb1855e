"""Writing n keys one by one must be linear: n = 100,000 at most 10x n = 10,000, for every
write path, with both backends (the pure-Python one in a subprocess). A plain dict filled the
same way is timed beside them: its own ratio shows what the machine's caches add to a
perfectly linear loop (it is well above 10 on small machines).

    python benchmarks/python/bench_writes.py            # 10,000 vs 100,000 keys
    python benchmarks/python/bench_writes.py --quick    # 5,000 vs 50,000; exit 1 if a ratio > 30

`--quick` is what the test command runs: it only catches a grossly superlinear path (a
quadratic one gives a ratio near 100). Times are the writing thread's CPU time, not wall
time, so a busy machine that preempts the longer run does not inflate its ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from typing import Any, Callable

TARGET = 10.0
QUICK_LIMIT = 30.0
BIG_SCOPE = 50_000


def _writes(path: str, n: int) -> float:
    """CPU seconds of the writing thread for `n` writes of new keys through `path`, on a
    fresh thread (so the root layer starts empty)."""
    import hyperparameter as hp

    keys = [f"bench.k{i}" for i in range(n)]
    big = {f"cfg.k{i}": i for i in range(BIG_SCOPE)} if "config" in path else {}
    timing: dict[str, float] = {}

    def timed(write: Callable[[str], None]) -> None:
        start = time.thread_time()
        for key in keys:
            write(key)
        timing["seconds"] = time.thread_time() - start

    def set_item(key: str) -> None:
        hp.scope[key] = 1

    def body() -> None:
        if path == BASELINE:
            plain: dict[str, int] = {}
            timed(lambda key: plain.__setitem__(key, 1))
        elif path == "hp.scope[k] = v":
            with hp.scope():
                timed(set_item)
        elif path == "setattr(hp.scope, k, v)":
            with hp.scope():
                timed(lambda key: setattr(hp.scope, key.replace(".", "_"), 1))
        elif path == "ps[k] = v":
            with hp.scope() as ps:
                timed(lambda key: ps.__setitem__(key, 1))
        elif path == "root layer hp.scope[k] = v":
            timed(set_item)
        elif path == f"hp.scope[k] = v in a config of {BIG_SCOPE:,} keys":
            with hp.config(big):
                timed(set_item)
        else:
            raise ValueError(path)

    thread = threading.Thread(target=body)
    thread.start()
    thread.join()
    return timing["seconds"]


BASELINE = "dict[k] = v (plain Python, for scale)"
PATHS = [
    BASELINE,
    "hp.scope[k] = v",
    "setattr(hp.scope, k, v)",
    "ps[k] = v",
    "root layer hp.scope[k] = v",
    f"hp.scope[k] = v in a config of {BIG_SCOPE:,} keys",
]


def measure(small: int, large: int) -> dict[str, Any]:
    """Per path: the best of several runs at `small` and at `large` (the machine may be
    busy), and their ratio."""
    import hyperparameter as hp

    rows = []
    for path in PATHS:
        t_small = min(_writes(path, small) for _ in range(5))
        t_large = min(_writes(path, large) for _ in range(3 if large <= 50_000 else 2))
        rows.append({"path": path, "small": t_small, "large": t_large, "ratio": t_large / t_small})
    return {"backend": hp.backend_name(), "rows": rows}


def main() -> int:
    quick = "--quick" in sys.argv
    small, large = (5_000, 50_000) if quick else (10_000, 100_000)
    if "--child" in sys.argv:
        print(json.dumps(measure(small, large)))
        return 0
    results = [measure(small, large)]
    env = dict(os.environ, HYPERPARAMETER_BACKEND="python")
    argv = [sys.executable, __file__, "--child", *(["--quick"] if quick else [])]
    child = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    results.append(json.loads(child.stdout))

    limit = QUICK_LIMIT if quick else TARGET
    print(f"writing n keys one by one: n = {large:,} vs n = {small:,} (target ratio <= {TARGET:g})")
    print(f"{'backend':8} {'path':45} {small:>8,} {large:>9,}   ratio")
    worst = 0.0
    for result in results:
        for row in result["rows"]:
            if row["path"] != BASELINE:
                worst = max(worst, row["ratio"])
            print(
                f"{result['backend']:8} {row['path']:45} {row['small'] * 1e3:6.1f}ms "
                f"{row['large'] * 1e3:7.1f}ms  {row['ratio']:5.1f}x"
            )
    if quick and worst > limit:
        print(f"a write path is superlinear: ratio {worst:.1f} > {limit:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
