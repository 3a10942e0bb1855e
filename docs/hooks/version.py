"""MkDocs hook: puts the package's version in every page's footer.

The version is written once, under `[workspace.package]` in the root `Cargo.toml`
(docs/packaging.md, "One version"); this hook reads it there when the site is built.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def workspace_version(root: Path) -> str:
    """`version` of `[workspace.package]` in `root/Cargo.toml`."""
    text = (root / "Cargo.toml").read_text(encoding="utf-8")
    section = re.search(r"^\[workspace\.package\]\n(.*?)(?=^\[|\Z)", text, re.DOTALL | re.M)
    found = section and re.search(r'^version\s*=\s*"([^"]+)"', section.group(1), re.M)
    if not found:
        raise ValueError("Cargo.toml has no version under [workspace.package]")
    return found.group(1)


def on_config(config: Any, **kwargs: Any) -> Any:
    """Sets the footer's copyright line to name the version and the license."""
    version = workspace_version(Path(config["config_file_path"]).resolve().parent)
    config["copyright"] = f"hyperparameter {version} · Apache-2.0"
    return config
