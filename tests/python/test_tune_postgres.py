"""Three worker processes tune one study on a real PostgreSQL server (each trial's values and
operative config checked, and the best trial replayed with `-C`) that the test starts
itself: `initdb` and `pg_ctl` of the distribution's `postgresql` package (found under
/usr/lib/postgresql/*/bin, or on PATH) in a temporary directory, on a free localhost port.

Without the server's programs (or psycopg2) the test is skipped with the reason, except
when `CI=true`: there it fails, so CI cannot pass without having run it. `initdb` refuses
to run as root; as root the server runs as the `postgres` user the package creates.
"""

from __future__ import annotations

import glob
import json
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest
from shared_study import check_shared_study


def unavailable(reason: str) -> None:
    """Skips the test, or fails it in CI (`CI=true`), where it must run."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but the PostgreSQL test cannot run: {reason}")
    print(f"skipping the PostgreSQL test: {reason}")
    pytest.skip(reason)


def server_bin() -> Path | None:
    """The directory holding `initdb` and `pg_ctl`, newest version first."""
    for initdb in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True):
        return Path(initdb).parent
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A running PostgreSQL server of its own; yields the URL of its `postgres` database."""
    bin_dir = server_bin()
    if bin_dir is None:
        unavailable("initdb/pg_ctl not found (install the distribution's postgresql package)")
    try:
        import psycopg2  # noqa: F401  (the driver Optuna's storage uses for the URL)
    except ImportError:
        unavailable("psycopg2 is not installed (pip install psycopg2-binary)")
    assert bin_dir is not None
    run_as: list[str] = []
    owner: pwd.struct_passwd | None = None
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            unavailable("running as root and there is no `postgres` user to run the server")
        runuser = shutil.which("runuser")
        if runuser is None:
            unavailable("running as root without `runuser` to start the server as postgres")
        assert owner is not None and runuser is not None
        run_as = [runuser, "-u", "postgres", "--"]
    # Not pytest's tmp_path: its parents are private to the user running the tests.
    root = Path(tempfile.mkdtemp(prefix="hp-pg-"))
    if owner is not None:
        os.chown(root, owner.pw_uid, owner.pw_gid)
    data, log, port = root / "data", root / "server.log", free_port()

    def pg(*args: str) -> None:
        done = subprocess.run(
            [*run_as, *args], capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"{args[0]} failed:\n{done.stdout}\n{done.stderr}"

    try:
        initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "tune", "--auth=trust"]
        pg(*initdb, "-E", "UTF8", "--no-sync")
        # A throwaway server: no waiting for the disk on each commit.
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start")
        try:
            # The driver named: SQLAlchemy 2.1 reads a bare `postgresql://` as psycopg 3.
            yield f"postgresql+psycopg2://tune@127.0.0.1:{port}/postgres"
        finally:
            pg(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_three_workers_share_one_study_on_postgresql(postgres_url: str) -> None:
    per_pid = check_shared_study(postgres_url, "shared", workers=3, n_trials=4)
    trials = optuna.load_study(study_name="shared", storage=postgres_url).trials
    numbers = [t.number for t in trials]
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    counts = {
        "asked": len(trials),
        "completed": len(complete),
        "distinct numbers": len(set(numbers)),
        "duplicates": len(numbers) - len(set(numbers)),
        "per worker": sorted(per_pid.values()),
    }
    print(json.dumps({"postgresql trials": counts}))


def test_a_missing_server_skips_but_fails_in_ci(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no initdb"):
        unavailable("no initdb")
    assert "skipping the PostgreSQL test: no initdb" in capsys.readouterr().out
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but the PostgreSQL test cannot run"):
        unavailable("no initdb")
