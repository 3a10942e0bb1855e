"""The site's own pages: the home page keeps the README's examples, and every Python block
of the home, guarantees and packaging pages runs (when the package is installed)."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
FENCE = re.compile(r"```(\w+)\n(.*?)```", re.DOTALL)


def blocks(path: Path, language: str | None = None) -> list[str]:
    """The fenced code blocks of a Markdown file, of one language when given."""
    found = FENCE.findall(path.read_text(encoding="utf-8"))
    return [code for lang, code in found if language is None or lang == language]


def readme_tour() -> str:
    """The README's "A 30-second tour" section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"^## A 30-second tour\n(.*?)(?=^## )", text, re.DOTALL | re.MULTILINE)
    assert match, "README.md has no '## A 30-second tour' section"
    return match.group(1)


def test_home_page_shows_the_readme_examples() -> None:
    """The home page is written for the site, but its examples are the README's (which the
    Python suite runs): a changed README example must be changed on the home page too."""
    home = (DOCS / "index.md").read_text(encoding="utf-8")
    tour = FENCE.findall(readme_tour())
    assert len(tour) >= 4
    for lang, code in tour:
        assert f"```{lang}\n{code}```" in home, f"docs/index.md lacks README's {lang} example"


@pytest.mark.parametrize(
    "page", ["index.md", "guarantees.md", "packaging.md", "performance.md", "rust-api.md", "api"]
)
def test_site_pages_state_rules_without_pointing_elsewhere(page: str) -> None:
    """The site's own pages state the rules; they cite no outside contract."""
    paths = sorted((DOCS / page).glob("*.md")) if page == "api" else [DOCS / page]
    for path in paths:
        text = path.read_text(encoding="utf-8")
        for word in ("SPEC", "§", "seeds"):
            assert word not in text, f"{path.name} mentions {word!r}"


PAGES_WITH_CODE = {
    name: blocks(DOCS / name, "python") for name in ("index.md", "guarantees.md", "packaging.md")
}
CASES = [(name, index) for name, found in PAGES_WITH_CODE.items() for index in range(len(found))]


def test_the_guarantees_page_has_examples() -> None:
    assert len(PAGES_WITH_CODE["guarantees.md"]) >= 6


@pytest.mark.parametrize(("page", "index"), CASES)
def test_python_block_runs(page: str, index: int) -> None:
    pytest.importorskip("hyperparameter", reason="the package is not installed")
    code_text = PAGES_WITH_CODE[page][index]
    # A block for a newer Python than the oldest supported says so on its first line.
    needs = re.match(r"# Python (?:≥|>=) ?(\d+)\.(\d+)\b", code_text)
    if needs and sys.version_info[:2] < (int(needs.group(1)), int(needs.group(2))):
        pytest.skip(f"{page}[block {index}] needs Python {needs.group(1)}.{needs.group(2)}")
    code = compile(code_text, f"{page}[block {index}]", "exec")
    exec(code, {"__name__": "__doc__"})


def _markdown_compat() -> types.ModuleType:
    """The site's Markdown hook, imported from its file."""
    spec = importlib.util.spec_from_file_location(
        "markdown_compat", DOCS / "hooks" / "markdown_compat.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_markdown_hook_titles_file_fences_and_unescapes_table_pipes() -> None:
    adapt = _markdown_compat().adapt
    source = (
        "```toml file=base.toml\n"
        "a = 1\n"
        "```\n"
        "| read | meaning |\n"
        "|---|---|\n"
        "| `hp.scope.a \\| 0` | a \\| b |\n"
        "```text\n"
        "| `x \\| y` |\n"
        "```\n"
    )
    assert adapt(source) == (
        '```toml title="base.toml"\n'
        "a = 1\n"
        "```\n"
        "| read | meaning |\n"
        "|---|---|\n"
        "| `hp.scope.a | 0` | a \\| b |\n"
        "```text\n"
        "| `x \\| y` |\n"
        "```\n"
    )


def test_the_benchmark_tables_are_drawn_from_the_recorded_run() -> None:
    """docs/performance.md holds the tables that benchmarks/run.py renders from the run it
    recorded in benchmarks/results.json, and the chart of that run is beside them."""
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--check-docs"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    chart = DOCS / "images" / "benchmarks.png"
    assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert "](images/benchmarks.png)" in (DOCS / "performance.md").read_text(encoding="utf-8")
