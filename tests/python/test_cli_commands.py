"""The entry and the subcommands of ``hp.launch``, and ``--print-completion`` (real
subprocesses; the completion script is run by bash)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "launch"
COMMANDS = [sys.executable, str(FIXTURES / "commands.py")]
TRAIN = [sys.executable, str(FIXTURES / "train.py")]
TYPED = [sys.executable, str(FIXTURES / "typed.py")]


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    # The backend under test (HYPERPARAMETER_BACKEND) is inherited by the child.
    return subprocess.run(
        args, capture_output=True, text=True, check=False, cwd=cwd, env=dict(os.environ)
    )


def usage_error(done: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    """The first usage line and the error line of a usage error."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    err = done.stderr.splitlines()
    return err[0], err[-1]


# -- the entry ------------------------------------------------------------------------------
def test_launching_the_entry_runs_it_and_the_factories_stay_keys() -> None:
    # train.py: three @hp.param functions, `hp.launch(train)`.
    done = run([*TRAIN, "-D", "optim.lr=0.5", "model.dim=4", "--epochs", "3"])
    assert done.stdout == "epochs=3 lr=0.5 dim=4 name=unnamed width=-\n", done.stderr
    listing = run([*TRAIN, "-lps"]).stdout
    for key in ("optim.lr", "model.dim", "train.epochs"):
        assert any(line.startswith(key) for line in listing.splitlines()), listing
    # The factories are no commands and no options of the entry.
    first, last = usage_error(run([*TRAIN, "--dim", "4"]))
    assert "--dim" in last and "COMMAND" not in first


def test_launch_without_a_function_makes_every_public_one_a_command(tmp_path: Path) -> None:
    path = tmp_path / "tool.py"
    path.write_text(
        textwrap.dedent(
            """
            import hyperparameter as hp

            @hp.param("model")
            def build_model(dim: int = 32) -> int:
                return dim

            @hp.param("train")
            def train(epochs: int = 2) -> None:
                print(epochs, build_model())

            hp.launch()
            """
        ),
        encoding="utf-8",
    )
    assert run([sys.executable, str(path), "train", "--epochs", "4"]).stdout == "4 32\n"
    _, last = usage_error(run([sys.executable, str(path)]))
    assert last == "tool.py: error: choose a command: build_model, train"


# -- subcommands ----------------------------------------------------------------------------
def test_a_misspelled_command_gets_a_close_one() -> None:
    first, last = usage_error(run([*COMMANDS, "trian"]))
    assert first.startswith("usage: commands.py [-h]")
    assert last.startswith("commands.py: error: argument COMMAND: invalid choice: 'trian'")
    assert last.endswith("(did you mean 'train'?)")
    _, last = usage_error(run([*COMMANDS, "evaluation"]))
    assert last.endswith("(did you mean 'evaluate'?)")
    _, last = usage_error(run([*COMMANDS, "xyz"]))
    assert "did you mean" not in last


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (
            ["train", "--epoch", "3"],
            "commands.py train: error: unrecognized arguments: --epoch 3 (did you mean --epochs?)",
        ),
        (
            ["train", "--epochs", "x"],
            "commands.py train: error: argument --epochs: invalid value 'x': expected int",
        ),
        (
            ["train", "-D", "train.epochs=x"],
            "commands.py train: error: -D train.epochs=x: invalid value 'x' for train.epochs: "
            "expected int",
        ),
        (
            ["train", "-D", "train.epoch=3"],
            "commands.py train: error: -D train.epoch=3: unknown parameter 'train.epoch' "
            "(did you mean 'train.epochs'?)",
        ),
        (
            ["evaluate", "--split", "a", "--batch_size", "many"],
            "commands.py evaluate: error: argument --batch_size/--batch-size: invalid value "
            "'many': expected int",
        ),
        (
            ["train", "--optimizer", "rmsprop"],
            "commands.py train: error: argument --optimizer: invalid value 'rmsprop': "
            "expected one of 'adam', 'sgd'",
        ),
    ],
)
def test_an_error_inside_a_command_shows_that_commands_usage(
    words: list[str], message: str
) -> None:
    first, last = usage_error(run([*COMMANDS, *words]))
    assert first.startswith(f"usage: commands.py {words[0]} [-h]"), first
    assert last == message


def test_commands_run_with_their_options() -> None:
    done = run([*COMMANDS, "evaluate", "--batch-size", "8", "-D", "evaluate.split=val"])
    assert done.stdout == "evaluate split=val batch_size=8\n", done.stderr


# -- completion -----------------------------------------------------------------------------
def completion(prog: list[str], shell: str) -> str:
    done = run([*prog, "--print-completion", shell])
    assert done.returncode == 0, done.stderr
    return done.stdout


BASH = shutil.which("bash")


def complete_with_bash(script: str, words: list[str]) -> list[str]:
    """What the script's completion function offers for ``words`` (the last one being
    completed), run by bash as its completion would run it."""
    assert BASH is not None
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    driver = (
        'eval "$COMPLETION_SCRIPT"\n'
        f"COMP_WORDS=({quoted})\n"
        "COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))\n"
        f"function=$(complete -p {words[0]} | sed -E 's/.* -F ([^ ]+) .*/\\1/')\n"
        '"$function"\n'
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    env = {**os.environ, "COMPLETION_SCRIPT": script}
    done = subprocess.run(
        [BASH, "-c", driver], capture_output=True, text=True, check=False, env=env
    )
    assert done.returncode == 0, done.stderr
    return [line for line in done.stdout.splitlines() if line]


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_the_bash_script_parses_and_completes_commands_options_keys() -> None:
    script = completion(COMMANDS, "bash")
    checked = subprocess.run([BASH, "-n"], input=script, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr
    assert complete_with_bash(script, ["commands.py", "tr"]) == ["train"]
    assert "evaluate" in complete_with_bash(script, ["commands.py", ""])
    assert complete_with_bash(script, ["commands.py", "train", "--ep"]) == ["--epochs"]
    # A command offers its own options, not another one's.
    assert complete_with_bash(script, ["commands.py", "evaluate", "--ep"]) == []
    assert complete_with_bash(script, ["commands.py", "train", "--optimizer", ""]) == [
        "adam",
        "sgd",
    ]
    assert complete_with_bash(script, ["commands.py", "-D", "tr"]) == [
        "train.epochs=",
        "train.optimizer=",
    ]
    assert complete_with_bash(script, ["commands.py", "train", "-ep", "eval"]) == [
        "evaluate.batch_size",
        "evaluate.split",
    ]


@pytest.mark.skipif(BASH is None, reason="bash is not installed")
def test_the_bash_script_of_one_function_knows_every_declared_key() -> None:
    script = completion(TYPED, "bash")
    offered = complete_with_bash(script, ["typed.py", "-D", "model."])
    assert offered == ["model.act=", "model.dropout=", "model.layers=", "model.name="]
    assert complete_with_bash(script, ["typed.py", "--device", ""]) == ["CPU", "GPU"]
    assert "--tags" in complete_with_bash(script, ["typed.py", "--t"])
    assert complete_with_bash(script, ["typed.py", "--print-completion", "z"]) == ["zsh"]


def test_zsh_and_fish_scripts_name_the_options_and_keys() -> None:
    zsh = completion(COMMANDS, "zsh")
    assert "bashcompinit" in zsh and "train.epochs" in zsh
    fish = completion(COMMANDS, "fish")
    assert "complete -c commands.py -s D -l define -x -a" in fish
    assert "train.epochs=" in fish
    assert "-n '__fish_seen_subcommand_from train' -l optimizer -x -a 'adam sgd'" in fish


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_zsh_and_fish_accept_their_scripts(shell: str) -> None:
    binary = shutil.which(shell)
    if binary is None:
        pytest.skip(f"{shell} is not installed")
    script = completion(COMMANDS, shell)
    flag = "-n" if shell == "zsh" else "--no-execute"
    checked = subprocess.run([binary, flag], input=script, text=True, capture_output=True)
    assert checked.returncode == 0, checked.stderr


def test_an_unknown_shell_is_a_usage_error() -> None:
    _, last = usage_error(run([*COMMANDS, "--print-completion", "tcsh"]))
    assert "argument --print-completion: invalid choice: 'tcsh'" in last
