"""Every Python code block of docs/scopes.md and docs/cli.md runs."""

from __future__ import annotations

import re
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
