"""``hp.launch``: the command line of SPEC §7, driven as real subprocesses (exit status,
stdout, stderr) plus a few in-process checks of what ``launch`` returns."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hyperparameter as hp

QUICKSTART = [sys.executable, "-m", "hyperparameter.examples.quickstart"]


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # The backend under test (HYPERPARAMETER_BACKEND) is inherited by the child.
    return subprocess.run(
        args, capture_output=True, text=True, check=False, cwd=cwd, env=dict(os.environ)
    )


def script(tmp_path: Path, body: str, name: str = "prog.py") -> list[str]:
    path = tmp_path / name
    path.write_text(textwrap.dedent(body), encoding="utf-8")
    return [sys.executable, str(path)]


def assert_usage_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "usage:" in done.stderr
    for fragment in fragments:
        assert fragment in done.stderr, done.stderr


# -- the quick start --------------------------------------------------------------------
def test_quickstart_defaults() -> None:
    done = run(QUICKSTART)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hello, World!\n"


def test_quickstart_define_and_option() -> None:
    done = run([*QUICKSTART, "--define", "greet.name=Alice", "--enthusiasm=3"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Hello, Alice!!!\n"


def test_quickstart_list_params() -> None:
    done = run([*QUICKSTART, "-lps", "-D", "greet.name=Bob"])
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["KEY", "TYPE", "DEFAULT", "VALUE", "SOURCE"]
    assert lines[1].split() == ["greet.enthusiasm", "int", "1", "1", "default"]
    assert lines[2].split() == ["greet.name", "str", "'World'", "'Bob'", "-D", "greet.name=Bob"]
    assert "Hello" not in done.stdout  # listing does not run the program


def test_quickstart_explain_param() -> None:
    done = run([*QUICKSTART, "-ep", "greet.name", "--name", "Eve"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "greet.name"
    assert "  type:         str" in done.stdout
    assert "  default:      'World'" in done.stdout
    assert "  value:        'Eve'" in done.stdout
    assert "  source:       --name" in done.stdout
    assert "  description:  Who to greet." in done.stdout


def test_quickstart_explain_all_and_misspelled() -> None:
    done = run([*QUICKSTART, "-ep"])
    assert done.returncode == 0, done.stderr
    assert [line for line in done.stdout.splitlines() if line and line[0] != " "] == [
        "greet.enthusiasm",
        "greet.name",
    ]
    done = run([*QUICKSTART, "-ep", "greet.nmae"])
    assert_usage_error(done, "unknown parameter 'greet.nmae'", "did you mean greet.name")
    done = run([*QUICKSTART, "--explain-param=name"])
    assert_usage_error(done, "did you mean", "greet.name")


def several_flags(metavar: str, *flags: str) -> str:
    """How the running Python's argparse lists an option with several flags in help: from
    3.13 on the metavar follows the last flag only."""
    if sys.version_info >= (3, 13):
        return f"{', '.join(flags)} {metavar}"
    return ", ".join(f"{flag} {metavar}" for flag in flags)


def test_quickstart_help() -> None:
    done = run([*QUICKSTART, "--help"])
    assert done.returncode == 0
    out = " ".join(done.stdout.split())
    assert "Prints a greeting." in out
    assert "--name STR Who to greet. (type: str, default: 'World', key: greet.name)" in out
    assert "--enthusiasm INT How many exclamation marks to add. (type: int, default: 1" in out
    for flag in ("-D KEY=VALUE", "--define", "-C FILE", "--config", "-lps", "--list-params"):
        assert flag in out
    assert several_flags("[KEY]", "-ep", "--explain-param") in out


# -- errors -----------------------------------------------------------------------------
def test_unconvertible_option_value() -> None:
    done = run([*QUICKSTART, "--enthusiasm", "lots"])
    assert_usage_error(done, "argument --enthusiasm: invalid value 'lots': expected int")


def test_unconvertible_define_value() -> None:
    done = run([*QUICKSTART, "-D", "greet.enthusiasm=lots"])
    assert_usage_error(
        done, "-D greet.enthusiasm=lots: invalid value 'lots' for greet.enthusiasm: expected int"
    )
    assert done.stdout == ""


def test_unknown_option_with_suggestion() -> None:
    done = run([*QUICKSTART, "--enthusiasmm", "2"])
    assert_usage_error(done, "unrecognized arguments: --enthusiasmm", "did you mean --enthusiasm?")


def test_abbreviations_are_not_guessed() -> None:
    done = run([*QUICKSTART, "--enth", "2"])
    assert_usage_error(done, "unrecognized arguments: --enth")


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("greet.name", "invalid item 'greet.name': expected KEY=VALUE, e.g. greet.name=VALUE"),
        ("a..b=1", "invalid item 'a..b=1'"),
        ("=1", "invalid item '=1'"),
    ],
)
def test_malformed_define(item: str, message: str) -> None:
    done = run([*QUICKSTART, "-D", item])
    assert_usage_error(done, "argument -D/--define", message)


# -- a richer program -------------------------------------------------------------------
TRAIN = """
    import threading
    import hyperparameter as hp

    @hp.param("train")
    def fit(data: str, lr: float = 0.1, batch_size: int = 32, amp: bool = True,
            *, tag: str = "run") -> dict:
        '''Fits a model.

        Parameters
        ----------
        data : str
            Path of the data set.
        lr : float
            Learning rate.
        batch_size : int
            Samples per step.
        '''
        seen = {}
        t = threading.Thread(target=lambda: seen.update(lr=hp.scope.train.lr | 0.0))
        t.start(); t.join()
        extra = hp.scope.train.extra | "none"
        print(f"data={data} lr={lr} batch_size={batch_size} amp={amp} tag={tag} "
              f"extra={extra} thread_lr={seen['lr']}")
        return lr

    if __name__ == "__main__":
        with hp.scope(**{"train.batch_size": 16, "train.tag": "outer"}):
            result = hp.launch()
        print("returned", result)
"""


def test_options_positional_and_precedence(tmp_path: Path) -> None:
    prog = script(tmp_path, TRAIN)
    done = run([*prog, "mnist"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "data=mnist lr=0.1 batch_size=16 amp=True tag=outer extra=none thread_lr=0.0",
        "returned 0.1",
    ]
    done = run(
        [*prog, "cifar", "--lr=0.5", "--batch-size", "64", "--no-amp", "-D", "train.extra=x",
         "train.lr=0.9", "--tag", "t1"]
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    # --lr beats -D train.lr; the scope is frozen, so a thread sees the option too.
    assert done.stdout.splitlines() == [
        "data=cifar lr=0.5 batch_size=64 amp=False tag=t1 extra=x thread_lr=0.5",
        "returned 0.5",
    ]
    done = run([*prog, "cifar", "--batch_size=8", "-D", "train.lr=0.2", "-D", "train.lr=0.3"])
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("data=cifar lr=0.3 batch_size=8 amp=True")


def test_missing_positional_and_bad_bool(tmp_path: Path) -> None:
    prog = script(tmp_path, TRAIN)
    assert_usage_error(run(prog), "the following arguments are required: data")
    assert_usage_error(run([*prog, "x", "--amp=yes"]), "--amp")
    assert_usage_error(run([*prog, "x", "-D", "train.amp=maybe"]), "expected bool")
    done = run([*prog, "x", "-D", "train.amp=off"])
    assert "amp=False" in done.stdout


def test_help_from_numpy_docstring(tmp_path: Path) -> None:
    done = run([*script(tmp_path, TRAIN), "--help"])
    assert done.returncode == 0
    out = " ".join(done.stdout.split())
    assert "Fits a model." in out
    assert "data Path of the data set. (type: str)" in out
    assert "--lr FLOAT Learning rate. (type: float, default: 0.1, key: train.lr)" in out
    assert f"{several_flags('INT', '--batch_size', '--batch-size')} Samples per step." in out
    assert "--amp" in out and "--no-amp" in out


def test_list_params_sources(tmp_path: Path) -> None:
    done = run([*script(tmp_path, TRAIN), "-lps", "--lr", "0.4", "-D", "train.amp=no"])
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:]}
    assert rows["train.lr"][2:] == ["0.1", "0.4", "--lr"]
    assert rows["train.amp"][2:] == ["True", "False", "-D", "train.amp=no"]
    assert rows["train.batch_size"][2:] == ["32", "16", "scope", "around", "launch"]
    assert rows["train.tag"][2:] == ["'run'", "'outer'", "scope", "around", "launch"]


SUBCOMMANDS = """
    import hyperparameter as hp

    @hp.param
    def prepare(source: str = "raw", shuffle: bool = False):
        ':param source: where the data lives'
        print(f"prepare source={source} shuffle={shuffle}")

    @hp.param("train")
    def train_model(epochs: int = 1):
        '''Trains.

        Args:
            epochs (int): passes over the data
        '''
        print(f"train epochs={epochs} source={hp.scope.prepare.source | '?'}")
        return epochs

    if __name__ == "__main__":
        raise SystemExit(hp.launch() * 10)
"""


def test_subcommands(tmp_path: Path) -> None:
    prog = script(tmp_path, SUBCOMMANDS)
    done = run([*prog, "prepare", "--shuffle", "--source", "s3"])
    assert done.stdout == "prepare source=s3 shuffle=True\n"
    assert done.returncode == 1  # prepare returns None: SystemExit(None * 10) fails
    done = run([*prog, "-D", "prepare.source=disk", "train-model", "--epochs", "3"])
    assert done.stdout == "train epochs=3 source=disk\n"
    assert done.returncode == 30
    done = run([*prog, "train_model", "-D", "train.epochs=2"])
    assert done.stdout == "train epochs=2 source=?\n"
    help_text = " ".join(run([*prog, "--help"]).stdout.split())
    assert "prepare" in help_text and "train_model (train-model) Trains." in help_text
    sub_help = " ".join(run([*prog, "train_model", "--help"]).stdout.split())
    assert "--epochs INT passes over the data (type: int, default: 1, key: train.epochs)" in (
        sub_help
    )
    sub_help = " ".join(run([*prog, "prepare", "-h"]).stdout.split())
    assert "--source STR where the data lives" in sub_help


def test_subcommand_errors_and_listing(tmp_path: Path) -> None:
    prog = script(tmp_path, SUBCOMMANDS)
    assert_usage_error(run(prog), "choose a command: prepare, train_model")
    assert_usage_error(run([*prog, "fit"]), "invalid choice: 'fit'")
    done = run([*prog, "-lps"])
    assert done.returncode == 0, done.stderr
    assert [line.split()[0] for line in done.stdout.splitlines()] == [
        "KEY", "prepare.shuffle", "prepare.source", "train.epochs",
    ]  # fmt: skip
    done = run([*prog, "train_model", "-ep", "train.epochs", "-D", "train.epochs=5"])
    assert "  value:        5" in done.stdout
    assert "  source:       -D train.epochs=5" in done.stdout


def test_launch_with_no_decorated_function(tmp_path: Path) -> None:
    done = run(script(tmp_path, "import hyperparameter as hp\nhp.launch()\n"))
    assert done.returncode == 1
    assert "found no @hp.param function" in done.stderr


# -- in process -------------------------------------------------------------------------
def test_launch_returns_and_restores(capsys: pytest.CaptureFixture[str]) -> None:
    @hp.param("inproc")
    def work(x: int = 1, y: str = "a") -> tuple[int, str]:
        return x, y

    assert hp.launch(work, argv=["--x", "5", "-D", "inproc.y=b"]) == (5, "b")
    assert hp.run_cli(work, argv=[]) == (1, "a")
    assert work() == (1, "a")  # nothing leaks out of launch's scope
    with pytest.raises(SystemExit) as exited:
        hp.launch(work, argv=["--x", "1.5"])
    assert exited.value.code == 2
    assert "argument --x: invalid value '1.5': expected int" in capsys.readouterr().err


def test_launch_of_a_plain_function_and_a_class() -> None:
    def plain(n: int = 2) -> int:
        return n * 2

    assert hp.launch(plain, argv=["--n", "4"]) == 8

    @hp.param("model")
    class Model:
        def __init__(self, width: int = 8, name: str | None = None) -> None:
            self.width = width
            self.name = name

    made = hp.launch(Model, argv=["--width", "3", "--name", "m"])
    assert isinstance(made, Model)
    assert (made.width, made.name) == (3, "m")


# -- docs/cli.md: the shell sessions it shows -------------------------------------------
ROOT = Path(__file__).resolve().parents[2]
SESSIONS = re.findall(r"```text\n\$ (.*?)\n(.*?)```", (ROOT / "docs" / "cli.md").read_text(), re.S)


def test_the_cli_page_shows_sessions() -> None:
    assert len(SESSIONS) >= 3


@pytest.mark.parametrize(("command", "shown"), SESSIONS)
def test_cli_page_session(command: str, shown: str) -> None:
    words = shlex.split(command)
    if words[0] == "python":
        words[0] = sys.executable
    elif words[0] == "hp":
        words[0] = str(Path(sys.executable).with_name("hp"))
    done = run(words, cwd=ROOT)
    printed = (done.stdout + done.stderr).splitlines()
    for line in shown.splitlines():
        if line.endswith("..."):
            assert any(out.startswith(line[:-3].rstrip()) for out in printed), (line, printed)
        else:
            assert line in printed, (line, printed)


# -- config files (-C) ------------------------------------------------------------------
def test_config_files_defines_and_options(tmp_path: Path) -> None:
    base = tmp_path / "base.toml"
    base.write_text('[greet]\nname = "Tom"\nenthusiasm = 2\n', encoding="utf-8")
    late = tmp_path / "late.yaml"
    late.write_text('greet:\n  who: Ann\n  name: "${greet.who}-x"\n', encoding="utf-8")
    done = run([*QUICKSTART, "-C", str(base)])
    assert done.stdout == "Hello, Tom!!\n", done.stderr
    done = run([*QUICKSTART, "-C", str(base), "--config", str(late)])
    assert done.stdout == "Hello, Ann-x!!\n", done.stderr
    # -D is merged before interpolation; an option beats everything.
    done = run([*QUICKSTART, "-C", str(base), "-C", str(late), "-D", "greet.who=Zed"])
    assert done.stdout == "Hello, Zed-x!!\n", done.stderr
    done = run([*QUICKSTART, "-C", str(base), "-D", "greet.enthusiasm=3", "--enthusiasm", "0"])
    assert done.stdout == "Hello, Tom\n", done.stderr
    done = run([*QUICKSTART, "-lps", "-C", str(base), "-C", str(late), "-D", "greet.who=Zed"])
    rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()[1:]}
    assert rows["greet.enthusiasm"][3:] == ["2", f"{base}:3:14"]
    assert rows["greet.name"][3:] == ["'Zed-x'", f"{late}:3:9"]


def test_config_errors(tmp_path: Path) -> None:
    missing = tmp_path / "missing.toml"
    assert_usage_error(run([*QUICKSTART, "-C", str(missing)]), f"argument -C/--config: {missing}")
    broken = tmp_path / "broken.yaml"
    broken.write_text('greet:\n  name: "${greet.nobody}"\n', encoding="utf-8")
    assert_usage_error(run([*QUICKSTART, "-C", str(broken)]), f"{broken}:2:", "greet.nobody")
    typed = tmp_path / "typed.json"
    typed.write_text('{"greet": {"enthusiasm": "many"}}', encoding="utf-8")
    assert_usage_error(
        run([*QUICKSTART, "-C", str(typed)]),
        f"{typed}:1:26: invalid value 'many' for greet.enthusiasm: expected int",
    )


def test_enum_and_path_parameters(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        """
        import enum, pathlib
        import hyperparameter as hp

        class Mode(enum.Enum):
            fast = "f"
            careful = "c"

        @hp.param("job")
        def job(mode: Mode = Mode.fast, out: pathlib.Path = pathlib.Path("out")):
            print(mode.name, type(out).__name__ != "str", out)

        hp.launch()
        """,
    )
    assert run([*prog, "--mode", "careful", "--out", "x/y"]).stdout == "careful True x/y\n"
    assert run([*prog, "-D", "job.mode=c"]).stdout == "careful True out\n"
    help_text = " ".join(run([*prog, "--help"]).stdout.split())
    assert "--mode MODE (type: Mode, one of: fast, careful, default: <Mode.fast: 'f'>" in help_text
    assert_usage_error(run([*prog, "--mode", "slow"]), "argument --mode: invalid value 'slow'")


def test_async_function_runs_to_completion(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        """
        import asyncio
        import hyperparameter as hp

        @hp.param("job")
        async def job(n: int = 1) -> int:
            await asyncio.sleep(0)
            return n + (hp.scope.job.extra | 0)

        print(hp.launch())
        """,
    )
    done = run([*prog, "--n", "4", "-D", "job.extra=10"])
    assert done.stdout == "14\n", done.stderr


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            "Sum.\n\nArgs:\n    a (int): first\n        and more\n    *rest: ignored\n"
            "    b: second\n\nReturns:\n    int: the sum\n",
            ("Sum.", {"a": "first and more", "rest": "ignored", "b": "second"}),
        ),
        (
            "Sum.\nStill the summary.\n\nParameters\n----------\na, b : int\n    the terms\n"
            "c\n    third\n\nReturns\n-------\nint\n    the sum\n",
            ("Sum. Still the summary.", {"a": "the terms", "b": "the terms", "c": "third"}),
        ),
        (
            "Sum.\n\n:param int a: first\n    continued\n:param b: second\n:returns: the sum\n",
            ("Sum.", {"a": "first continued", "b": "second"}),
        ),
        ("", ("", {})),
    ],
)
def test_docstring_styles(doc: str, expected: tuple[str, dict[str, str]]) -> None:
    from hyperparameter._docstring import parse_docstring

    assert parse_docstring(doc) == expected


# -- -D items resolve the same with or without config files -----------------------------
SHOW = """
    import json
    import hyperparameter as hp

    @hp.param("t")
    def show(n: int = 0) -> None:
        values = {k: v for k, v in hp.scope.to_dict(nested=False).items() if k[:2] == "t."}
        print(json.dumps(values, sort_keys=True))

    hp.launch()
"""

# Items and what each key ends up as: references to other items, in either order, inside
# longer text, escaped, from the environment, and a later item winning before
# interpolation.
DEFINES = [
    "t.a=${t.b}", "t.b=5",
    "t.c=${t.d}x", "t.d=${t.e}", "t.e=7",
    "t.f=$${t.b}", "t.g=a$${t.b}${t.b}",
    "t.h=${env:HP_CLI_TEST_VAR}", "t.i=${env:HP_CLI_TEST_UNSET,fallback}",
    "t.j=${t.k}", "t.k=1", "t.k=2",
]  # fmt: skip
RESOLVED = {
    "t.a": "5", "t.b": "5", "t.c": "7x", "t.d": "7", "t.e": "7", "t.f": "${t.b}",
    "t.g": "a${t.b}5", "t.h": "from env", "t.i": "fallback", "t.j": "2", "t.k": "2",
}  # fmt: skip


def file_layouts(tmp_path: Path) -> dict[str, list[str]]:
    """Ways of giving config files that hold none of the keys the items set."""
    (tmp_path / "empty.yaml").write_text("", encoding="utf-8")
    (tmp_path / "empty.toml").write_text("", encoding="utf-8")
    (tmp_path / "empty.json").write_text("{}", encoding="utf-8")
    (tmp_path / "other.toml").write_text("[u]\nx = 1\n", encoding="utf-8")
    empty_yaml, empty_toml = str(tmp_path / "empty.yaml"), str(tmp_path / "empty.toml")
    other = str(tmp_path / "other.toml")
    return {
        "no file": [],
        "empty yaml": ["-C", empty_yaml],
        "empty json": ["--config", str(tmp_path / "empty.json")],
        "several files after one flag": ["-C", empty_toml, other],
        "repeated flags": ["-C", other, f"--config={empty_yaml}"],
    }


def test_defines_resolve_the_same_with_or_without_files(tmp_path: Path) -> None:
    prog = script(tmp_path, SHOW)
    env = {**os.environ, "HP_CLI_TEST_VAR": "from env"}
    env.pop("HP_CLI_TEST_UNSET", None)
    for layout, files in file_layouts(tmp_path).items():
        for argv in ([*files, "-D", *DEFINES], ["-D", *DEFINES, *files]):
            done = subprocess.run(
                [*prog, *argv], capture_output=True, text=True, check=False, env=env
            )
            assert done.returncode == 0, (layout, done.stderr)
            assert json.loads(done.stdout) == RESOLVED, layout


@pytest.mark.parametrize(
    ("items", "fragments"),
    [
        (
            ["t.a=${t.c}", "t.b=5"],
            ["-D t.a=${t.c}: missing key `t.c`", "did you mean t.b?"],
        ),
        (["t.a=${t.b}", "t.b=${t.a}"], ["-D t.a=${t.b}: interpolation cycle: t.a -> t.b -> t.a"]),
        (["t.a=${env:HP_CLI_TEST_UNSET}"], ["-D t.a=${env:HP_CLI_TEST_UNSET}:", "not set"]),
    ],
)
def test_define_reference_errors_name_the_item(
    tmp_path: Path, items: list[str], fragments: list[str]
) -> None:
    prog = script(tmp_path, SHOW)
    for layout, files in file_layouts(tmp_path).items():
        done = run([*prog, *files, "-D", *items])
        assert_usage_error(done, *fragments)
        assert "-C/--config" not in done.stderr, layout


def test_defines_and_file_keys_refer_to_each_other(tmp_path: Path) -> None:
    prog = script(tmp_path, SHOW)
    base = tmp_path / "base.yaml"
    base.write_text('t:\n  dim: 5\n  name: "net-${t.width}"\n  nearly: 1\n', encoding="utf-8")
    done = run([*prog, "-C", str(base), "-D", "t.ref=${t.dim}", "t.width=64"])
    assert done.returncode == 0, done.stderr
    # An exact reference to a file value keeps its type; a file value sees the -D item.
    assert json.loads(done.stdout) == {
        "t.dim": 5, "t.name": "net-64", "t.nearly": 1, "t.ref": 5, "t.width": "64",
    }  # fmt: skip
    done = run([*prog, "-C", str(base), "-D", "t.width=1", "t.ref=${t.nearli}"])
    assert_usage_error(
        done, "-D t.ref=${t.nearli}: missing key `t.nearli`", "did you mean t.nearly?"
    )
    assert "-C/--config" not in done.stderr
    # An item that cannot be merged into the file's tree is the item's error too.
    listed = tmp_path / "listed.yaml"
    listed.write_text("t:\n  l: [1, 2]\n", encoding="utf-8")
    done = run([*prog, "-C", str(listed), "-D", "t.l.x=5"])
    assert_usage_error(done, "-D t.l.x=5: cannot set `t.l.x`")
    assert "-C/--config" not in done.stderr
    # The hint is never the item's own key (that would refer to itself).
    done = run([*prog, "-D", "t.nearly=${t.nearli}"])
    assert_usage_error(done, "-D t.nearly=${t.nearli}: missing key `t.nearli`")
    assert "did you mean" not in done.stderr
    # A file's own bad reference stays the file's error.
    done = run([*prog, "-C", str(base)])
    assert_usage_error(done, f"argument -C/--config: {base}:3:", "t.width")


def test_a_bad_read_of_a_command_line_value_is_a_usage_error(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        """
        import hyperparameter as hp

        @hp.param("job")
        def job(n: int = 1) -> None:
            print(n + (hp.scope.job.extra | 0))

        hp.launch()
        """,
    )
    assert run([*prog, "-D", "job.extra=3", "--n", "2"]).stdout == "5\n"
    done = run([*prog, "-D", "job.extra=lots"])
    assert_usage_error(done, "-D job.extra=lots: invalid value 'lots' for job.extra: expected int")
    config = tmp_path / "job.toml"
    config.write_text('[job]\nextra = "lots"\n', encoding="utf-8")
    assert_usage_error(
        run([*prog, "-C", str(config)]), f"{config}:2:9: invalid value 'lots' for job.extra"
    )


# -- messages for unrecognized words -----------------------------------------------------
def test_words_after_double_dash_are_not_options(tmp_path: Path) -> None:
    done = run([*QUICKSTART, "--", "--name"])
    assert_usage_error(done, "unrecognized arguments: --name", "words after '--' are not options")
    assert "did you mean --name" not in done.stderr
    assert run([*QUICKSTART, "--name", "X", "--"]).stdout == "Hello, X!\n"
    # With a positional argument, a word after `--` is its value even when it looks like one.
    done = run([*script(tmp_path, TRAIN), "--lr", "0.2", "--", "--data"])
    assert done.stdout.startswith("data=--data lr=0.2 "), done.stderr
    # `-D` items are not collected after `--` either.
    done = run([*script(tmp_path, TRAIN), "-D", "train.extra=1", "--", "a=b"])
    assert done.stdout.startswith("data=a=b lr=0.1 "), done.stderr
    for flag in ("-D", "-C"):
        done = run([*script(tmp_path, TRAIN), flag, "--", "a=b.yaml"])
        assert_usage_error(done, "expected one argument")


def test_unrecognized_option_hints(tmp_path: Path) -> None:
    prog = script(tmp_path, SUBCOMMANDS)
    for argv in (["--epochs=3", "train_model"], ["--epochs", "3", "train-model"]):
        done = run([*prog, *argv])
        assert_usage_error(done, "--epochs is an option of the command train_model")
    done = run([*prog, "train_model", "--epoch", "3"])
    assert_usage_error(done, "unrecognized arguments: --epoch 3 (did you mean --epochs?)")
    done = run([*prog, "train-model", "--source=s3"])
    assert_usage_error(done, "--source is an option of the command prepare, not of train-model")
    done = run([*prog, "prepare", "--epoch=3"])  # --epochs belongs to train_model only
    assert_usage_error(done, "unrecognized arguments: --epoch=3")
    assert "did you mean" not in done.stderr
    done = run([*QUICKSTART, "--enthusiasm=2", "--colour=red"])
    assert_usage_error(done, "unrecognized arguments: --colour=red")
    assert "did you mean --colour" not in done.stderr


# -- compatibility with the seeds' 0.6.0 command line ------------------------------------
def test_several_config_files_after_one_flag(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"train": {"lr": 0.5, "tag": "a"}}', encoding="utf-8")
    (tmp_path / "b.json").write_text('{"train": {"tag": "b"}}', encoding="utf-8")
    (tmp_path / "c.yml").write_text("train:\n  batch_size: 4\n", encoding="utf-8")
    prog = script(tmp_path, TRAIN)
    done = run([*prog, "-C", "a.json", "b.json", "mnist"], cwd=tmp_path)
    assert done.stdout.startswith("data=mnist lr=0.5 batch_size=16 amp=True tag=b"), done.stderr
    done = run([*prog, "--config", "a.json", "b.json", "-C", "c.yml", "mnist"], cwd=tmp_path)
    assert done.stdout.startswith("data=mnist lr=0.5 batch_size=4 amp=True tag=b"), done.stderr
    done = run([*prog, "mnist", "--config=b.json", "a.json"], cwd=tmp_path)
    assert "tag=a" in done.stdout, done.stderr
    done = run([*prog, "-C", "a.json", "missing.json", "mnist"], cwd=tmp_path)
    assert_usage_error(done, "argument -C/--config:", "missing.json")


def test_same_name_functions_and_private_ones(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        """
        import hyperparameter as hp

        class TestA:
            def test_one(self):
                @hp.param("one")
                def foo(x: int = 1):
                    return ("first", x)

        class TestB:
            def test_two(self):
                @hp.param("two")
                def foo(x: int = 2):
                    return ("second", x)

        @hp.param
        def _helper(y: int = 0):
            return ("helper", y)

        TestA().test_one()
        TestB().test_two()
        print(hp.launch())
        """,
    )
    done = run(prog)
    assert done.stdout == "('second', 2)\n", done.stderr  # one command left: no subcommands
    assert run([*prog, "--x", "5"]).stdout == "('second', 5)\n"
    help_text = run([*prog, "--help"]).stdout
    assert "_helper" not in help_text and "-helper" not in help_text
    assert_usage_error(run([*prog, "_helper"]), "unrecognized arguments: _helper")


def test_private_functions_are_not_subcommands(tmp_path: Path) -> None:
    prog = script(
        tmp_path,
        """
        import hyperparameter as hp

        @hp.param
        def fit(x: int = 1):
            return ("fit", x)

        @hp.param
        def evaluate(x: int = 1):
            return ("evaluate", x)

        @hp.param
        def _debug(x: int = 1):
            return ("debug", x)

        print(hp.launch())
        """,
    )
    assert run([*prog, "evaluate", "--x", "3"]).stdout == "('evaluate', 3)\n"
    for word in ("_debug", "-debug"):
        assert_usage_error(run([*prog, word]))
    assert_usage_error(run(prog), "choose a command: fit, evaluate")
    only_private = script(
        tmp_path,
        "import hyperparameter as hp\n@hp.param\ndef _main(x: int = 1):\n    return x\n"
        "hp.launch()\n",
        name="private.py",
    )
    done = run(only_private)
    assert done.returncode == 1
    assert "no public @hp.param function" in done.stderr
    assert "hp.launch(_main)" in done.stderr
