"""Runs one benchmark suite in this process and prints its figures as JSON on stdout.

    python benchmarks/harness.py SUITE [--quick]

`benchmarks/run.py` starts one such process per library (the 0.6.0 release in its own
virtualenv's interpreter); SUITE names a module of `benchmarks/suites/`. Every figure is timed
beside a plain-Python baseline of the same shape in the same process, repeats interleaved, and
reported as the median of the repeats: figures of different processes compare as ratios to
their baselines. Standard library only.
"""

from __future__ import annotations

import importlib
import json
import platform
import resource
import statistics
import subprocess
import sys
import time
import timeit
from typing import Any, Callable

# Times are CPU time of this process: on a shared machine, wall-clock time also counts the
# time slices other processes took, which stretches a long run more than a short one.
CLOCK = time.process_time


class Bench:
    """Collects the figures of one suite: each a median time per operation beside the median
    of its baseline, both measured here with interleaved repeats."""

    def __init__(self, library: str, quick: bool) -> None:
        self.library = library
        self.quick = quick
        self.repeats = 5 if quick else 7
        self.budget = 0.003 if quick else 0.04  # seconds per repeat of one statement
        self.records: list[dict[str, Any]] = []
        self.skipped: list[dict[str, Any]] = []
        self.facts: dict[str, Any] = {}

    def _number(self, timer: timeit.Timer) -> int:
        """How many runs of `timer`'s statement fill one repeat's time budget."""
        number = 1
        while True:
            seconds = timer.timeit(number)
            if seconds >= self.budget / 5:
                return max(1, int(number * self.budget / seconds))
            number *= 10

    def add(
        self, scenario: int, key: str, figure: str, ns: float, baseline: str, baseline_ns: float
    ) -> dict[str, Any]:
        """Records one figure (times in nanoseconds per operation)."""
        record = {
            "scenario": scenario,
            "id": key,
            "library": self.library,
            "figure": figure,
            "ns": ns,
            "baseline": baseline,
            "baseline_ns": baseline_ns,
            "ratio": ns / baseline_ns if baseline_ns > 0 else None,
            "repeats": self.repeats,
        }
        self.records.append(record)
        return record

    def statement(
        self,
        scenario: int,
        key: str,
        stmt: str,
        env: dict[str, Any],
        baseline: str,
        baseline_stmt: str,
        baseline_env: dict[str, Any] | None = None,
        figure: str | None = None,
    ) -> dict[str, Any]:
        """Times the statement `stmt` against `baseline_stmt` (each in its namespace)."""
        timer = timeit.Timer(stmt, timer=CLOCK, globals=env)
        base = timeit.Timer(
            baseline_stmt, timer=CLOCK, globals=env if baseline_env is None else baseline_env
        )
        number, base_number = self._number(timer), self._number(base)
        times, base_times = [], []
        for _ in range(self.repeats):
            base_times.append(base.timeit(base_number) / base_number)
            times.append(timer.timeit(number) / number)
        return self.add(
            scenario,
            key,
            figure or stmt,
            statistics.median(times) * 1e9,
            baseline,
            statistics.median(base_times) * 1e9,
        )

    def runs(
        self,
        scenario: int,
        key: str,
        figure: str,
        run: Callable[[], float],
        baseline: str,
        base_run: Callable[[], float],
        operations: int,
    ) -> dict[str, Any]:
        """Times `run` against `base_run`, each of which does `operations` operations and
        returns the seconds they took (by CLOCK, or `time.thread_time` on a thread of its own)."""
        times, base_times = [], []
        # A quick run is a smoke check: 3 repeats of each run are enough there.
        repeats = 3 if self.quick else self.repeats
        for _ in range(repeats):
            base_times.append(base_run() / operations)
            times.append(run() / operations)
        record = self.add(
            scenario,
            key,
            figure,
            statistics.median(times) * 1e9,
            baseline,
            statistics.median(base_times) * 1e9,
        )
        record["repeats"] = repeats
        return record

    def import_time(self, module: str) -> dict[str, Any]:
        """Scenario 6: `import module` in a fresh interpreter against a bare one (`-c pass`),
        interleaved, median of 15 starts each (5 in a quick run)."""
        runs = 5 if self.quick else 15

        def start(code: str) -> float:
            # The CPU time (user + system) of the child, for the reason CLOCK gives.
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            subprocess.run([sys.executable, "-c", code], check=True)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime

        start(f"import {module}")  # bytecode caches, as an installed package has them
        bare, loaded = [], []
        for _ in range(runs):
            bare.append(start("pass"))
            loaded.append(start(f"import {module}"))
        record = self.add(
            6,
            "import",
            f"import {module}",
            statistics.median(loaded) * 1e9,
            "python -c pass",
            statistics.median(bare) * 1e9,
        )
        record["repeats"] = runs
        return record

    def skip(self, scenario: int, key: str, reason: str) -> None:
        """Records a figure that this run cannot measure, with the reason."""
        self.skipped.append(
            {"scenario": scenario, "id": key, "library": self.library, "reason": reason}
        )

    def result(self) -> dict[str, Any]:
        """Everything measured, as the JSON document the suite prints."""
        return {
            "library": self.library,
            "python": platform.python_version(),
            "records": self.records,
            "skipped": self.skipped,
            "facts": self.facts,
        }


def main(argv: list[str]) -> int:
    """Runs the suite named by `argv[0]` and prints its JSON document."""
    quick = "--quick" in argv
    names = [arg for arg in argv if not arg.startswith("--")]
    if len(names) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    suite = importlib.import_module(f"suites.{names[0]}")
    bench = Bench(suite.library(), quick)
    suite.run(bench)
    json.dump(bench.result(), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
