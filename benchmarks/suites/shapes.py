"""The shapes every suite measures, so that all libraries and their baselines do the same work:
the nested value, the plain functions and context manager, the generated YAML file and the
20-file composition tree. Standard library only (the 0.6.0 suite runs in its own virtualenv).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

# The nested value read by scenario 1: model.layers.0.size == 3.
NESTED: dict[str, Any] = {"model": {"layers": [{"size": 3}]}}
NESTED_READ = 'cfg["model"]["layers"][0]["size"]'

# Scenario 8: 100 sections of 100 keys; every 10th key refers to an earlier key.
SECTIONS = 100
KEYS_PER_SECTION = 100
REFERENCES = SECTIONS * KEYS_PER_SECTION // 10

# Scenario 8: the composition tree, a primary file and 19 config groups of one option each.
GROUPS = 19
KEYS_PER_GROUP = 10


def plain_read(a: int = 1) -> int:
    """The baseline of a read inside an injected function: a plain function's default."""
    return a


def three(a: int = 1, b: float = 2.0, c: str = "x") -> int:
    """The baseline of a decorated 3-parameter call (and Hydra's `_target_`)."""
    return a


class PlainScope:
    """The baseline of a scope: a plain class-based context manager holding its keywords."""

    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs

    def __enter__(self) -> PlainScope:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def _value(index: int) -> tuple[str, Any]:
    """The YAML text of a plain key and the value it loads as."""
    if index % 4 == 0:
        return str(index), index
    if index % 4 == 1:
        return f"{index}.5", index + 0.5
    if index % 4 == 2:
        flag = index % 8 == 2
        return ("true" if flag else "false"), flag
    return f"text-{index}", f"text-{index}"


def generated_yaml() -> tuple[str, dict[str, Any]]:
    """A YAML file of SECTIONS x KEYS_PER_SECTION leaf keys (ints, floats, bools, text) of
    which every 10th is a `${...}` reference to an earlier key of its section (half the
    whole value, half inside text), and the resolved values it loads as."""
    lines: list[str] = []
    resolved: dict[str, Any] = {}
    written = 0
    for section in range(SECTIONS):
        lines.append(f"section{section}:")
        values: dict[str, Any] = {}
        for key in range(KEYS_PER_SECTION):
            index = section * KEYS_PER_SECTION + key
            if index % 10 == 9:
                if written % 2 == 0:
                    text, value = f"${{section{section}.key{key - 1}}}", values[f"key{key - 1}"]
                else:
                    # Text into text: libraries write other types into text differently.
                    k = next(k for k in range(key - 1, -1, -1) if (index - key + k) % 4 == 3)
                    text = f'"run-${{section{section}.key{k}}}-x"'
                    value = f"run-{values[f'key{k}']}-x"
                written += 1
            else:
                text, value = _value(index)
            lines.append(f"  key{key}: {text}")
            values[f"key{key}"] = value
        resolved[f"section{section}"] = values
    assert written == REFERENCES
    return "\n".join(lines) + "\n", resolved


def write_yaml(folder: Path) -> tuple[Path, Path, dict[str, Any]]:
    """Writes the generated YAML file and, for the baseline, the resolved values as JSON."""
    text, resolved = generated_yaml()
    yaml_path, json_path = folder / "generated.yaml", folder / "generated.json"
    yaml_path.write_text(text, encoding="utf-8")
    json_path.write_text(json.dumps(resolved), encoding="utf-8")
    return yaml_path, json_path, resolved


def write_tree(folder: Path) -> tuple[Path, list[Path], dict[str, Any]]:
    """Writes a Hydra-style tree of 20 files (`config.yaml` whose defaults list picks option
    `base` of groups g0..g18) and, for the baseline, each file's values as JSON; returns the
    tree's folder, the JSON files and the composed values."""
    tree, plain = folder / "conf", folder / "plain"
    tree.mkdir()
    plain.mkdir()
    composed: dict[str, Any] = {}
    defaults = ["defaults:"] + [f"  - g{group}: base" for group in range(GROUPS)]
    own = {"name": "bench", "seed": 7}
    primary = defaults + ["  - _self_"] + [f"{key}: {value}" for key, value in own.items()]
    (tree / "config.yaml").write_text("\n".join(primary) + "\n", encoding="utf-8")
    json_files = [plain / "config.json"]
    json_files[0].write_text(json.dumps(own), encoding="utf-8")
    for group in range(GROUPS):
        values = {f"k{key}": group * 100 + key for key in range(KEYS_PER_GROUP)}
        (tree / f"g{group}").mkdir()
        body = [f"{key}: {value}" for key, value in values.items()]
        (tree / f"g{group}" / "base.yaml").write_text("\n".join(body) + "\n", encoding="utf-8")
        json_file = plain / f"g{group}.json"
        json_file.write_text(json.dumps(values), encoding="utf-8")
        json_files.append(json_file)
        composed[f"g{group}"] = values
    composed.update(own)
    return tree, json_files, composed


def load_plain_tree(json_files: list[Path]) -> dict[str, Any]:
    """The baseline of a composition: read the 20 files' values and merge them."""
    merged: dict[str, Any] = {}
    for path in json_files[1:]:
        merged[path.stem] = json.loads(path.read_text(encoding="utf-8"))
    merged.update(json.loads(json_files[0].read_text(encoding="utf-8")))
    return merged
