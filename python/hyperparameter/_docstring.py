"""Parameter descriptions from docstrings in the Google, NumPy and reST styles.

Only what the command line shows is extracted: the summary (first paragraph) and one text
per parameter name. Anything the parser does not recognise is left out rather than guessed.
"""

from __future__ import annotations

import re

__all__ = ["parse_docstring"]

_GOOGLE_SECTIONS = frozenset(
    ("args", "arguments", "parameters", "params", "keyword args", "keyword arguments")
)
_NUMPY_RULE = re.compile(r"^-{3,}\s*$")
_REST_PARAM = re.compile(
    r"^:(?:param|parameter|arg|argument|key|keyword)\s+(?:[^:]*\s)?(\w+)\s*:(.*)$"
)
_GOOGLE_ITEM = re.compile(r"^\*{0,2}(\w+)\s*(?:\([^)]*\))?\s*:(.*)$")
_NUMPY_ITEM = re.compile(r"^(\w+(?:\s*,\s*\w+)*)\s*(?::.*)?$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _join(parts: list[str]) -> str:
    return " ".join(part.strip() for part in parts if part.strip())


def parse_docstring(doc: str | None) -> tuple[str, dict[str, str]]:
    """Returns ``(summary, {parameter name: description})`` of a cleaned docstring."""
    if not doc:
        return "", {}
    import inspect

    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or stripped.startswith(":") or _is_section_start(lines, index):
            break
        summary.append(stripped)
    params: dict[str, str] = {}
    _parse_rest(lines, params)
    _parse_google(lines, params)
    _parse_numpy(lines, params)
    return " ".join(summary), params


def _is_section_start(lines: list[str], index: int) -> bool:
    stripped = lines[index].strip()
    if stripped.rstrip(":").lower() in _GOOGLE_SECTIONS and stripped.endswith(":"):
        return True
    return index + 1 < len(lines) and bool(_NUMPY_RULE.match(lines[index + 1].strip()))


def _parse_rest(lines: list[str], out: dict[str, str]) -> None:
    index = 0
    while index < len(lines):
        match = _REST_PARAM.match(lines[index].strip())
        index += 1
        if not match:
            continue
        parts = [match.group(2)]
        while index < len(lines) and lines[index].strip() and _indent(lines[index]) > 0:
            if lines[index].strip().startswith(":"):
                break
            parts.append(lines[index])
            index += 1
        out.setdefault(match.group(1), _join(parts))


def _parse_google(lines: list[str], out: dict[str, str]) -> None:
    index = 0
    while index < len(lines):
        header = lines[index].strip()
        index += 1
        if not header.endswith(":") or header[:-1].strip().lower() not in _GOOGLE_SECTIONS:
            continue
        base = _indent(lines[index - 1])
        item_indent: int | None = None
        name: str | None = None
        parts: list[str] = []
        while index < len(lines):
            line = lines[index]
            if line.strip() and _indent(line) <= base:
                break
            index += 1
            if not line.strip():
                continue
            if item_indent is None:
                item_indent = _indent(line)
            match = _GOOGLE_ITEM.match(line.strip()) if _indent(line) == item_indent else None
            if match:
                if name is not None:
                    out.setdefault(name, _join(parts))
                name, parts = match.group(1), [match.group(2)]
            elif name is not None:
                parts.append(line)
        if name is not None:
            out.setdefault(name, _join(parts))


def _parse_numpy(lines: list[str], out: dict[str, str]) -> None:
    index = 0
    while index + 1 < len(lines):
        header = lines[index].strip().lower()
        is_section = header in ("parameters", "other parameters") and _NUMPY_RULE.match(
            lines[index + 1].strip()
        )
        index += 1
        if not is_section:
            continue
        index += 1
        names: list[str] = []
        parts: list[str] = []
        while index < len(lines):
            line = lines[index]
            if index + 1 < len(lines) and _NUMPY_RULE.match(lines[index + 1].strip()):
                break
            index += 1
            if not line.strip():
                continue
            if _indent(line) == 0:
                match = _NUMPY_ITEM.match(line.strip())
                if not match:
                    break
                for previous in names:
                    out.setdefault(previous, _join(parts))
                names = [n.strip() for n in match.group(1).split(",")]
                parts = []
            else:
                parts.append(line)
        for previous in names:
            out.setdefault(previous, _join(parts))
