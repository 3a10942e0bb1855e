"""Every Python code block of docs/scopes.md, docs/cli.md and docs/config.md runs."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "scopes.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_block_runs(index: int) -> None:
    exec(compile(BLOCKS[index], f"{DOC.name}[block {index}]", "exec"), {"__name__": "__doc__"})


CLI_DOC = DOC.with_name("cli.md")
CLI_BLOCKS = re.findall(r"```python\n(.*?)```", CLI_DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(len(CLI_BLOCKS)))
def test_cli_doc_block_runs(index: int) -> None:
    code = compile(CLI_BLOCKS[index], f"{CLI_DOC.name}[block {index}]", "exec")
    exec(code, {"__name__": "__doc__"})


CONFIG_DOC = DOC.with_name("config.md")
CONFIG_TEXT = CONFIG_DOC.read_text(encoding="utf-8")
CONFIG_FILES = re.findall(r"```\w+ file=(\S+)\n(.*?)```", CONFIG_TEXT, re.DOTALL)
CONFIG_BLOCKS = re.findall(r"```python\n(.*?)```", CONFIG_TEXT, re.DOTALL)


def test_the_config_page_has_examples_and_files() -> None:
    assert len(CONFIG_BLOCKS) >= 10 and len(CONFIG_FILES) >= 2


@pytest.mark.parametrize("index", range(len(CONFIG_BLOCKS)))
def test_config_doc_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Runs in a folder holding the page's files (```toml file=NAME blocks)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RUNS_DIR", raising=False)
    monkeypatch.delenv("CACHE_DIR", raising=False)
    monkeypatch.setenv("DATA_ROOT", "")  # the page sets it; restored after the test
    for name, text in CONFIG_FILES:
        (tmp_path / name).write_text(text, encoding="utf-8")
    # A real module, so that dataclasses and schemas defined in a block resolve their names.
    module = types.ModuleType("__doc__")
    monkeypatch.setitem(sys.modules, "__doc__", module)
    code = compile(CONFIG_BLOCKS[index], f"{CONFIG_DOC.name}[block {index}]", "exec")
    exec(code, module.__dict__)


README = DOC.parents[1] / "README.md"
README_BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(len(README_BLOCKS)))
def test_readme_block_runs(index: int) -> None:
    exec(
        compile(README_BLOCKS[index], f"README.md[block {index}]", "exec"), {"__name__": "__doc__"}
    )


MIGRATION_DOC = DOC.with_name("migration-hydra.md")
MIGRATION_TEXT = MIGRATION_DOC.read_text(encoding="utf-8")
MIGRATION_FILES = re.findall(r"```\w+ file=(\S+)\n(.*?)```", MIGRATION_TEXT, re.DOTALL)
MIGRATION_BLOCKS = re.findall(r"```python\n(.*?)```", MIGRATION_TEXT, re.DOTALL)


@pytest.mark.parametrize("index", range(len(MIGRATION_BLOCKS)))
def test_migration_doc_block_runs(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs in a folder holding the page's files (```yaml file=NAME blocks)."""
    monkeypatch.chdir(tmp_path)
    for name, text in MIGRATION_FILES:
        (tmp_path / name).write_text(text, encoding="utf-8")
    module = types.ModuleType("__doc__")
    monkeypatch.setitem(sys.modules, "__doc__", module)
    code = compile(MIGRATION_BLOCKS[index], f"{MIGRATION_DOC.name}[block {index}]", "exec")
    exec(code, module.__dict__)
