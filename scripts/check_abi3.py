"""Checks the abi3 promise of a built wheel (docs/packaging.md, "The abi3 promise").

The wheel is tagged `cp38-abi3`: one native module for CPython 3.8 and every later
version. This script reads the CPython functions and data the module links against (its
undefined dynamic symbols named `Py*` or `_Py*`) and sorts each one:

* in the stable ABI of the claimed minimum version (the limited API it is built for): fine;
* in the stable ABI only from a later version on: allowed when it is listed in
  `LATER_STABLE` (with the reason), and only then; from that version on the stable ABI
  keeps it, and the older versions, which will not change any more, are checked with
  `--python`;
* anything else (outside the stable ABI, or a later one not listed): an error. Functions
  outside the stable ABI are looked up at run time instead (`dlsym`), with a fallback
  where they are missing, so they never appear here.

With `--python INTERPRETER` (repeatable), each interpreter is also asked whether it exports
every symbol the module links against (ctypes, in a child process), and the script fails
when one does not.

    python scripts/check_abi3.py dist/hyperparameter-*.whl \\
        --python ~/.pyenv/versions/3.8.18/bin/python3

The stable ABI's list, with the version each symbol joined it, comes from the `abi3info`
package (installed with pip when missing).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Symbols the module links against although they joined the stable ABI after the claimed
# minimum version: name -> reason. CPython 3.8 and 3.9 export them with the signature they
# have in the stable ABI (checked with --python against those interpreters).
LATER_STABLE: dict[str, str] = {
    "PyUnicode_AsUTF8AndSize": "the UTF-8 of a str without a copy, on every key read",
    "PyFrame_GetLineNumber": "the line of a call site, for the source of a value",
}

Version = "tuple[int, int]"  # (major, minor), in annotations only


def stable_abi() -> dict[str, Version]:
    """Every function and data symbol of the stable ABI, with the version it joined."""
    try:
        import abi3info
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "abi3info"], check=True)
        import abi3info
    symbols: dict[str, Version] = {}
    for table in (abi3info.FUNCTIONS, abi3info.DATAS):
        for symbol, item in table.items():
            symbols[symbol.name] = (item.added.major, item.added.minor)
    return symbols


def claimed_minimum() -> Version:
    """The oldest Python the package claims (`requires-python = ">=3.N"` in pyproject.toml)."""
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    match = re.search(r'^requires-python\s*=\s*">=\s*(\d+)\.(\d+)"', text, re.MULTILINE)
    if not match:
        raise SystemExit('check_abi3: pyproject.toml has no requires-python = ">=3.N"')
    return int(match.group(1)), int(match.group(2))


def native_module(path: Path, folder: Path) -> Path:
    """The native module: `path` itself, or the `*.abi3.so` extracted from a wheel."""
    if path.suffix != ".whl":
        return path
    with zipfile.ZipFile(path) as wheel:
        names = [n for n in wheel.namelist() if re.search(r"/_native\.abi3\.so$", n)]
        if len(names) != 1:
            raise SystemExit(f"check_abi3: {path} holds {len(names)} _native.abi3.so files")
        return Path(wheel.extract(names[0], folder))


def python_symbols(module: Path) -> list[str]:
    """The undefined dynamic symbols of `module` in CPython's namespace."""
    nm = shutil.which("nm")
    if nm is None:
        raise SystemExit("check_abi3: needs `nm` (binutils)")
    listed = subprocess.run(
        [nm, "--dynamic", "--undefined-only", str(module)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    names = {line.split()[-1].split("@")[0] for line in listed.splitlines() if line.strip()}
    return sorted(n for n in names if re.match(r"_?Py", n))


def missing_in(interpreter: str, names: list[str]) -> tuple[str, list[str]]:
    """The interpreter's version and the names it does not export."""
    probe = (
        "import ctypes, sys\n"
        "names = sys.argv[1:]\n"
        "print('%d.%d' % sys.version_info[:2])\n"
        "for name in names:\n"
        "    try:\n"
        "        getattr(ctypes.pythonapi, name)\n"
        "    except AttributeError:\n"
        "        try:\n"
        "            ctypes.c_void_p.in_dll(ctypes.pythonapi, name)\n"
        "        except ValueError:\n"
        "            print(name)\n"
    )
    done = subprocess.run(
        [interpreter, "-c", probe, *names], capture_output=True, text=True, check=True
    )
    version, *missing = done.stdout.split()
    return version, missing


def main(argv: list[str] | None = None) -> int:
    """Prints the sorted symbols; returns 1 when one breaks the promise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="the wheel, or the native module's .so")
    parser.add_argument(
        "--python",
        action="append",
        default=[],
        metavar="INTERPRETER",
        help="also check that this interpreter exports every linked symbol (repeatable)",
    )
    args = parser.parse_args(argv)
    minimum = claimed_minimum()
    stable = stable_abi()
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        names = python_symbols(native_module(args.path, Path(folder)))
    if not names:
        failures.append("no CPython symbol found: is this the native module?")
    later = []
    for name in names:
        added = stable.get(name)
        if added is not None and added <= minimum:
            continue
        if added is not None and name in LATER_STABLE:
            later.append(name)
            print(f"  {name}: stable ABI from {added[0]}.{added[1]}: {LATER_STABLE[name]}")
        elif added is not None:
            failures.append(
                f"{name} is in the stable ABI only from {added[0]}.{added[1]} and not "
                "listed in LATER_STABLE"
            )
        else:
            failures.append(f"{name} is outside the stable ABI: look it up at run time")
    print(
        f"check_abi3: {len(names)} CPython symbols; {len(names) - len(later)} in the stable "
        f"ABI of {minimum[0]}.{minimum[1]}, {len(later)} from a later version"
    )
    for interpreter in args.python:
        version, missing = missing_in(interpreter, names)
        if missing:
            failures.append(f"CPython {version} ({interpreter}) lacks {', '.join(missing)}")
        else:
            print(f"check_abi3: CPython {version} exports all {len(names)}")
    for failure in failures:
        print(f"check_abi3: FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
