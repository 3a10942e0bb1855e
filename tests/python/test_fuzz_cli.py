"""Fuzzing the command line and ``key=value`` items (seeded and bounded by the profile in
conftest.py; the suite runs once per backend).

Whatever the argv, ``hp.launch`` either runs the program or ends with a usage error: exit
status 2 and a one-line ``prog: error:`` message, never a traceback. The program runs in
process (``launch(argv=...)``, catching ``SystemExit``), which is what a script does with
``sys.argv``; a few cases also run as real subprocesses and must print the same.
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import re
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import hyperparameter as hp
from hyperparameter.errors import DefineError, KeyFormatError
from hyperparameter.examples.quickstart import greet


class Mode(enum.Enum):
    fast = "f"
    careful = "c"


@hp.param("fz")
def fit(
    lr: float = 0.1,
    steps: int = 1,
    amp: bool = False,
    name: str = "x",
    mode: Mode = Mode.fast,
    *,
    tag: str = "t",
) -> dict[str, Any]:
    """Fits.

    Args:
        lr: learning rate
    """
    # A read of a key only -D or a file sets: a bad value there is a usage error too.
    extra = hp.scope.fz.extra | 0
    return {"lr": lr, "steps": steps, "amp": amp, "name": name, "mode": mode, "extra": extra}


@hp.param("fz")
def evaluate(data: str, split: str = "test") -> tuple[str, str]:
    return data, split


@hp.param("fz")
def _private(x: int = 0) -> int:
    return x


@hp.param("fzshow")
def show() -> dict[str, Any]:
    """Every key under ``fzd``, as the program sees it."""
    return {k: v for k, v in hp.scope.to_dict(nested=False).items() if k.startswith("fzd.")}


def launch_subcommands(argv: list[str]) -> Any:
    """``hp.launch()`` as a script calls it: the public functions of this module."""
    return hp.launch(argv=argv, prog="prog")


def outcome(call: Any, argv: list[str]) -> tuple[int, str, str, Any]:
    """(exit status, stdout, stderr, result) of one in-process run."""
    out, err = io.StringIO(), io.StringIO()
    result = None
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            result = call(argv)
            code = 0
        except SystemExit as exited:
            code = 0 if exited.code is None else exited.code
    return code, out.getvalue(), err.getvalue(), result


def assert_clean(code: int, stderr: str, prog: str = "prog") -> None:
    """A clean run, or a usage error: status 2, the usage line, then ``prog: error:`` and
    a message (the words it quotes may hold any character, line breaks too)."""
    assert "Traceback" not in stderr
    if code == 0:
        return
    assert code == 2, stderr
    assert stderr.startswith("usage: "), stderr
    # `prog: error: ...`, or `prog fit: error: ...` from a subcommand's own parser.
    found = re.search(rf"\n{re.escape(prog)}( [^\s:]+)?: error: (.)", stderr)
    assert found and found.group(2).strip(), stderr


def assert_labelled(argv: list[str], stderr: str) -> None:
    """A message blames only what the argv holds, and never suggests the word it rejects."""
    if "argument -C/--config:" in stderr:
        assert any(w in ("-C", "--config") or w.startswith(("-C", "--config=")) for w in argv)
    unrecognized = re.search(r"unrecognized arguments: (.*?) \(did you mean (.*)\?\)$", stderr)
    if unrecognized:
        rejected = {word.split("=", 1)[0] for word in unrecognized.group(1).split(" ")}
        assert unrecognized.group(2) not in rejected, stderr


@pytest.fixture(scope="module")
def config_files(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    directory = tmp_path_factory.mktemp("fuzz-configs")
    files = {
        "good.toml": '[fz]\nlr = 0.5\nname = "${fz.tag}"\ntag = "f"\n',
        "empty.yaml": "",
        "refs.yaml": "fz:\n  name: ${fzd.a}\n  steps: ${fz.nothing}\n",
        "bad.json": '{"fz": {"steps": "many"',
        "cycle.yaml": "fz:\n  a: ${fz.b}\n  b: ${fz.a}\n",
    }
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return [*(str(directory / name) for name in files), str(directory / "missing.toml")]


# -- argv ---------------------------------------------------------------------------------
def text(surrogates: bool) -> st.SearchStrategy[str]:
    """Short text of any code point; with ``surrogates``, lone surrogates too (what Python
    makes of command-line bytes that do not decode)."""
    excluded = () if surrogates else ("Cs",)
    return st.text(st.characters(exclude_categories=excluded), max_size=12)


def keys(surrogates: bool) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["fz.lr", "fz.steps", "fz.amp", "fz.extra", "fz.mode", "fz.tag", "fzd.a"]),
        st.sampled_from(["", " fz.lr ", "a..b", ".a", "a.", "a b", "a=b", "a$b", "{x}", "fz.nmae"]),
        text(surrogates),
    )


odd_text = text(surrogates=True)
values = st.one_of(
    st.sampled_from(["1", "0.5", "yes", "lots", "", "careful", "c", "1e400", "-3", "nan"]),
    st.sampled_from(["${fz.lr}", "${fz.nothing}", "$${x}", "${", "}", "${env:HOME}", "a${fzd.a}"]),
    st.sampled_from(["${env:HP_FUZZ_UNSET}", "${env:HP_FUZZ_UNSET,d}", "${fz.steps}x", "=", "=="]),
    odd_text,
)
define_items = st.builds(lambda k, v: f"{k}={v}", keys(True), values) | odd_text
options = st.sampled_from(
    ["--lr", "--steps", "--amp", "--no-amp", "--name", "--mode", "--tag", "--split", "--data"]
)
common = st.sampled_from(
    ["-D", "--define", "-C", "--config", "-lps", "--list-params", "-ep", "--explain-param"]
)


def words(config_files: list[str]) -> st.SearchStrategy[list[str]]:
    """One step of an argv: an option (maybe with its value, maybe ``--opt=value``), a flag
    with several items, ``--``, a command name, or any text."""
    files = st.sampled_from(config_files)
    return st.one_of(
        st.tuples(options, values).map(list),
        st.builds(lambda o, v: [f"{o}={v}"], options | common, values),
        options.map(lambda o: [o]),
        st.builds(
            lambda f, items: [f, *items],
            st.sampled_from(["-D", "--define"]),
            st.lists(define_items, max_size=3),
        ),
        st.builds(
            lambda f, paths: [f, *paths],
            st.sampled_from(["-C", "--config"]),
            st.lists(files, max_size=3),
        ),
        st.builds(lambda f: [f"-C{f}"], files),
        st.builds(lambda k: ["-ep", k], keys(True)),
        common.map(lambda o: [o]),
        st.just(["--"]),
        st.sampled_from([["fit"], ["evaluate"], ["_private"], ["-private"], ["-h"]]),
        st.builds(lambda o: [f"--{o}"], odd_text),
        odd_text.map(lambda w: [w]),
    )


# Words a run accepts, so that about half the argvs run the program to its end.
good_words = st.one_of(
    st.sampled_from([["--lr", "0.5"], ["--steps=3"], ["--amp"], ["--no-amp"], ["--mode", "c"]]),
    st.builds(lambda v: ["--name", v], text(surrogates=True).filter(lambda v: v[:1] != "-")),
    st.builds(lambda v: [f"--tag={v}"], text(surrogates=True)),
    st.builds(
        lambda v: ["-D", f"fz.name={v}"], text(surrogates=False).filter(lambda v: "$" not in v)
    ),
    st.sampled_from([["-D", "fz.extra=2", "fz.lr=${fz.extra}"], ["-D", "fzd.a=$${x}"]]),
)


def argvs(config_files: list[str], commands: bool = False) -> st.SearchStrategy[list[str]]:
    """Mostly-good words, any words, and (for a program with subcommands) often a command
    after a few of them."""
    step = st.one_of(good_words, good_words, words(config_files))
    flat = st.lists(step, max_size=6).map(lambda parts: [w for part in parts for w in part])
    if not commands:
        return flat
    command = st.sampled_from([["fit"], ["evaluate", "data.csv"], ["evaluate"]])
    before = st.lists(st.sampled_from([["-D", "fz.extra=2"], ["-D", "fz.split=val"]]), max_size=2)
    return st.one_of(
        flat,
        st.builds(
            lambda a, c, b: [*(w for part in a for w in part), *c, *b], before, command, flat
        ),
    )


@given(data=st.data())
def test_any_argv_runs_or_is_a_usage_error(config_files: list[str], data: st.DataObject) -> None:
    argv = data.draw(argvs(config_files), label="argv")
    code, _, stderr, result = outcome(lambda a: hp.launch(fit, argv=a, prog="prog"), argv)
    event(f"exit status {code}")  # --hypothesis-show-statistics shows the mix
    assert_clean(code, stderr)
    assert_labelled(argv, stderr)
    if code == 0 and result is not None:
        assert isinstance(result["lr"], float) and isinstance(result["steps"], int)
        assert isinstance(result["amp"], bool) and isinstance(result["mode"], Mode)
        assert isinstance(result["extra"], int)


@given(data=st.data())
def test_any_argv_with_subcommands(config_files: list[str], data: st.DataObject) -> None:
    argv = data.draw(argvs(config_files, commands=True), label="argv")
    code, _, stderr, result = outcome(launch_subcommands, argv)
    event(f"exit status {code}")
    assert_clean(code, stderr)
    assert_labelled(argv, stderr)
    assert not isinstance(result, int)  # `_private` (it returns an int) is never a command


# -- -D items: the same values with or without files --------------------------------------
plain_values = text(surrogates=False).filter(lambda v: "$" not in v)
item_pairs = st.lists(
    st.tuples(st.sampled_from(["fzd.a", "fzd.b", "fzd.c", " fzd.d "]), plain_values),
    min_size=1,
    max_size=6,
)


@given(pairs=item_pairs, reference=st.booleans())
def test_define_items_resolve_the_same_with_or_without_files(
    config_files: list[str], pairs: list[tuple[str, str]], reference: bool
) -> None:
    items = [f"{key}={value}" for key, value in pairs]
    expected = {key.strip(): value for key, value in pairs}  # the later item wins
    if reference:  # an item referring to another one, placed before or after it
        items.insert(0, "fzd.r=<${fzd.a}>")
        if "fzd.a" in expected:
            expected["fzd.r"] = f"<{expected['fzd.a']}>"
    empty = next(path for path in config_files if path.endswith("empty.yaml"))
    runs = [
        ["-D", *items],
        ["-C", empty, "-D", *items],
        ["-D", *items, "--config", empty, empty],
    ]
    for argv in runs:
        code, _, stderr, result = outcome(lambda a: hp.launch(show, argv=a, prog="prog"), argv)
        assert_clean(code, stderr)
        if reference and "fzd.a" not in expected:
            assert code == 2 and "-D fzd.r=<${fzd.a}>: missing key `fzd.a`" in stderr, stderr
            assert "-C/--config" not in stderr
            continue
        assert code == 0, (argv, stderr)
        assert result == expected, argv


# -- key=value items: hp.scope("k=v") ------------------------------------------------------
# Lone surrogates are left out here: hp.scope items are text the program made, not command
# line bytes (the command line refuses those as a usage error, tested above).
scope_items = st.one_of(
    text(surrogates=False),
    st.builds(lambda k, v: f"{k}={v}", keys(surrogates=False), text(surrogates=False)),
)


# What a `key=value` item's key is trimmed of: Unicode White_Space, which is `str.strip()`'s
# set without U+001C..U+001F (docs/guarantees.md).
WHITE_SPACE = "".join(
    chr(c) for c in range(0x3001) if chr(c).isspace() and chr(c) not in "\x1c\x1d\x1e\x1f"
)


def is_valid_key(key: str) -> bool:
    try:
        hp.scope.empty(**{key: 1})
    except (KeyFormatError, TypeError):
        return False
    return True


@given(items=st.lists(scope_items, min_size=1, max_size=4))
def test_key_value_items(items: list[str]) -> None:
    """Split at the first ``=``, key stripped, the value kept as text; an item without ``=``
    or with an invalid key is a DefineError naming the item."""
    parsed = [item.partition("=") for item in items]
    refused = [
        item
        for item, (key, sep, _) in zip(items, parsed)
        if not sep or not is_valid_key(key.strip(WHITE_SPACE))
    ]
    bad = refused[0] if refused else None
    if bad is not None:
        with pytest.raises(DefineError) as raised:
            hp.scope(*items)
        # The message quotes the item (each backend escapes odd characters its own way).
        if all(c.isascii() and (c.isalnum() or c in " .=_-") for c in bad):
            assert bad in str(raised.value)
        return
    expected = {key.strip(WHITE_SPACE): value for key, _, value in parsed}
    with hp.scope(*items) as ps:
        for key, value in expected.items():
            assert ps[key] | None == value
            assert type(hp.scope.get(key)) is str


# -- a few real subprocesses: the same as in process ------------------------------------------
SUBPROCESS_CASES = [
    [],
    ["--", "--name"],
    ["--name", "A", "--"],
    ["-D", "greet.name=${greet.who}", "greet.who=Bo"],
    ["-D", "greet.name=${greet.whom}", "greet.who=Bo"],
    ["-D", "greet.name=$${x}", "--enthusiasm=2"],
    ["-D"],
    ["-C"],
    ["--name=", "-D", "=", "x"],
    ["--enthusiasm", "1e400"],
    ["-D", "greet.enthusiasm=${env:HP_FUZZ_UNSET,2}", "greet.name=名前"],
    ["--enthusiasmm=2", "-ep", "greet.nmae"],
    ["--name", "\u00e9\u0301\u200b\U0001f600", "--enthusiasm=0"],
]


@pytest.mark.parametrize("argv", SUBPROCESS_CASES, ids=lambda argv: " ".join(argv) or "none")
def test_subprocess_and_in_process_agree(argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hyperparameter.examples.quickstart", *argv],
        capture_output=True,
        text=True,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "HP_FUZZ_UNSET"},
    )
    assert_clean(done.returncode, done.stderr, prog="quickstart.py")
    code, out, err, _ = outcome(lambda a: hp.launch(greet, argv=a, prog="quickstart.py"), argv)
    # `-m` runs the quick start as `__main__`; in process it is imported under its name.
    shown = done.stdout.replace("__main__.", "hyperparameter.examples.quickstart.")
    assert (done.returncode, shown, done.stderr) == (code, out, err)


def test_bytes_that_are_not_utf8_are_a_usage_error() -> None:
    for argv in ([b"-D", b"greet.name=\xff"], [b"-C", b"\xff.yaml"], [b"--name", b"\xff"]):
        done = subprocess.run(
            [sys.executable.encode(), b"-m", b"hyperparameter.examples.quickstart", *argv],
            capture_output=True,
            check=False,
        )
        stderr = done.stderr.decode("utf-8", "replace")
        assert_clean(done.returncode, stderr, prog="quickstart.py")
        if argv[0] != b"--name":
            assert done.returncode == 2 and "not UTF-8 text" in stderr, stderr
