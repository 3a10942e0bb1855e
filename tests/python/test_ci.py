"""CI runs the README's set-up commands as a new user would, and the test command changes the
environment only as the README says."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ci_runs_the_readmes_two_commands() -> None:
    done = subprocess.run(
        ["bash", str(ROOT / ".ci" / "run"), "--print-readme-commands"],
        capture_output=True,
        text=True,
        check=True,
    )
    install, test = done.stdout.splitlines()
    assert install.startswith("pip install . && python -m hyperparameter.examples.quickstart ")
    assert test == "bash scripts/test.sh"
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "venv" in ci and "activate" in ci


def test_the_test_command_installs_as_the_readme_says() -> None:
    scripts = "".join(
        (ROOT / "scripts" / name).read_text(encoding="utf-8")
        for name in ("test.sh", "test-python.sh", "test-cpp.sh")
    )
    installs = re.findall(r"pip install[^\n]*", scripts)
    assert installs, "the scripts install the checkout and the test tools"
    for line in installs:
        assert "--upgrade" not in line and " -U" not in line, line
        assert " -e" not in line and "--editable" not in line, line
    assert any(line.rstrip().endswith(" .") for line in installs)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "not in editable mode" in readme
