"""The package is typed: a user example passes `mypy --strict`; stubs match the module."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def mypy_available() -> bool:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--version"], capture_output=True, check=False
    )
    return done.returncode == 0


pytestmark = pytest.mark.skipif(not mypy_available(), reason="mypy is not installed")


def test_user_example_passes_mypy_strict() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(HERE / "typing" / "user_example.py")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(
    sys.version_info < (3, 9), reason="mypy checks the package for Python 3.11 (pyproject)"
)
def test_package_passes_mypy_strict() -> None:
    # The checkout's source: an installed copy sits in site-packages, whose other modules
    # mypy would then check as part of the same tree.
    package = HERE.parents[1] / "python" / "hyperparameter"
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(package)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.native_only
def test_stubs_match_the_native_module() -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy.stubtest",
            "hyperparameter._native",
            "--allowlist",
            str(HERE / "typing" / "stubtest-allowlist.txt"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
