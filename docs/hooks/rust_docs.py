"""MkDocs hook: puts the Rust crates' `cargo doc` output into the site under `rust/`.

`cargo doc --workspace --no-deps` writes the crate docs to `target/doc/`. When that folder
exists at build time it is copied to `<site>/rust/`, so the page "Rust API (cargo doc)" links
to them in the same site; when it does not, the build goes on and says how to add them.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Any

log = logging.getLogger("mkdocs.hooks.rust_docs")

CRATE_INDEX = Path("hyperparameter") / "index.html"


def on_post_build(config: Any, **kwargs: Any) -> None:
    """Copies `target/doc` (when built) to `rust/` in the site directory."""
    root = Path(config["config_file_path"]).resolve().parent
    built = root / "target" / "doc"
    if not (built / CRATE_INDEX).is_file():
        log.info("no cargo doc output in target/doc: run `cargo doc --workspace --no-deps` first")
        return
    destination = Path(config["site_dir"]) / "rust"
    shutil.copytree(built, destination, dirs_exist_ok=True)
    log.info("Rust API docs copied from %s to %s", built, destination)
