"""Typed parameters on the command line: list, tuple and dict annotations and defaults,
``Literal``, ``Optional``, ``Enum`` and ``Path``, the same for options, ``-D`` items and
config files (real subprocesses), and the two copies of the conversion agreeing."""

from __future__ import annotations

import enum
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, List, Literal, Optional, Tuple

import pytest

import hyperparameter as hp
from hyperparameter import _backend
from hyperparameter._convert_structured import convert_shaped

ROOT = Path(__file__).resolve().parents[2]
TYPED = [sys.executable, str(ROOT / "tests" / "fixtures" / "launch" / "typed.py")]


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # The backend under test (HYPERPARAMETER_BACKEND) is inherited by the child.
    return subprocess.run(
        args, capture_output=True, text=True, check=False, cwd=cwd, env=dict(os.environ)
    )


def lines(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.splitlines()


def usage_error(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stderr.splitlines()[-1]


@pytest.mark.parametrize(
    "words",
    [
        ["-D", "model.layers=3,4"],
        ["-D", "model.layers=[3,4]"],
        ["-D", "model.layers=[3, 4]"],
        ["model.layers=[3,4]"],
        ["-D", "model.layers=['3', \"4\"]"],
    ],
)
def test_a_list_parameter_gets_a_list_however_it_is_written(words: list[str]) -> None:
    assert lines(run([*TYPED, *words]))[0].startswith("layers=[3, 4] ")


def test_options_give_lists_tuples_dicts_optionals_and_choices() -> None:
    out = lines(
        run(
            [
                *TYPED,
                *("--tags", "007,b", "--betas", "[0.8, 0.99]", "--weights", "{a: 1, 'b c': 2}"),
                *("--seed", "none", "--optimizer", "sgd", "--device", "GPU", "--out", "/tmp/x"),
            ]
        )
    )
    assert out[1] == (
        "epochs=2 optimizer=sgd seed=None device=GPU out=/tmp/x betas=(0.8, 0.99) "
        "weights={'a': 1.0, 'b c': 2.0} tags=['007', 'b']"
    )


def test_defaults_are_kept_when_nothing_is_given() -> None:
    out = lines(run(TYPED))
    assert out == [
        "layers=[1] act=relu dropout=None name=net",
        "epochs=2 optimizer=adam seed=0 device=CPU out=runs betas=(0.9, 0.999) weights={} tags=[]",
    ]


def test_text_with_a_comma_stays_text_for_a_str_parameter() -> None:
    out = lines(run([*TYPED, "-D", "model.name=a,b", "model.dropout=NULL"]))
    assert out[0] == "layers=[1] act=relu dropout=None name=a,b"


def test_a_config_file_list_and_text_convert_alike(tmp_path: Path) -> None:
    config = tmp_path / "exp.yaml"
    config.write_text("model:\n  layers: [5, '6']\ntrain:\n  tags: x,y\n", encoding="utf-8")
    out = lines(run([*TYPED, "-C", str(config)]))
    assert out[0].startswith("layers=[5, 6] ")
    assert out[1].endswith("tags=['x', 'y']")


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (
            ["--optimizer", "sdg"],
            "typed.py: error: argument --optimizer: invalid value 'sdg': "
            "expected one of 'adam', 'sgd'",
        ),
        (
            ["-D", "model.act=tanh"],
            "typed.py: error: -D model.act=tanh: invalid value 'tanh' for model.act: "
            "expected one of 'relu', 'gelu'",
        ),
        (
            ["-D", "model.layers=3,x"],
            "typed.py: error: -D model.layers=3,x: invalid value '3,x' for model.layers: "
            "expected list[int] (item 1: expected an integer)",
        ),
        (
            ["--tags", "[a"],
            "typed.py: error: argument --tags: invalid value '[a': expected list[str] "
            "(no closing `]` (a list is written [3,4] or 3,4))",
        ),
        (
            ["--betas", "1"],
            "typed.py: error: argument --betas: invalid value '1': expected "
            "tuple[float, float] (got 1 item where 2 are needed)",
        ),
        (
            ["--seed", "many"],
            "typed.py: error: argument --seed: invalid value 'many': expected int or none",
        ),
    ],
)
def test_bad_values_are_usage_errors_naming_what_was_expected(
    words: list[str], message: str
) -> None:
    assert usage_error(run([*TYPED, *words])) == message


def test_help_shows_the_types_choices_and_list_syntax() -> None:
    done = run([*TYPED, "--help"])
    text = " ".join(done.stdout.split())
    assert "--optimizer {adam,sgd} (type: one of 'adam', 'sgd', default: 'adam'" in text
    assert "--seed INT (type: int or none, default: 0" in text
    assert "OPTIONAL" not in text
    assert "--device DEVICE (type: Device, one of: CPU, GPU," in text
    assert "--tags STR,... (type: list[str], default: []" in text
    assert "--betas FLOAT,FLOAT (type: tuple[float, float]" in text
    assert "--out PATH (type: Path" in text


def test_listing_shows_a_converted_list_value() -> None:
    out = run([*TYPED, "-lps", "-D", "model.layers=[3,4]"]).stdout
    row = next(line for line in out.splitlines() if line.startswith("model.layers"))
    assert row.split()[:5] == ["model.layers", "list[int]", "[1]", "[3,", "4]"], row
    assert row.endswith("-D model.layers=[3,4]")


class Color(enum.Enum):
    RED = 1
    BLUE = 2


def test_in_process_reads_of_structured_annotations() -> None:
    @hp.param("t")
    def f(
        colors: List[Color] = [],  # noqa: B006, UP006 (evaluated on Python 3.8 too)
        maybe: Optional[Color] = None,  # noqa: UP045 (the typing spelling on purpose)
        level: Literal[1, 2, 3] = 1,
        plain: list = [],  # noqa: B006
        pair: tuple = (),
    ) -> Tuple[Any, ...]:  # noqa: UP006
        return colors, maybe, level, plain, pair

    with hp.scope("t.colors=RED,2", "t.maybe=none", "t.level=3", "t.plain=[1, a, null]"):
        assert f() == ([Color.RED, Color.BLUE], None, 3, [1, "a", None], ())
    with hp.scope(**{"t.pair": "1,2", "t.maybe": "BLUE"}):
        assert f()[1:] == (Color.BLUE, 1, [], (1, 2))
    stored = [1, 2]
    with hp.scope(**{"t.plain": stored}):
        assert f()[3] is stored  # no copy of a list already of the target type
    with hp.scope(**{"t.level": "4"}), pytest.raises(hp.ConversionError, match="one of 1, 2, 3"):
        f()


# -- the core's table and its pure-Python copy agree ------------------------------------------
LIST_INT = ("list", ("int",))
CASES: list[tuple[Any, tuple[Any, ...]]] = [
    ("3,4", LIST_INT),
    ("[3,4]", LIST_INT),
    (" [ 3 , 4 ] ", LIST_INT),
    ("", LIST_INT),
    ("[]", LIST_INT),
    ("7", LIST_INT),
    ("3,,4", LIST_INT),
    ("3,", LIST_INT),
    ("[3,4", LIST_INT),
    ("3,x", LIST_INT),
    ("2.0,1e3", LIST_INT),
    ([1, "2", 3.0], LIST_INT),
    ({"a": 1}, LIST_INT),
    ("007,'b,c',\"d\"", ("list", ("str",))),
    ("a,b", ("str",)),
    (
        "[1, 1.5, true, null, x, '2', [3], {k: v}, 1_000, .5, inf, 99999999999999999999]",
        ("list", ("any",)),
    ),
    ("[[1,2],[3]]", ("list", LIST_INT)),
    ("[1,2]]", ("list", ("any",))),
    ("['a", ("list", ("any",))),
    ("1,a", ("tuple", [("int",), ("str",)])),
    ("1", ("tuple", [("int",), ("str",)])),
    ('{a: 1, "b": 2.5}', ("map", ("float",))),
    ("{a: x}", ("map", ("float",))),
    ("{a}", ("map", ("any",))),
    ("a: 1", ("map", ("any",))),
    ({"x": "2"}, ("map", ("int",))),
    ("None", ("optional", ("int",))),
    ("nUlL", ("optional", ("int",))),
    ("5", ("optional", ("int",))),
    ("x", ("optional", ("int",))),
    ("[1, null, 'null']", ("list", ("optional", ("str",)))),
    ("sgd", ("choice", ["adam", "sgd", 3])),
    (" 3 ", ("choice", ["adam", "sgd", 3])),
    ("sdg", ("choice", ["adam", "sgd", 3])),
    (True, ("choice", [1, 2])),
    ("yes", ("choice", [True])),
    (2.0, ("choice", [2])),
    (None, LIST_INT),
]


@pytest.mark.skipif(_backend.native_at_import is None, reason="the native module is not built")
@pytest.mark.parametrize(("value", "shape"), CASES, ids=[repr(c) for c in CASES])
def test_core_and_pure_copy_agree(value: Any, shape: tuple[Any, ...]) -> None:
    def outcome(convert: Any) -> tuple[str, Any]:
        try:
            return "ok", convert(value, shape)
        except ValueError as err:
            return "error", str(err)

    native = outcome(_backend.native_at_import.convert_structured)
    pure = outcome(convert_shaped)
    assert native == pure
    if native[0] == "ok":
        assert repr(native[1]) == repr(pure[1])  # the same types too (1 is not 1.0)


def test_an_optional_enum_lists_its_members_and_takes_none(tmp_path: Path) -> None:
    path = tmp_path / "prog.py"
    path.write_text(
        "import enum\n"
        "from typing import Optional\n"
        "import hyperparameter as hp\n\n"
        "class Device(enum.Enum):\n"
        "    CPU = 'cpu'\n"
        "    GPU = 'gpu'\n\n"
        "@hp.param('job')\n"
        "def job(device: Optional[Device] = None) -> None:\n"
        "    print(device)\n\n"
        "hp.launch(job)\n",
        encoding="utf-8",
    )
    prog = [sys.executable, str(path)]
    text = " ".join(run([*prog, "--help"]).stdout.split())
    assert "--device DEVICE (type: Device or none, one of: CPU, GPU, default: None" in text
    assert lines(run([*prog, "--device", "gpu"])) == ["Device.GPU"]
    assert lines(run([*prog, "-D", "job.device=None"])) == ["None"]
    assert usage_error(run([*prog, "--device", "tpu"])).startswith(
        "prog.py: error: argument --device: invalid value 'tpu': expected Device or none"
    )


def test_optional_primitives_take_none_words_and_convert_the_rest() -> None:
    @hp.param("opt")
    def f(a: Optional[int] = 1, c: Optional[str] = "x") -> Tuple[Any, ...]:  # noqa: UP006, UP045
        return a, c

    with hp.scope("opt.a=None", "opt.c=NULL"):
        assert f() == (None, None)
    with hp.scope("opt.a=5", "opt.c=007"):
        assert f() == (5, "007")
    with hp.scope("opt.a=x"), pytest.raises(hp.ConversionError) as info:
        f()
    assert info.value.target == "int or none"
    assert info.value.reason == "expected an integer"
