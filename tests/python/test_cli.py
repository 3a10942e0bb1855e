"""``hp.launch``: the command line of SPEC §7, driven as real subprocesses (exit status,
stdout, stderr) plus a few in-process checks of what ``launch`` returns."""

from __future__ import annotations

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


def test_quickstart_help() -> None:
    done = run([*QUICKSTART, "--help"])
    assert done.returncode == 0
    out = " ".join(done.stdout.split())
    assert "Prints a greeting." in out
    assert "--name STR Who to greet. (type: str, default: 'World', key: greet.name)" in out
    assert "--enthusiasm INT How many exclamation marks to add. (type: int, default: 1" in out
    for flag in ("-D KEY=VALUE", "--define", "-C FILE", "--config", "-lps", "--list-params"):
        assert flag in out
    assert "-ep [KEY], --explain-param [KEY]" in out


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
    assert "--batch_size INT, --batch-size INT Samples per step." in out
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
