"""A ``python`` command on ``PATH`` that is this very interpreter, for shell blocks the docs
show (they call ``python``).

A symlink to ``sys.executable`` is not enough: a virtual environment is found from the
interpreter's own path, so a link to a venv's ``python`` placed outside the venv starts the
base interpreter, without the packages installed in the venv. A script that execs
``sys.executable`` keeps that path.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path


def env_with_python(directory: Path) -> dict[str, str]:
    """The environment with ``directory/bin/python`` (created here) first on ``PATH``."""
    bin_dir = directory / "bin"
    bin_dir.mkdir(exist_ok=True)
    wrapper = bin_dir / "python"
    wrapper.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n', encoding="utf-8")
    wrapper.chmod(0o755)
    return {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
