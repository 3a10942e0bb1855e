"""The ``hp`` console command: ``hp params PATH`` lists the parameters a Python file or
package declares, without running it.

The source is parsed with :mod:`ast`. A parameter is declared by

- a keyword default of an ``@hp.param`` / ``@param`` / ``@auto_param`` function (or of a
  decorated class's ``__init__``): key ``<namespace>.<argument>``, with the description the
  docstring gives the argument (Google, NumPy or reST style);
- a read with a default: ``hp.scope.x.y | d``, ``hp.scope["x.y"] | d``,
  ``param_scope.x.y(d)``, or a required read ``hp.scope.x.y()``; a comment on the same line
  is its description.

The names are those the file binds: ``import hyperparameter as h2`` makes ``@h2.param``
and ``h2.scope.x | d`` count, ``from hyperparameter import param as p, scope as S`` makes
``@p`` and ``S.x | d`` count (``from hyperparameter import *`` binds the usual names), and
so does an assignment such as ``s = h2.scope``. ``hp`` and ``hyperparameter`` name the
package even without an import, unless the file imports something else under that name.

A key declared with two different defaults (two signatures, two reads, or one of each) is
reported on stderr with the ``file:line`` of each. Unreadable or unparsable files are
reported on stderr and make the exit status 2; the parameters found in the other files are
still listed. Finding no parameters at all is said on stderr, with exit status 1.
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from pathlib import Path

from hyperparameter._docstring import parse_docstring

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Sequence

__all__ = ["Declaration", "analyze_path", "analyze_source", "conflicting_defaults", "main"]

_DECORATORS = frozenset(("param", "auto_param"))
_SCOPE_ROOTS = frozenset(("scope", "param_scope"))
_PACKAGE = "hyperparameter"
# Modules whose `param` / `auto_param` are the decorators (the package re-exports them).
_DECORATOR_MODULES = frozenset((_PACKAGE, f"{_PACKAGE}.param"))
_METHODS = frozenset(
    "keys items values to_dict clear empty frozen init current update get put".split()
)
_SKIPPED_DIRS = frozenset((".git", "__pycache__", ".venv", "venv", "node_modules", ".tox"))


class Declaration:
    """One parameter found in the source."""

    __slots__ = ("default", "description", "file", "key", "kind", "line", "where")

    def __init__(
        self, key: str, default: str | None, file: str, line: int, kind: str, where: str, doc: str
    ) -> None:
        self.key = key
        self.default = default
        self.file = file
        self.line = line
        self.kind = kind
        self.where = where
        self.description = doc

    def to_dict(self) -> dict[str, Any]:
        """The declaration as the JSON output shows it."""
        return {
            "key": self.key,
            "default": self.default,
            "file": self.file,
            "line": self.line,
            "kind": self.kind,
            "where": self.where,
            "description": self.description,
        }


class AnalysisError(Exception):
    """A file that cannot be read or parsed."""


class _Names:
    """The names a file binds to the package, to ``hp.scope`` and to the decorators.

    Found from the file's imports wherever they are (``import hyperparameter as h2``,
    ``from hyperparameter import param as p, scope as S``, ``from hyperparameter import *``)
    and from plain assignments of those (``S = h2.scope``), without following control flow.
    ``hp`` and ``hyperparameter`` name the package unless the file imports something else
    under that name.
    """

    def __init__(self, tree: ast.AST) -> None:
        self.scopes: set[str] = set()
        self.decorators: set[str] = set()
        imported: set[str] = set()  # names bound to the package by an import
        rebound: set[str] = set()  # names bound to something else by an import
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    # `import hyperparameter.x` binds the package; `... as y` binds `x`.
                    is_package = alias.name == _PACKAGE or (
                        alias.asname is None and alias.name.startswith(f"{_PACKAGE}.")
                    )
                    bound = alias.asname or alias.name.partition(".")[0]
                    (imported if is_package else rebound).add(bound)
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                for alias in node.names:
                    self._import_from(node.module or "", alias, rebound)
        self.packages = ({"hp", _PACKAGE} - rebound) | imported
        self._assignments(tree)

    def _import_from(self, module: str, alias: ast.alias, rebound: set[str]) -> None:
        bound = alias.asname or alias.name
        if alias.name == "*":
            if module == _PACKAGE:
                self.scopes |= _SCOPE_ROOTS
                self.decorators |= _DECORATORS
            if module in _DECORATOR_MODULES:
                self.decorators |= _DECORATORS
        elif module == _PACKAGE and alias.name in _SCOPE_ROOTS:
            self.scopes.add(bound)
        elif module in _DECORATOR_MODULES and alias.name in _DECORATORS:
            self.decorators.add(bound)
        else:
            rebound.add(bound)

    def _assignments(self, tree: ast.AST) -> None:
        """``S = hp.scope``, ``p = hp.param``, ``h = hp``: the target is one more alias
        (in two passes, so that an alias of an alias defined later is found too)."""
        assignments = [
            (node.targets[0].id, node.value)
            for node in ast.walk(tree)
            if isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ]
        for _ in range(2):
            for name, value in assignments:
                if self.is_package(value):
                    self.packages.add(name)
                elif self.is_scope_root(value):
                    self.scopes.add(name)
                elif self.decorator_name(value) is not None:
                    self.decorators.add(name)

    def is_package(self, node: ast.expr) -> bool:
        """A name bound to the package (``hp``, ``h2``, ...)."""
        return isinstance(node, ast.Name) and node.id in self.packages

    def _package_attribute(self, node: ast.expr, names: frozenset[str]) -> bool:
        return (
            isinstance(node, ast.Attribute) and node.attr in names and self.is_package(node.value)
        )

    def is_scope_root(self, node: ast.expr) -> bool:
        """``hp.scope``, ``h2.param_scope``, ``S`` (imported or assigned as the scope)."""
        if isinstance(node, ast.Name):
            return node.id in self.scopes
        return self._package_attribute(node, _SCOPE_ROOTS)

    def decorator_name(self, node: ast.expr) -> str | None:
        """The decorator ``node`` names (``param`` for ``@p`` after
        ``from hyperparameter import param as p``), None for anything else."""
        if isinstance(node, ast.Name):
            return "param" if node.id in self.decorators else None
        if isinstance(node, ast.Attribute) and self._package_attribute(node, _DECORATORS):
            return node.attr
        return None

    def decorator_namespace(self, decorator: ast.expr, name: str) -> str | None:
        """The namespace an ``@hp.param`` decorator gives, None for other decorators."""
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if self.decorator_name(target) is None:
            return None
        if isinstance(decorator, ast.Call) and decorator.args:
            first = decorator.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                return first.value
        return name

    def scope_key(self, node: ast.expr) -> str | None:
        """``hp.scope.a.b`` / ``hp.scope["a.b"]`` → ``"a.b"``; None for anything else."""
        segments: list[str] = []
        while True:
            if segments and self.is_scope_root(node):
                segments.reverse()
                if segments[0] in _METHODS or (
                    segments[0].startswith("_") and not segments[0][1:].isdigit()
                ):
                    return None
                return ".".join(segments)
            if isinstance(node, ast.Attribute):
                segments.append(node.attr)
                node = node.value
            elif isinstance(node, ast.Subscript) and isinstance(key := _subscript(node), str):
                segments.append(key)
                node = node.value
            else:
                return None

    def is_scope_get(self, node: ast.Call) -> bool:
        """``hp.scope.get("a.b", d)``."""
        func = node.func
        return (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and self.is_scope_root(func.value)
            and 1 <= len(node.args) <= 2
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        )


def _subscript(node: ast.Subscript) -> object:
    """The constant inside ``x[...]``, or ``None``: Python 3.8 wraps it in ``ast.Index``."""
    inner: object = node.slice
    if type(inner).__name__ == "Index":  # Python 3.8
        inner = getattr(inner, "value", None)
    return inner.value if isinstance(inner, ast.Constant) else None


class _Visitor(ast.NodeVisitor):
    def __init__(self, file: str, lines: list[str], names: _Names) -> None:
        self.file = file
        self.names = names
        self.lines = lines
        self.source = "\n".join(lines)
        self.found: list[Declaration] = []
        self.context: list[str] = []

    def _text(self, node: ast.AST) -> str:
        """``node`` as source text: normalised by ``ast.unparse`` (Python 3.9+); on Python
        3.8 a constant as ``repr`` writes it (what ``ast.unparse`` gives), anything else as
        written in the file."""
        unparse = getattr(ast, "unparse", None)
        if unparse is not None:
            return str(unparse(node))
        if isinstance(node, ast.Constant) and node.value is not Ellipsis:
            return repr(node.value)
        return ast.get_source_segment(self.source, node) or ""

    def _where(self) -> str:
        return ".".join(self.context) or "<module>"

    def _comment(self, line: int) -> str:
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        _, hash_sign, comment = text.partition("#")
        return comment.strip() if hash_sign else ""

    def _visit_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        for decorator in node.decorator_list:
            namespace = self.names.decorator_namespace(decorator, node.name)
            if namespace is not None:
                self._signature(node, namespace, ast.get_docstring(node), node.name)
        self.context.append(node.name)
        self.generic_visit(node)
        self.context.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            namespace = self.names.decorator_namespace(decorator, node.name)
            if namespace is None:
                continue
            for item in node.body:
                if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                    doc = ast.get_docstring(node) or ast.get_docstring(item)
                    self._signature(item, namespace, doc, node.name)
        self.context.append(node.name)
        self.generic_visit(node)
        self.context.pop()

    def _signature(
        self, node: ast.FunctionDef | ast.AsyncFunctionDef, namespace: str, doc: Any, name: str
    ) -> None:
        _, described = parse_docstring(doc)
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        with_defaults = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults))
        with_defaults += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults) if d]
        for arg, default in with_defaults:
            if arg in args.posonlyargs:
                continue
            self.found.append(
                Declaration(
                    f"{namespace}.{arg.arg}",
                    self._text(default),
                    self.file,
                    arg.lineno,
                    "param",
                    name,
                    described.get(arg.arg, ""),
                )
            )

    def visit_BinOp(self, node: ast.BinOp) -> None:
        if isinstance(node.op, ast.BitOr):
            key = self.names.scope_key(node.left)
            if key is not None:
                self._read(key, self._text(node.right), node.lineno)
                self.visit(node.right)
                return
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        key = self.names.scope_key(node.func)
        args = node.args
        if key is not None and not node.keywords and len(args) <= 1:
            self._read(key, self._text(args[0]) if args else None, node.lineno)
        elif self.names.is_scope_get(node):
            key_text = args[0].value  # type: ignore[attr-defined]
            self._read(key_text, self._text(args[1]) if len(args) > 1 else None, node.lineno)
        self.generic_visit(node)

    def _read(self, key: str, default: str | None, line: int) -> None:
        kind = "read" if default is not None else "required read"
        self.found.append(
            Declaration(key, default, self.file, line, kind, self._where(), self._comment(line))
        )


def analyze_source(source: str, file: str = "<string>") -> list[Declaration]:
    """The parameters ``source`` declares (see the module docs)."""
    try:
        tree = ast.parse(source, filename=file)
    except SyntaxError as err:
        raise AnalysisError(
            f"{file}:{err.lineno or 0}:{err.offset or 0}: cannot parse: {err.msg}"
        ) from None
    visitor = _Visitor(file, source.splitlines(), _Names(tree))
    visitor.visit(tree)
    return sorted(visitor.found, key=lambda d: (d.key, d.file, d.line))


def _module_path(name: str) -> Path | None:
    """Where an installed module or package ``a.b`` lives, found without importing it
    (only the top-level package's location is looked up; submodules are path joins)."""
    import importlib.util

    first, *rest = name.split(".")
    if not first.isidentifier() or not all(part.isidentifier() for part in rest):
        return None
    try:
        spec = importlib.util.find_spec(first)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        base = Path(next(iter(spec.submodule_search_locations)))
    elif spec.origin and not rest:
        return Path(spec.origin)
    else:
        return None
    for candidate in (base.joinpath(*rest), base.joinpath(*rest).with_suffix(".py")):
        if candidate.exists():
            return candidate
    return None


def _python_files(path: Path) -> list[Path]:
    if not path.exists():
        found = _module_path(str(path))
        if found is not None:
            path = found
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise AnalysisError(f"{path}: no such file, directory or importable module")
    return sorted(
        p
        for p in path.rglob("*.py")
        if not any(part in _SKIPPED_DIRS for part in p.relative_to(path).parts)
    )


def analyze_path(path: str | Path) -> tuple[list[Declaration], list[str]]:
    """Every parameter declared in a file or a directory tree of ``.py`` files, and the
    errors of the files that could not be read or parsed."""
    found: list[Declaration] = []
    errors: list[str] = []
    try:
        files = _python_files(Path(path))
    except AnalysisError as err:
        return [], [str(err)]
    for file in files:
        try:
            source = file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as err:
            errors.append(f"{file}: cannot read: {err}")
            continue
        try:
            found.extend(analyze_source(source, str(file)))
        except AnalysisError as err:
            errors.append(str(err))
    found.sort(key=lambda d: (d.key, d.file, d.line))
    return found, errors


def _comparable(default: str) -> object:
    """A default's value when it is a literal (so ``1.0`` and ``1.`` agree), else its text."""
    try:
        value = ast.literal_eval(default)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return default
    return (type(value).__name__, repr(value))


def conflicting_defaults(found: list[Declaration]) -> list[list[Declaration]]:
    """The keys declared with more than one default: for each, one declaration per distinct
    default (the first in key, file, line order), sorted by key. Required reads (no
    default) never conflict."""
    by_key: dict[str, dict[object, Declaration]] = {}
    for declaration in found:
        if declaration.default is not None:
            seen = by_key.setdefault(declaration.key, {})
            seen.setdefault(_comparable(declaration.default), declaration)
    return [list(seen.values()) for _, seen in sorted(by_key.items()) if len(seen) > 1]


def _conflict_warning(declarations: list[Declaration]) -> str:
    places = ", ".join(f"{d.default} at {d.file}:{d.line}" for d in declarations)
    return f"hp: warning: {declarations[0].key} is declared with different defaults: {places}\n"


def _format_text(found: list[Declaration]) -> str:
    rows = [
        (d.key, "-" if d.default is None else d.default, f"{d.file}:{d.line}", d.description)
        for d in found
    ]
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(3)]
    return "".join(
        "  ".join([*(cell.ljust(width) for cell, width in zip(row, widths)), row[3]]).rstrip()
        + "\n"
        for row in rows
    )


def _format_markdown(found: list[Declaration]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| key | default | where | description |", "|---|---|---|---|"]
    for d in found:
        default = "" if d.default is None else f"`{cell(d.default)}`"
        lines.append(f"| `{d.key}` | {default} | {cell(d.file)}:{d.line} | {cell(d.description)} |")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``hp`` command."""
    parser = argparse.ArgumentParser(
        prog="hp", description="Inspect the hyperparameters of a Python program."
    )
    # The package is already imported: this module is one of its submodules.
    from hyperparameter import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    params = commands.add_parser(
        "params",
        help="list the parameters a file or package declares (without running it)",
        description="List the parameters declared by @hp.param signatures and hp.scope "
        "reads in PATH (a .py file or a directory), without running it.",
        epilog="Exit status: 0 when parameters were found, 1 when none were, 2 when a file "
        "cannot be read or parsed or the command is misused. A key declared with different "
        "defaults is a warning on stderr and does not change the status.",
    )
    params.add_argument(
        "path",
        metavar="PATH",
        help="a Python file, a package directory, or the dotted name of an installed module",
    )
    params.add_argument(
        "--format",
        choices=("text", "json", "markdown"),
        default="text",
        help="output format (default: text)",
    )
    args = parser.parse_args(argv)
    found, errors = analyze_path(args.path)
    if args.format == "json":
        sys.stdout.write(json.dumps([d.to_dict() for d in found], indent=2) + "\n")
    elif args.format == "markdown" and found:
        sys.stdout.write(_format_markdown(found))
    else:
        sys.stdout.write(_format_text(found))
    for error in errors:
        sys.stderr.write(f"hp: error: {error}\n")
    for declarations in conflicting_defaults(found):
        sys.stderr.write(_conflict_warning(declarations))
    if not found and not errors:
        sys.stderr.write(
            f"hp: no parameters found in {args.path} (looked for @hp.param signatures and "
            "hp.scope reads, under any name the files import them as)\n"
        )
    if errors:
        return 2
    return 0 if found else 1


if __name__ == "__main__":
    raise SystemExit(main())
