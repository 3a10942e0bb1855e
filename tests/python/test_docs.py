"""Every Python code block of docs/scopes.md, docs/cli.md, docs/config.md,
docs/migration-hydra.md, docs/composition.md, docs/tuning.md, docs/provenance.md and the
README runs, on every supported Python.

A block that needs a newer Python than the oldest supported one says so on its first line,
``# Python ≥ 3.10``; it is skipped on older interpreters only."""

from __future__ import annotations

import re
import sys
import types
from pathlib import Path

import pytest

NEEDS_PYTHON = re.compile(r"# Python (?:≥|>=) ?(\d+)\.(\d+)\b")


def compiled(code: str, name: str) -> types.CodeType:
    """The block compiled, or a skip when its first line asks for a newer Python."""
    needs = NEEDS_PYTHON.match(code)
    if needs and sys.version_info[:2] < (int(needs.group(1)), int(needs.group(2))):
        pytest.skip(f"{name} needs Python {needs.group(1)}.{needs.group(2)}")
    return compile(code, name, "exec")


def test_a_block_marked_for_a_newer_python_is_skipped_only_there() -> None:
    with pytest.raises(pytest.skip.Exception, match=r"needs Python 99\.0"):
        compiled("# Python ≥ 99.0\nx = 1\n", "block")
    exec(compiled("# Python >= 3.8\nx = 1\n", "block"), {})


DOC = Path(__file__).resolve().parents[2] / "docs" / "scopes.md"
BLOCKS = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.DOTALL)


def test_the_page_has_examples() -> None:
    assert len(BLOCKS) >= 8


@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_doc_block_runs(index: int) -> None:
    exec(compiled(BLOCKS[index], f"{DOC.name}[block {index}]"), {"__name__": "__doc__"})


CLI_DOC = DOC.with_name("cli.md")
CLI_BLOCKS = re.findall(r"```python\n(.*?)```", CLI_DOC.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(len(CLI_BLOCKS)))
def test_cli_doc_block_runs(index: int) -> None:
    code = compiled(CLI_BLOCKS[index], f"{CLI_DOC.name}[block {index}]")
    exec(code, {"__name__": "__doc__"})


TUNING_DOC = DOC.with_name("tuning.md")
TUNING_BLOCKS = re.findall(
    r"```python\n(.*?)```", TUNING_DOC.read_text(encoding="utf-8"), re.DOTALL
)


@pytest.mark.parametrize("index", range(len(TUNING_BLOCKS)))
def test_tuning_doc_block_runs(index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the SQLite example writes study.db where it runs
    code = compiled(TUNING_BLOCKS[index], f"{TUNING_DOC.name}[block {index}]")
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
    code = compiled(CONFIG_BLOCKS[index], f"{CONFIG_DOC.name}[block {index}]")
    exec(code, module.__dict__)


PROVENANCE_DOC = DOC.with_name("provenance.md")
PROVENANCE_BLOCKS = re.findall(
    r"```python\n(.*?)```", PROVENANCE_DOC.read_text(encoding="utf-8"), re.DOTALL
)


def test_the_provenance_page_has_examples() -> None:
    assert len(PROVENANCE_BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(PROVENANCE_BLOCKS)))
def test_provenance_doc_block_runs(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code = compiled(PROVENANCE_BLOCKS[index], f"{PROVENANCE_DOC.name}[block {index}]")
    exec(code, {"__name__": "__doc__"})


README = DOC.parents[1] / "README.md"
README_BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)


@pytest.mark.parametrize("index", range(len(README_BLOCKS)))
def test_readme_block_runs(index: int) -> None:
    exec(compiled(README_BLOCKS[index], f"README.md[block {index}]"), {"__name__": "__doc__"})


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
    code = compiled(MIGRATION_BLOCKS[index], f"{MIGRATION_DOC.name}[block {index}]")
    exec(code, module.__dict__)


COMPOSITION_DOC = DOC.with_name("composition.md")
COMPOSITION_TEXT = COMPOSITION_DOC.read_text(encoding="utf-8")
COMPOSITION_FILES = re.findall(r"```\w+ file=(\S+)\n(.*?)```", COMPOSITION_TEXT, re.DOTALL)
COMPOSITION_BLOCKS = re.findall(r"```python\n(.*?)```", COMPOSITION_TEXT, re.DOTALL)


def test_the_composition_page_has_examples_and_a_tree() -> None:
    assert len(COMPOSITION_BLOCKS) >= 4 and len(COMPOSITION_FILES) >= 4


@pytest.mark.parametrize("index", range(len(COMPOSITION_BLOCKS)))
def test_composition_doc_block_runs(
    index: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Runs in a folder holding the page's config tree (```yaml file=configs/... blocks)."""
    monkeypatch.chdir(tmp_path)
    for name, text in COMPOSITION_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    module = types.ModuleType("__doc__")
    monkeypatch.setitem(sys.modules, "__doc__", module)
    code = compiled(COMPOSITION_BLOCKS[index], f"{COMPOSITION_DOC.name}[block {index}]")
    exec(code, module.__dict__)


# What no docstring, message or stub of the installed package may say (its text states the
# rules itself, or points to docs/guarantees.md): `SPEC` as a word in capitals, the section
# sign, "seeds".
FORBIDDEN = re.compile(r"\bSPEC\b|§|\b[Ss]eeds\b")


def test_the_installed_package_cites_no_outside_contract() -> None:
    """The package's Python files and stubs (docstrings, messages, comments), the native
    module's docstrings and the text compiled into it (its messages)."""
    import hyperparameter as hp

    package = Path(hp.__file__).resolve().parent
    found = []
    for path in sorted([*package.rglob("*.py"), *package.rglob("*.pyi")]):
        for match in FORBIDDEN.finditer(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(package)}: {match.group(0)!r}")
    try:
        from hyperparameter import _native
    except ImportError:
        _native = None
    if _native is not None:
        for name in dir(_native):
            item = getattr(_native, name)
            for member in [item, *(getattr(item, m, None) for m in dir(item) if m[0] != "_")]:
                doc = getattr(member, "__doc__", None) or ""
                found += [f"_native.{name}: {m.group(0)!r}" for m in FORBIDDEN.finditer(doc)]
        binary = Path(_native.__file__).read_bytes()
        found += [
            f"{Path(_native.__file__).name}: {m.group(0)!r}"
            # A section sign cited in text is followed by its number; the same two bytes
            # occur in machine code too, where they cite nothing.
            for m in re.finditer(rb"\bSPEC\b|\xc2\xa7 ?[0-9]|\b[Ss]eeds\b", binary)
        ]
    assert not found, "\n".join(found)
