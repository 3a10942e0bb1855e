"""The package's modules import each other without a circle at the top level.

Each module of `python/hyperparameter` is parsed with `ast`; an import counts when it runs
while the module is imported: at module level, in a class body, under `if`/`try` at those
levels. Imports inside functions and under `if TYPE_CHECKING:` run later or never, so they
do not count. `from hyperparameter import X` counts as importing the module `X` when there is
one, and the package's `__init__` otherwise.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = "hyperparameter"
SOURCE = Path(__file__).resolve().parents[2] / "python" / PACKAGE

# Circles known and accepted, each with its reason; empty: there are none.
KNOWN_CYCLES: set[tuple[str, ...]] = set()


def module_files() -> dict[str, Path]:
    out = {}
    for path in SOURCE.rglob("*.py"):
        parts = path.relative_to(SOURCE.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def top_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.append(node)
            elif isinstance(node, ast.If):
                if not is_type_checking(node.test):
                    visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                for block in (node.body, node.orelse, node.finalbody):
                    visit(block)
                for handler in node.handlers:
                    visit(handler.body)
            elif isinstance(node, (ast.With, ast.ClassDef)):
                visit(node.body)

    visit(tree.body)
    return found


def package_of(name: str, modules: dict[str, Path]) -> str:
    return name if modules[name].name == "__init__.py" else name.rpartition(".")[0]


def edges(name: str, modules: dict[str, Path]) -> set[str]:
    tree = ast.parse(modules[name].read_text(encoding="utf-8"))
    out: set[str] = set()
    for node in top_level_imports(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
            out.update(t for t in targets if t in modules)
            continue
        base = node.module or ""
        if node.level:
            anchor = package_of(name, modules).split(".")
            anchor = anchor[: len(anchor) - node.level + 1]
            base = ".".join([*anchor, base] if base else anchor)
        if base not in modules:
            continue
        for alias in node.names:
            sub = f"{base}.{alias.name}"
            out.add(sub if sub in modules else base)
    out.discard(name)
    return out


def find_cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    cycles: set[tuple[str, ...]] = set()

    def walk(node: str, path: list[str]) -> None:
        for target in sorted(graph[node]):
            if target in path:
                cycle = path[path.index(target) :]
                start = cycle.index(min(cycle))
                cycles.add(tuple(cycle[start:] + cycle[:start]))
            elif len(path) < len(graph):
                walk(target, [*path, target])

    for node in sorted(graph):
        walk(node, [node])
    return cycles


def graph() -> dict[str, set[str]]:
    modules = module_files()
    return {name: edges(name, modules) for name in modules}


def test_the_package_has_no_top_level_import_cycle() -> None:
    cycles = find_cycles(graph()) - KNOWN_CYCLES
    assert not cycles, "top-level import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_backend_module_is_a_leaf() -> None:
    imported = graph()[f"{PACKAGE}._backend"]
    assert imported <= {f"{PACKAGE}.errors"}, imported


def test_the_detector_finds_a_cycle() -> None:
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == {("a", "b", "c")}


def test_set_backend_imports_none_of_its_consumers() -> None:
    # Not even inside a function: consumers subscribe to `_backend` instead.
    tree = ast.parse((SOURCE / "storage.py").read_text(encoding="utf-8"))
    imported = {
        alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
        for node in ast.walk(tree)
        if isinstance(node, (ast.Import, ast.ImportFrom))
        for alias in node.names
    }
    consumers = {PACKAGE, f"{PACKAGE}.scope", f"{PACKAGE}.param", f"{PACKAGE}.{PACKAGE}"}
    assert not {name for name in imported if name in consumers or ".scope" in name}, imported
