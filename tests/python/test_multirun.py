"""``-m/--multirun`` grids and ``--run-dir`` run directories, driven as real subprocesses
(both scope backends: the child inherits ``HYPERPARAMETER_BACKEND``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hyperparameter as hp

PROGRAM = """
import os
import hyperparameter as hp

@hp.param("train")
def train(a: int = 0, b: str = "x", fail: int = -1) -> int:
    if a == fail:
        raise RuntimeError(f"job with a={a} fails")
    log = hp.scope.log.dir | "-"
    print(f"a={a} b={b} log={log} pid={os.getpid()}")
    return a * 10 + len(b)

if __name__ == "__main__":
    print("returned", hp.launch(train))
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "train.py", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
        env=dict(os.environ),
    )


@pytest.fixture
def program(tmp_path: Path) -> Path:
    (tmp_path / "train.py").write_text(textwrap.dedent(PROGRAM), encoding="utf-8")
    return tmp_path


def table(done: subprocess.CompletedProcess[str]) -> list[list[str]]:
    """The rows of the job table (job, overrides, return value, status), seconds left out."""
    lines = done.stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("job "))
    rows = []
    for line in lines[start + 1 :]:
        if not line[:1].isdigit():
            break
        cells = [cell for cell in line.split("  ") if cell.strip()]
        rows.append([cell.strip() for cell in cells[:-1]])
    return rows


def test_a_grid_of_two_by_two_runs_four_jobs_in_hydra_order(program: Path) -> None:
    done = run(["-m", "train.a=1,2", "train.b=x,yy", "--run-dir", "sweep"], program)
    assert done.returncode == 0, done.stderr
    assert table(done) == [
        ["0", "train.a=1 train.b=x", "11", "ok"],
        ["1", "train.a=1 train.b=yy", "12", "ok"],
        ["2", "train.a=2 train.b=x", "21", "ok"],
        ["3", "train.a=2 train.b=yy", "22", "ok"],
    ]
    assert "returned [11, 12, 21, 22]" in done.stdout
    assert "multirun: 4/4 jobs done, 0 failed" in done.stderr  # the progress line
    for number, words in enumerate(
        (["train.a=1", "train.b=x"], ["train.a=1", "train.b=yy"], ["train.a=2", "train.b=x"])
    ):
        job = program / "sweep" / str(number)
        assert (job / "overrides.txt").read_text().split() == words
        assert {p.name for p in job.iterdir()} >= {"config.yaml", "resolved.yaml"}
    assert (program / "sweep" / "jobs.txt").read_text().startswith("job ")


def test_sweep_values_of_range_and_choice(program: Path) -> None:
    done = run(["-m", "train.a=range(1,4)", "train.b=choice(p,qqq)", "--run-dir", "s"], program)
    assert done.returncode == 0, done.stderr
    assert [row[2] for row in table(done)] == ["11", "13", "21", "23", "31", "33"]


def test_parallel_jobs_give_the_same_results_in_separate_processes(program: Path) -> None:
    one = run(["-m", "train.a=1,2", "train.b=x,yy", "--run-dir", "one"], program)
    two = run(["-m", "train.a=1,2", "train.b=x,yy", "--run-dir", "two", "--jobs", "2"], program)
    assert one.returncode == two.returncode == 0, two.stderr
    assert table(one) == table(two)
    logs = [(program / "two" / str(n) / "output.log").read_text() for n in range(4)]
    assert "a=2 b=yy" in logs[3]
    pids = {log.split("pid=")[1].split()[0] for log in logs}
    assert len(pids) == 4 and str(os.getpid()) not in pids  # a process per job


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_failing_job_is_reported_and_the_others_go_on(program: Path, jobs: str) -> None:
    done = run(["-m", "train.a=1,2,3", "train.fail=2", "--run-dir", "s", "--jobs", jobs], program)
    assert done.returncode == 1
    assert table(done) == [
        ["0", "train.a=1", "11", "ok"],
        ["1", "train.a=2", "failed"],
        ["2", "train.a=3", "31", "ok"],
    ]
    error = (program / "s" / "1" / "error.txt").read_text()
    assert "Traceback" in error and "RuntimeError: job with a=2 fails" in error
    assert not (program / "s" / "0" / "error.txt").exists()


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_fail_fast_starts_no_job_after_a_failure(program: Path, jobs: str) -> None:
    args = ["-m", "train.a=1,2,3,4", "train.fail=1", "--fail-fast", "--jobs", jobs]
    done = run([*args, "--run-dir", "s"], program)
    assert done.returncode == 1
    statuses = [row[-1] for row in table(done)]
    assert statuses[0] == "failed" and statuses[-1] == "skipped"
    assert not (program / "s" / "3").exists()


def test_a_job_with_a_bad_value_is_a_failed_job_with_the_usage_error(program: Path) -> None:
    done = run(["-m", "train.a=1,many", "--run-dir", "s"], program)
    assert done.returncode == 1
    assert [row[-1] for row in table(done)] == ["ok", "failed"]
    error = (program / "s" / "1" / "error.txt").read_text()
    assert error.startswith("exit status 2") and "many" in error


def test_a_sweep_word_without_multirun_is_a_usage_error_with_a_hint(program: Path) -> None:
    done = run(["train.a=1,2"], program)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "add -m/--multirun" in done.stderr and "--tune" in done.stderr


def test_an_interval_cannot_be_a_grid(program: Path) -> None:
    done = run(["-m", "train.a=interval(0,1)", "--run-dir", "s"], program)
    assert done.returncode == 2
    assert "--tune" in done.stderr


def test_a_run_directory_holds_the_run_and_the_working_directory_stays(program: Path) -> None:
    (program / "base.yaml").write_text(
        "log:\n  dir: ${hydra:runtime.output_dir}/logs\n  name: ${hydra:job.name}\n"
    )
    args = ["-C", "base.yaml", "--run-dir", "runs/${now:%Y}/r", "train.a=4"]
    done = run(args, program)
    assert done.returncode == 0, done.stderr
    (year,) = os.listdir(program / "runs")
    directory = program / "runs" / year / "r"
    assert year.isdigit() and len(year) == 4
    assert f"log={directory}/logs" in done.stdout
    assert (directory / "overrides.txt").read_text().splitlines() == args
    resolved = hp.config(str(directory / "resolved.yaml"))
    assert resolved["train"]["fail"] == -1 and resolved["log"]["name"] == "train"
    # The operative config: what the run read, the defaults it used included.
    config = hp.config(str(directory / "config.yaml"))
    assert config["train"].to_dict() == {"a": 4, "b": "x", "fail": -1}
    assert config["log"]["dir"] == f"{directory}/logs"
    assert not (program / "logs").exists()


def test_each_job_resolves_the_output_dir_to_its_own_directory(program: Path) -> None:
    (program / "base.yaml").write_text("log:\n  dir: ${hydra:runtime.output_dir}\n")
    done = run(["-m", "-C", "base.yaml", "train.a=1,2", "--run-dir", "s", "--jobs", "2"], program)
    assert done.returncode == 0, done.stderr
    for number in (0, 1):
        log = (program / "s" / str(number) / "output.log").read_text()
        assert f"log={program / 's' / str(number)}" in log


def test_the_config_yaml_of_a_job_replays_it(program: Path) -> None:
    done = run(["-m", "train.a=5,6", "train.b=zz", "--run-dir", "s"], program)
    assert done.returncode == 0, done.stderr
    again = run(["-C", "s/1/config.yaml"], program)
    assert again.returncode == 0, again.stderr
    assert "a=6 b=zz" in again.stdout and "returned 62" in again.stdout


def test_listing_with_a_sweep_word_lists_without_running(program: Path) -> None:
    done = run(["-lps", "train.a=1,2"], program)
    assert done.returncode == 0, done.stderr
    assert "train.a" in done.stdout and "returned" not in done.stdout


def test_a_grid_too_large_is_a_usage_error(program: Path) -> None:
    done = run(["-m", "train.a=range(0,1000000)", "--run-dir", "s"], program)
    assert done.returncode == 2
    assert "more than 100000 values" in done.stderr and not (program / "s" / "0").exists()


def test_parallel_jobs_need_the_program_s_own_command_line(tmp_path: Path) -> None:
    import hyperparameter as hp

    @hp.param("t")
    def f(a: int = 0) -> int:
        return a

    # In this test process the command is pytest's, which must not be started again.
    with pytest.raises(SystemExit) as exit:
        hp.launch(f, argv=["-m", "t.a=1,2", "--jobs", "2", "--run-dir", str(tmp_path / "s")])
    assert exit.value.code == 2
    assert hp.launch(f, argv=["-m", "t.a=1,2", "--run-dir", str(tmp_path / "s")]) == [1, 2]
    # The run directory is the program's only while it runs.
    with pytest.raises(hp.ConfigError):
        hp.config({"d": "${hydra:runtime.output_dir}"})
