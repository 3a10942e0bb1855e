"""The four Python figures of docs/performance.md, each with its plain-Python baseline, in one run.

    python benchmarks/python/bench_core.py            # the backend in use (native by default)
    HYPERPARAMETER_BACKEND=python python benchmarks/python/bench_core.py
    python benchmarks/python/bench_core.py --record benchmarks/results.tsv

Build the extension in release mode first (`pip install .` or `maturin develop --release`).
`--record FILE` also writes the timed figures, with their baselines and targets, as the data
file that scripts/bench_chart.py draws the chart of docs/performance.md from.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import subprocess
import sys
import threading
import timeit
from typing import Any


def per_call_ns(stmt: str, env: dict[str, Any], number: int = 200_000, repeat: int = 7) -> float:
    times = timeit.repeat(stmt, globals=env, number=number, repeat=repeat)
    return min(times) / number * 1e9


def import_ms(code: str, runs: int = 25) -> float:
    times = []
    for _ in range(runs):
        start = timeit.default_timer()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(timeit.default_timer() - start)
    return statistics.median(times) * 1e3


def record(path: str, backend: str, rows: list[tuple[str, float, float, str, float]]) -> None:
    """Writes the chart's data file: one row per figure (label, measured ns, baseline ns,
    what the baseline is, target ns)."""
    command = "python benchmarks/python/bench_core.py --record " + path
    if backend != "native":
        command = f"HYPERPARAMETER_BACKEND={backend} {command}"
    lines = [
        "# Benchmark figures drawn by scripts/bench_chart.py into docs/images/benchmarks.svg"
        " (docs/performance.md).",
        f"# Command: {command}   ({backend} backend; min of 7 repeats)",
        f"# Recorded {datetime.date.today().isoformat()} on {platform.machine()},"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f},"
        f" {platform.python_implementation()} {platform.python_version()}.",
        "# Columns: group, figure, measured ns, baseline ns, baseline, target ns (- for none)",
        "group\tfigure\tmeasured_ns\tbaseline_ns\tbaseline\ttarget_ns",
    ]
    for name, value, baseline, label, target in rows:
        cells = [name, f"{value:.1f}", f"{baseline:.1f}", label, f"{target:.1f}"]
        lines.append("\t".join(["Python (bench_core.py)", *cells]))
    with open(path, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    print(f"recorded the timed figures in {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--record", metavar="FILE", help="also write the chart's data file")
    args = parser.parse_args()
    import hyperparameter as hp

    print(f"hyperparameter backend: {hp.backend_name()}, Python {sys.version.split()[0]}")
    rows = []

    # 1. Dynamic 4-level read vs a nested dict read.
    cfg = {"model": {"layers": [{"size": 3}]}}
    env: dict[str, Any] = {"hp": hp, "cfg": cfg}
    with hp.scope(**{"model.layers._0.size": 3}):
        read = per_call_ns("hp.scope.model.layers._0.size | 10", env, number=1_000_000)
    plain = per_call_ns('cfg["model"]["layers"][0]["size"]', env, number=1_000_000)
    rows.append(("read hp.scope.model.layers._0.size | 10", read, plain, read / plain, "<= 3x"))

    # 1b. What recording the read for the operative config costs: the same reads with
    # recording switched off, in the same run (present key, then a missing one).
    with hp.scope(**{"model.layers._0.size": 3}):
        recorded = per_call_ns("hp.scope.model.layers._0.size | 10", env, number=1_000_000)
        hp.report.recording(False)
        unrecorded = per_call_ns("hp.scope.model.layers._0.size | 10", env, number=1_000_000)
        hp.report.recording(True)
    rows.append(
        (
            "  ... recorded vs not (present key)",
            recorded,
            unrecorded,
            recorded / unrecorded,
            "<= 1.05x",
        )
    )
    recorded = per_call_ns("hp.scope.model.layers._1.size | 10", env, number=1_000_000)
    hp.report.recording(False)
    unrecorded = per_call_ns("hp.scope.model.layers._1.size | 10", env, number=1_000_000)
    hp.report.recording(True)
    rows.append(
        (
            "  ... recorded vs not (missing key)",
            recorded,
            unrecorded,
            recorded / unrecorded,
            "<= 1.05x",
        )
    )

    # 2. @hp.param call with 3 parameters vs a plain call.
    @hp.param("f")
    def injected(a: int = 1, b: float = 2.0, c: str = "x") -> int:
        return a

    def plain_f(a: int = 1, b: float = 2.0, c: str = "x") -> int:
        return a

    env = {"injected": injected, "plain_f": plain_f}
    with hp.scope(**{"f.a": 5, "f.b": 0.5}):
        call = per_call_ns("injected()", env)
    base = per_call_ns("plain_f()", env)
    added, plain_call = call - base, base
    rows.append(
        ("@hp.param call, 3 params (overhead)", call - base, base, call / base, "<= 1000 ns over")
    )

    # 3. Enter + exit of a one-key scope, with nothing and with 100,000 keys around it.
    lock = threading.Lock()
    env = {"hp": hp, "lock": lock}
    enter = per_call_ns('with hp.scope(**{"a.b": 1}): pass', env)
    base = per_call_ns("with lock: pass", env)
    rows.append(('with hp.scope(**{"a.b": 1})', enter, base, enter / base, "<= 1000 ns"))
    with hp.scope(**{f"bulk.k{i}": i for i in range(100_000)}):
        enter_big = per_call_ns('with hp.scope(**{"a.b": 1}): pass', env)
    rows.append(
        ("  ... with 100,000 keys visible", enter_big, base, enter_big / base, "<= 1000 ns")
    )

    # 4. Import time over a bare interpreter start, with bytecode caches as an installed
    # package has them (an editable install under PYTHONDONTWRITEBYTECODE would not).
    import compileall

    compileall.compile_dir(os.path.dirname(hp.__file__), quiet=1)
    bare = import_ms("pass")
    with_hp = import_ms("import hyperparameter")
    rows.append(
        ("import hyperparameter (ms added)", with_hp - bare, bare, with_hp / bare, "<= 15 ms")
    )

    # 5. No memory growth over 1,000,000 enter/exit cycles.
    import resource

    for _ in range(100_000):
        with hp.scope(**{"a.b": 1}):
            hp.scope.c = 2
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(1_000_000):
        with hp.scope(**{"a.b": 1}):
            hp.scope.c = 2
    growth_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before

    print(f"{'figure':44s} {'value':>10s} {'baseline':>10s} {'ratio':>7s}  target")
    for name, value, baseline, ratio, target in rows:
        unit = "ms" if "import" in name else "ns"
        print(f"{name:44s} {value:8.1f}{unit} {baseline:8.1f}{unit} {ratio:6.2f}x  {target}")

    print(f"{'max RSS growth over 1,000,000 enter/exit':44s} {growth_kb:8d}KB")
    if args.record:
        timed = [
            ("read hp.scope.model.layers._0.size | 10", read, plain, "nested dict read", 3 * plain),
            ("@hp.param call, 3 parameters (added)", added, plain_call, "plain call", 1000.0),
            ('with hp.scope(**{"a.b": 1}): pass', enter, base, "with lock: pass", 1000.0),
            ("... with 100,000 keys visible", enter_big, base, "with lock: pass", 1000.0),
        ]
        record(args.record, hp.backend_name(), timed)

    try:
        from omegaconf import OmegaConf
    except ImportError:
        return
    conf = OmegaConf.create({"model": {"layers": [{"size": 3}]}})
    omega = per_call_ns("conf.model.layers[0].size", {"conf": conf}, number=100_000)
    name = "OmegaConf conf.model.layers[0].size"
    print(f"{name:44s} {omega:8.1f}ns  (the hp read is {omega / read:.0f}x faster)")


if __name__ == "__main__":
    main()
