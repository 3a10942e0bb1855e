"""Sweeps on the command line: ``-m/--multirun`` runs a grid of jobs, ``--tune`` an Optuna
study (see :mod:`hyperparameter._tune_cli`).

A bare word whose value is a sweep by the core's override grammar (``a=1,2,3``,
``range(1, 4)``, ``choice(x, y)``) gives several values for its key. With ``-m`` the grid
of them (their cartesian product, the last word varying fastest) is run as jobs: each job
is an ordinary run of the program with every sweep word replaced by one ``key=value`` word,
in its own scope and its own run directory ``<run dir>/<job number>/``. ``--jobs N`` runs N
jobs at once, each in a process of its own that re-runs the program's command (with
``sys.executable``) and starts from the frozen snapshot of the scope around ``launch``; one
job at a time runs in this process. A failed job's traceback (or usage error) is saved in
``error.txt`` in its directory; the others go on unless ``--fail-fast``. While jobs run a
progress line goes to stderr; at the end a table (job, overrides, return value, status,
seconds) goes to stdout and to ``jobs.txt`` in the run directory, and the run exits with
status 1 if any job failed.
"""

from __future__ import annotations

import json
import os
import sys
import time

TYPE_CHECKING = False

if TYPE_CHECKING:
    import argparse
    from typing import Any, Callable, Sequence

    from hyperparameter._cli_parser import _Parser

JOB_VARIABLE = "HYPERPARAMETER_JOB"
"""The environment variable telling a process started by a sweep which job it runs."""

SWEEP_DIR = "multirun/${now:%Y-%m-%d}/${now:%H-%M-%S}"
"""Where a sweep's jobs go without ``--run-dir`` (a subdirectory per job)."""

MAX_JOBS = 100_000
"""The most jobs one grid may hold."""

OPTIONS = frozenset(
    ("multirun", "jobs", "fail-fast", "fail_fast", "run-dir", "run_dir", "tune", "storage",
     "study", "direction")
)  # fmt: skip
"""Option names a decorated function's parameter cannot take (``-D`` still reaches it)."""

_WITH_VALUE = ("--jobs", "--run-dir", "--storage", "--study", "--direction")


def add_options(group: argparse._ArgumentGroup, prefix: str) -> None:
    """The sweep and run-directory options of every program."""
    import argparse

    quiet = argparse.SUPPRESS
    group.add_argument(
        "--run-dir",
        dest=f"{prefix}run_dir",
        metavar="DIR",
        default=quiet,
        help="write overrides.txt, resolved.yaml and config.yaml into DIR, a pattern such as "
        "runs/${now:%%Y-%%m-%%d_%%H-%%M-%%S}; with -m or --tune, one subdirectory per job",
    )
    group.add_argument(
        "-m",
        "--multirun",
        dest=f"{prefix}multirun",
        action="store_true",
        default=quiet,
        help="run the grid of the sweep words (a=1,2 b=range(3)), one job each",
    )
    group.add_argument(
        "--jobs",
        dest=f"{prefix}jobs",
        metavar="N",
        type=_positive,
        default=quiet,
        help="run N jobs or trials at once, each in a process of its own",
    )
    group.add_argument(
        "--fail-fast",
        dest=f"{prefix}fail_fast",
        action="store_true",
        default=quiet,
        help="start no further job once one has failed",
    )
    group.add_argument(
        "--tune",
        dest=f"{prefix}tune",
        metavar="N",
        nargs="?",
        const=0,
        type=_positive,
        default=quiet,
        help="tune with Optuna over the sweep words (lr=interval(0.001,0.1)) or the config's "
        "hydra.sweeper.params for N trials; the function's return value is the objective",
    )
    group.add_argument(
        "--storage", dest=f"{prefix}storage", metavar="URL", default=quiet,
        help="the study's database with --tune, e.g. sqlite:///study.db",
    )  # fmt: skip
    group.add_argument(
        "--study", dest=f"{prefix}study", metavar="NAME", default=quiet,
        help="the study's name with --tune (joined if it exists)",
    )  # fmt: skip
    group.add_argument(
        "--direction", dest=f"{prefix}direction", choices=("minimize", "maximize"),
        default=quiet, help="whether --tune minimizes or maximizes the return value",
    )  # fmt: skip


def _positive(text: str) -> int:
    import argparse

    try:
        number = int(text)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"invalid value {text!r}: expected a positive integer")
    return number


class Job:
    """A run that is one job of a sweep: its directory, number and, for a trial, the
    values it runs with as ``(key, value, source)``."""

    def __init__(self, directory: str, number: int, values: Sequence[Any] = ()) -> None:
        self.directory = directory
        self.number = number
        self.values = list(values)


def inherited_job(argv: list[str]) -> tuple[list[str], Job | None]:
    """The words and job of this process when a sweep started it (the variable is removed
    so that processes it starts are not jobs), else ``argv`` and None."""
    text = os.environ.pop(JOB_VARIABLE, None)
    if text is None:
        return argv, None
    job = json.loads(text)
    return list(job["argv"]), Job(job["dir"], int(job["number"]))


class SweepPlan:
    """What the command line asks of a sweep: its sweep words (``(word, key, value text)``)
    and the options of ``-m`` and ``--tune``."""

    def __init__(self, namespace: dict[str, Any], words: list[str], sweeps: list[Any]) -> None:
        def option(name: str, default: Any = None) -> Any:
            return namespace.get(f"sub:{name}", namespace.get(name, default))

        self.words = words
        self.sweeps: list[tuple[str, str, str]] = sweeps
        self.multirun = bool(option("multirun"))
        self.tune: int | None = option("tune")
        self.jobs: int = option("jobs", 1)
        self.fail_fast = bool(option("fail_fast"))
        self.run_dir: str | None = option("run_dir")
        self.root = ""  # the sweep's run directory, once resolved
        self.storage: str | None = option("storage")
        self.study: str | None = option("study")
        self.direction: str | None = option("direction")

    @property
    def active(self) -> bool:
        """Whether this run is a sweep (``-m`` or ``--tune``)."""
        return self.multirun or self.tune is not None

    def fixed(self, defines: list[str]) -> list[str]:
        """``defines`` without the sweep words (each of which a job replaces)."""
        swept = [word for word, _, _ in self.sweeps]
        return [item for item in defines if item not in swept]


def plan(parser: _Parser, namespace: dict[str, Any], words: list[str]) -> SweepPlan:
    """The sweep this command line asks for; a sweep word without ``-m`` or ``--tune`` is a
    usage error saying to add one."""
    from hyperparameter import _native
    from hyperparameter.errors import ConfigError

    sweeps: list[tuple[str, str, str]] = []
    broken: list[str] = []
    for word in namespace.get("bare:", []):
        # `+key=...`/`++key=...` add a key; a delete (`~key`) or a word without `=` sweeps
        # nothing and is the layering's to check.
        target, equals, text = word.lstrip("+").partition("=")
        if not equals or word.startswith("~"):
            continue
        key = target.partition("@")[0]
        try:
            kind = _native.parse_sweep(text)["kind"]
        except ConfigError as err:
            broken.append(f"bare override {word!r}: {err}")
            continue  # for a single run, a plain `key=value` text item
        if kind != "value":
            sweeps.append((word, key, text))
    found = SweepPlan(namespace, words, sweeps)
    if broken and found.active:
        parser.error(broken[0])
    listing = any(
        name in namespace
        for name in ("list_params", "sub:list_params", "explain_param", "sub:explain_param")
    )
    if sweeps and not found.active and not listing:
        parser.error(
            f"{sweeps[0][0]!r} is a sweep (several values for {sweeps[0][1]}): add -m/--multirun "
            "to run one job per value, or --tune N to tune over them"
        )
    return found


def job_words(words: list[str], replaced: dict[str, str]) -> list[str]:
    """The command line of one job: ``words`` without the sweep options, each sweep word
    replaced (``replaced`` maps a word to its job's ``key=value``)."""
    out: list[str] = []
    skip = False
    ended = False
    for index, word in enumerate(words):
        if skip:
            skip = False
            continue
        if ended:
            out.append(word)
            continue
        if word == "--":
            ended = True
        elif word in ("-m", "--multirun", "--fail-fast"):
            continue
        elif word in _WITH_VALUE:
            skip = True
            continue
        elif word == "--tune":
            following = words[index + 1] if index + 1 < len(words) else ""
            skip = following.isdigit()
            continue
        elif word.split("=", 1)[0] in (*_WITH_VALUE, "--tune"):
            continue
        elif word in replaced and not (out and out[-1] in ("-D", "--define")):
            out.append(replaced.pop(word))
            continue
        out.append(word)
    return out


class JobResult:
    """How one job ended: ``status`` is ``ok``, ``failed`` or ``skipped``."""

    def __init__(self, number: int, overrides: str, status: str, value: Any, seconds: float):
        self.number = number
        self.overrides = overrides
        self.status = status
        self.value = value
        self.seconds = seconds

    def to_json(self) -> str:
        """The result as JSON, a return value JSON cannot hold as its ``repr``."""
        record = {
            "number": self.number,
            "overrides": self.overrides,
            "status": self.status,
            "value": self.value,
            "seconds": self.seconds,
        }
        try:
            return json.dumps(record)
        except (TypeError, ValueError):
            record["value"] = repr(self.value)
            return json.dumps(record)


_RESULT_FILE = "job.json"


def run_job(job: Job, overrides: str, run: Callable[[], Any]) -> JobResult:
    """Runs one job in this process: a failure (an exception or a usage error's exit) is
    recorded in ``error.txt`` in its directory instead of ending the sweep. The result is
    also written to ``job.json`` there, for the process that started this one."""
    import traceback

    os.makedirs(job.directory, exist_ok=True)
    start = time.perf_counter()
    captured = _Tee(sys.stderr)
    sys.stderr = captured
    error: str | None = None
    value: Any = None
    try:
        value = run()
    except SystemExit as exit:
        if exit.code not in (0, None):
            error = f"exit status {exit.code}\n{captured.text()}"
    except Exception:
        error = traceback.format_exc()
    finally:
        sys.stderr = captured.stream
    seconds = time.perf_counter() - start
    if error is not None:
        with open(os.path.join(job.directory, "error.txt"), "w", encoding="utf-8") as out:
            out.write(error)
    result = JobResult(job.number, overrides, "ok" if error is None else "failed", value, seconds)
    with open(os.path.join(job.directory, _RESULT_FILE), "w", encoding="utf-8") as out:
        out.write(result.to_json())
    return result


def run_child_job(job: Job, words: list[str], run: Callable[[], Any]) -> None:
    """Runs the job this process was started for (see :func:`run_job`) and ends the
    process: status 0 when the job succeeded, 1 when it failed."""
    result = run_job(job, " ".join(words), run)
    sys.stdout.flush()
    sys.exit(0 if result.status == "ok" else 1)


class _Tee:
    """stderr that also keeps what was written (a job's usage error for ``error.txt``)."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return int(self.stream.write(text))

    def flush(self) -> None:
        self.stream.flush()

    def text(self) -> str:
        return "".join(self.parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


# -- the grid -------------------------------------------------------------------------------
def run_grid(
    parser: _Parser, found: SweepPlan, rerun: Callable[[list[str], Job], Any]
) -> list[Any]:
    """Runs every job of the grid (``rerun(words, job)`` runs one in this process) and
    reports them; exits with status 1 when a job failed."""
    import functools
    import itertools

    from hyperparameter import _native

    axes: list[list[str]] = []
    for word, key, text in found.sweeps:
        try:
            values = _native.sweep_values(text, MAX_JOBS)
        except ValueError as err:
            parser.error(f"{word!r}: {err}")
        if values is None:
            parser.error(
                f"{word!r}: {text} is a continuous range, which a grid cannot run: "
                "tune over it with --tune N"
            )
        axes.append([f"{key}={value}" for value in values])
    grid = list(itertools.product(*axes))
    if len(grid) > MAX_JOBS:
        parser.error(f"the sweep holds {len(grid)} jobs, more than {MAX_JOBS}")
    root = found.root
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "overrides.txt"), "w", encoding="utf-8") as out:
        out.writelines(f"{word}\n" for word in found.words)
    jobs = []
    for number, chosen in enumerate(grid):
        replaced = {sweep[0]: item for sweep, item in zip(found.sweeps, chosen)}
        words = job_words(found.words, dict(replaced))
        jobs.append((Job(os.path.join(root, str(number)), number), words, " ".join(chosen)))
    progress = _Progress(len(jobs))
    if found.jobs > 1:
        check_rerunnable(parser, found)
        results = _run_processes(jobs, found.jobs, found.fail_fast, progress)
    else:
        results = []
        for job, words, overrides in jobs:
            failed = any(result.status == "failed" for result in results)
            if failed and found.fail_fast:
                results.append(JobResult(job.number, overrides, "skipped", None, 0.0))
                continue
            results.append(run_job(job, overrides, functools.partial(rerun, words, job)))
            progress.show(results, 0)
    progress.close()
    _report(results, root)
    if any(result.status != "ok" for result in results):
        sys.exit(1)
    return [result.value for result in results]


def check_rerunnable(parser: _Parser, found: SweepPlan) -> None:
    """``--jobs N`` starts processes that run this program's command again; that is only
    this program when its command line holds the words being run (not a test runner
    calling ``hp.launch(argv=...)``)."""
    from hyperparameter._cli_parser import _split_groups

    if _split_groups(list(sys.argv[1:])) != found.words:
        parser.error(
            "--jobs N runs jobs in processes that start this program's command again, which "
            "does not hold these words (launch was given argv=...): run the program from its "
            "command line, or leave --jobs out"
        )


def job_command() -> list[str]:
    """The command that started this program, with this interpreter: the job's own words
    travel in :data:`JOB_VARIABLE`."""
    orig = getattr(sys, "orig_argv", None) or [sys.executable, *sys.argv]
    prefix = orig[1 : len(orig) - (len(sys.argv) - 1)]
    return [sys.executable, *prefix, *sys.argv[1:]]


def _run_processes(
    jobs: list[Any], at_once: int, fail_fast: bool, progress: _Progress
) -> list[JobResult]:
    """Runs ``jobs`` in processes, ``at_once`` at a time."""
    import subprocess

    import hyperparameter as hp

    hp.scope.frozen()  # each job starts from the scope around launch
    command = job_command()
    pending = list(jobs)
    running: dict[Any, Any] = {}
    results: dict[int, JobResult] = {}
    while pending or running:
        stop = fail_fast and any(r.status == "failed" for r in results.values())
        while pending and len(running) < at_once and not stop:
            job, words, overrides = pending.pop(0)
            os.makedirs(job.directory, exist_ok=True)
            log = open(os.path.join(job.directory, "output.log"), "w", encoding="utf-8")
            document = {"argv": words, "dir": job.directory, "number": job.number}
            env = {**os.environ, JOB_VARIABLE: json.dumps(document)}
            process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            running[process] = (job, overrides, log, time.perf_counter())
        if stop and pending:
            for job, _, overrides in pending:
                results[job.number] = JobResult(job.number, overrides, "skipped", None, 0.0)
            pending = []
        for process in [p for p in running if p.poll() is not None]:
            job, overrides, log, start = running.pop(process)
            log.close()
            results[job.number] = _child_result(job, overrides, process.returncode, start)
        progress.show(list(results.values()), len(running))
        time.sleep(0.02)
    return [results[number] for number in sorted(results)]


def _child_result(job: Job, overrides: str, code: int, start: float) -> JobResult:
    """The result a job's process wrote, or a failure naming its exit status."""
    try:
        with open(os.path.join(job.directory, _RESULT_FILE), encoding="utf-8") as source:
            data = json.load(source)
        return JobResult(job.number, overrides, data["status"], data["value"], data["seconds"])
    except (OSError, ValueError, KeyError):
        seconds = time.perf_counter() - start
        error = os.path.join(job.directory, "error.txt")
        if not os.path.exists(error):
            with open(error, "w", encoding="utf-8") as out:
                out.write(f"the job's process ended with status {code} (see output.log)\n")
        return JobResult(job.number, overrides, "failed", None, seconds)


class _Progress:
    """The progress line on stderr: rewritten in place on a terminal, else one line each
    time it changes."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.last = ""

    def show(self, results: Sequence[JobResult], running: int) -> None:
        done = sum(result.status != "skipped" for result in results)
        failed = sum(result.status == "failed" for result in results)
        line = f"multirun: {done}/{self.total} jobs done, {failed} failed, {running} running"
        if line == self.last:
            return
        self.last = line
        sys.stderr.write(f"\r{line}" if sys.stderr.isatty() else f"{line}\n")
        sys.stderr.flush()

    def close(self) -> None:
        if self.last and sys.stderr.isatty():
            sys.stderr.write("\n")


def _report(results: list[JobResult], root: str) -> None:
    """The table of the jobs, on stdout and in ``jobs.txt``."""
    rows = [("job", "overrides", "return value", "status", "seconds")]
    for r in results:
        shown = "" if r.status != "ok" else repr(r.value)
        rows.append((str(r.number), r.overrides, shown, r.status, f"{r.seconds:.2f}"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows]
    table = "\n".join(lines)
    print(table, flush=True)
    with open(os.path.join(root, "jobs.txt"), "w", encoding="utf-8") as out:
        out.write(table + "\n")
    print(f"multirun: {len(results)} jobs in {root}", file=sys.stderr)
