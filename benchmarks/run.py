"""Every benchmark of hyperparameter, side by side with the libraries a user would otherwise
pick, in one command.

    python benchmarks/run.py               # full: anchors, 0.6.0, Rust and C++ (release builds)
    python benchmarks/run.py --quick       # a few seconds: this library only, both backends
    python benchmarks/run.py --json        # the same run, as JSON on stdout
    python benchmarks/run.py --docs        # full run written into docs/performance.md
    python benchmarks/run.py --from FILE --docs   # re-render a saved run, without measuring

Each library runs in a process of its own (`benchmarks/harness.py`) that times every figure
beside a plain-Python baseline of the same shape, so figures of different processes compare
as ratios. This library is the one installed in the active environment (install it with
`pip install .`, a release build); the anchors come from `benchmarks/requirements.txt`; the
0.6.0 release is installed into a virtualenv of its own under `target/`.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import native  # noqa: E402
import report  # noqa: E402

RESULTS = HERE / "results.json"
CHART = ROOT / "docs" / "images" / "benchmarks.png"
PAGE = ROOT / "docs" / "performance.md"
BEGIN, END = "<!-- benchmark table: begin -->", "<!-- benchmark table: end -->"
OLD_VENV = ROOT / "target" / "bench-venv-060"
OLD_RELEASE = "hyperparameter==0.6.0"
ANCHORS = ["omegaconf", "hydra", "gin", "ml_collections", "fiddle", "pydantic_settings"]
QUICK_WRITE_LIMIT = 30.0


def log(message: str) -> None:
    """Progress, on stderr (stdout carries the report)."""
    print(message, file=sys.stderr, flush=True)


def run_suite(
    suite: str, quick: bool, python: str = sys.executable, env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Runs one suite in a fresh process and returns its JSON document."""
    command = [python, str(HERE / "harness.py"), suite, *(["--quick"] if quick else [])]
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines() or [f"exit status {done.returncode}"]
        log("\n".join(lines[-20:]))
        raise RuntimeError(lines[-1])
    document: dict[str, Any] = json.loads(done.stdout)
    return document


def old_release_python() -> str:
    """The interpreter of the 0.6.0 virtualenv, created and filled on first use."""
    python = OLD_VENV / "bin" / "python"
    check = [str(python), "-c", "import hyperparameter as hp; assert hp.VERSION == '0.6.0'"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return str(python)
    log(f"  creating {OLD_VENV.relative_to(ROOT)} with {OLD_RELEASE}")
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(OLD_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", OLD_RELEASE], check=True)
    return str(python)


def measure(quick: bool, with_native: bool) -> dict[str, Any]:
    """Runs every suite of the mode and gathers their records."""
    documents: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    python_backend = dict(os.environ, HYPERPARAMETER_BACKEND="python")
    plan: list[tuple[str, str, Any]] = [
        ("ours", "hyperparameter (native backend)", None),
        ("ours", "hyperparameter (Python backend)", python_backend),
    ]
    if not quick:
        plan.append(("old_release", "hyperparameter 0.6.0", "old"))
        plan += [(f"anchor_{name}", name, None) for name in ANCHORS]
    for suite, name, env in plan:
        log(f"== {name}")
        try:
            if env == "old":
                clean = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
                documents.append(run_suite(suite, quick, old_release_python(), clean))
            else:
                documents.append(run_suite(suite, quick, env=env))
        except (RuntimeError, subprocess.CalledProcessError) as error:
            if suite == "ours":
                raise
            reason = f"not measured ({error}); pip install -r benchmarks/requirements.txt"
            skipped.append({"scenario": 0, "id": "all", "library": name, "reason": reason})
            log(f"  skipped: {reason}")
    records = [record for document in documents for record in document["records"]]
    skipped += [item for document in documents for item in document["skipped"]]
    if not quick and with_native:
        for name, step in (
            ("Rust (criterion, release)", native.run_rust),
            ("C++ (scripts/bench-cpp.sh, release)", native.run_cpp),
        ):
            log(f"== {name}")
            try:
                records += step()
            except (RuntimeError, OSError) as error:
                skipped.append({"scenario": 9, "id": "all", "library": name, "reason": str(error)})
                log(f"  skipped: {error}")
    facts = {document["library"]: document["facts"] for document in documents}
    return {
        "mode": "quick" if quick else "full",
        "machine": {
            "date": datetime.date.today().isoformat(),
            "system": f"{platform.system()} {platform.machine()}",
            "cpus": os.cpu_count(),
            "load": os.getloadavg()[0],
            "python": platform.python_version(),
        },
        "records": records,
        "skipped": skipped,
        "facts": facts,
        "targets": report.verdicts(records, facts.get(report.OURS, {})),
    }


def write_docs(document: dict[str, Any]) -> None:
    """Writes the run's tables into docs/performance.md (between the markers), its chart into
    docs/images/ and the run itself into benchmarks/results.json."""
    page = PAGE.read_text(encoding="utf-8")
    head, rest = page.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    PAGE.write_text(f"{head}{BEGIN}\n{page_block(document)}{END}{tail}", encoding="utf-8")
    report.chart(document, CHART)
    RESULTS.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    log(f"wrote {PAGE.relative_to(ROOT)}, {CHART.relative_to(ROOT)}, {RESULTS.relative_to(ROOT)}")


def page_block(document: dict[str, Any]) -> str:
    """What docs/performance.md holds between its markers: the run's tables."""
    machine = document["machine"]
    intro = (
        f"A {document['mode']} run of {machine['date']} on {machine['system']}, "
        f"{machine['cpus']} CPUs (load average {machine['load']:.1f} at the end), "
        f"Python {machine['python']}.\n\n"
    )
    return intro + report.markdown(document)


def check_docs() -> int:
    """Exit status 1 when docs/performance.md does not hold the tables of results.json."""
    document = json.loads(RESULTS.read_text(encoding="utf-8"))
    if f"{BEGIN}\n{page_block(document)}{END}" in PAGE.read_text(encoding="utf-8"):
        return 0
    log(
        f"{PAGE} does not hold the tables of {RESULTS}:"
        f" run benchmarks/run.py --from {RESULTS} --docs"
    )
    return 1


def main() -> int:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a few seconds, this library only")
    parser.add_argument("--json", action="store_true", help="print the run as JSON")
    parser.add_argument("--no-native", action="store_true", help="skip the Rust and C++ figures")
    parser.add_argument("--chart", type=Path, help="write the chart (PNG) to this file")
    parser.add_argument("--save", type=Path, help="write the run as JSON to this file")
    parser.add_argument("--from", dest="source", type=Path, help="report a saved run")
    parser.add_argument("--docs", action="store_true", help="write the performance page")
    parser.add_argument("--check-docs", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args()
    if args.check_docs:
        return check_docs()
    if args.source:
        document = json.loads(args.source.read_text(encoding="utf-8"))
    else:
        try:
            document = measure(args.quick, not args.no_native)
        except RuntimeError as error:
            log(f"benchmarks/run.py: this library's suite failed: {error}")
            return 1
    if args.save:
        args.save.write_text(
            json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
        )
    if args.chart:
        report.chart(document, args.chart)
    if args.docs:
        write_docs(document)
    print(
        json.dumps(document, indent=1, ensure_ascii=False)
        if args.json
        else report.markdown(document)
    )
    return linearity(document)


def linearity(document: dict[str, Any]) -> int:
    """Exit status of a quick run: 1 when a write path is grossly superlinear (a quadratic
    one gives about 100 where a linear one gives about 10), for either backend."""
    if document["mode"] != "quick":
        return 0
    found = report.Records(document["records"])
    libraries = {r["library"] for r in document["records"] if r["id"].startswith("write.")}
    worst = [
        (ratio, path, library)
        for library in sorted(libraries)
        for path, ratio, _ in report.write_ratios(found, library)
    ]
    bad = [item for item in worst if item[0] > QUICK_WRITE_LIMIT]
    for ratio, path, library in bad:
        log(
            f"{library}: writing through `{path}` is superlinear:"
            f" {ratio:.1f}× > {QUICK_WRITE_LIMIT:g}×"
        )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
