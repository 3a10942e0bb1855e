"""``hp.launch`` and the core's layering: every value with its source, interpolation once
over all layers, strict keys, and ``-ep`` chains, driven as real subprocesses (both scope
backends: the child inherits ``HYPERPARAMETER_BACKEND``)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import hyperparameter as hp

TRAIN = """
import hyperparameter as hp

@hp.param("optim")
def make_optimizer(lr: float = 0.1) -> float:
    return lr

@hp.param("model")
def build_model(dim: int = 32) -> int:
    return dim

@hp.param("train")
def train(epochs: int = 2) -> None:
    lr = make_optimizer()
    dim = build_model()
    name = hp.scope.run.name | "unnamed"
    width = hp.scope.run.width | "-"
    print(f"epochs={epochs} lr={lr} dim={dim} name={name} width={width}")

if __name__ == "__main__":
    hp.launch(train)
"""


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, capture_output=True, text=True, check=False, cwd=cwd, env=dict(os.environ)
    )


@pytest.fixture
def prog(tmp_path: Path) -> list[str]:
    (tmp_path / "train.py").write_text(textwrap.dedent(TRAIN), encoding="utf-8")
    return [sys.executable, "train.py"]


def write(tmp_path: Path, name: str, text: str) -> str:
    (tmp_path / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return name


def usage_error(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a usage error (status 2, no traceback)."""
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    return done.stderr.strip().splitlines()[-1]


# -- strict keys ------------------------------------------------------------------------
def test_a_misspelled_define_is_refused_with_a_suggestion() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hyperparameter.examples.quickstart", "-D", "greet.nmae=Bob"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert usage_error(done).endswith(
        "error: -D greet.nmae=Bob: unknown parameter 'greet.nmae' (did you mean 'greet.name'?)"
    )


def test_a_misspelled_key_in_a_config_file_is_refused_at_its_position(
    tmp_path: Path, prog: list[str]
) -> None:
    config = write(tmp_path, "exp.yaml", "model:\n  dmi: 64\n")
    line = usage_error(run([*prog, "-C", config], tmp_path))
    assert line.endswith(
        "exp.yaml:2:8: unknown parameter 'model.dmi' (did you mean 'model.dim'?)"
    ), line


def test_a_swapped_dash_is_a_misspelling(tmp_path: Path) -> None:
    (tmp_path / "p.py").write_text(
        "import hyperparameter as hp\n\n@hp.param('train')\ndef fit(batch_size: int = 1):\n"
        "    print(batch_size)\n\nhp.launch(fit)\n",
        encoding="utf-8",
    )
    done = run([sys.executable, "p.py", "-D", "train.batch-size=4"], tmp_path)
    assert usage_error(done).endswith("(did you mean 'train.batch_size'?)")


def test_undeclared_keys_far_from_any_are_allowed_unless_strict(
    tmp_path: Path, prog: list[str]
) -> None:
    done = run([*prog, "-D", "run.name=x", "tracker.uri=file:/tmp"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "name=x" in done.stdout
    line = usage_error(run([*prog, "--strict", "-D", "run.name=x"], tmp_path))
    assert line.endswith("error: -D run.name=x: unknown parameter 'run.name'")
    config = write(tmp_path, "run.toml", '[run]\nname = "x"\n')
    line = usage_error(run([*prog, "--strict", "-C", config], tmp_path))
    assert line.endswith("run.toml:2:8: unknown parameter 'run.name'"), line


def test_strict_launch_in_code(capsys: pytest.CaptureFixture[str]) -> None:
    @hp.param("job")
    def job(n: int = 1) -> int:
        return n

    assert hp.launch(job, argv=["-D", "other.key=1"]) == 1
    with pytest.raises(SystemExit) as exit:
        hp.launch(job, argv=["-D", "other.key=1"], strict=True)
    assert exit.value.code == 2
    assert "unknown parameter 'other.key'" in capsys.readouterr().err


# -- provenance of bad values -------------------------------------------------------------
def test_a_bad_define_read_by_a_nested_function_names_the_item(
    tmp_path: Path, prog: list[str]
) -> None:
    line = usage_error(run([*prog, "-D", "optim.lr=fast"], tmp_path))
    assert line.endswith(
        "error: -D optim.lr=fast: invalid value 'fast' for optim.lr: expected float"
    )


def test_a_bad_file_value_read_by_a_nested_function_names_its_position(
    tmp_path: Path, prog: list[str]
) -> None:
    config = write(
        tmp_path,
        "config.yaml",
        """
        model:
          dim: 8
        optim:
          lr: fast
        """,
    )
    line = usage_error(run([*prog, "-C", config], tmp_path))
    assert line.endswith(
        "error: config.yaml:4:7: invalid value 'fast' for optim.lr: expected float"
    )


# -- one interpolation over every layer ---------------------------------------------------
def test_references_see_options_items_and_signature_defaults(
    tmp_path: Path, prog: list[str]
) -> None:
    config = write(
        tmp_path,
        "config.yaml",
        """
        run:
          name: "e${train.epochs}"
          width: "w${model.dim}"
        """,
    )
    by_option = run([*prog, "-C", config, "--epochs", "5"], tmp_path)
    by_item = run([*prog, "-C", config, "-D", "train.epochs=5"], tmp_path)
    by_word = run([*prog, "-C", config, "train.epochs=5"], tmp_path)
    for done in (by_option, by_item, by_word):
        assert done.returncode == 0, done.stderr
        assert done.stdout == "epochs=5 lr=0.1 dim=32 name=e5 width=w32\n"
    done = run([*prog, "-C", config, "-D", "model.dim=7"], tmp_path)
    assert done.stdout == "epochs=2 lr=0.1 dim=7 name=e2 width=w7\n", done.stderr


# -- -ep chains ---------------------------------------------------------------------------
def test_explain_an_undeclared_key_with_the_values_it_shadows(
    tmp_path: Path, prog: list[str]
) -> None:
    base = write(tmp_path, "base.yaml", 'run:\n  name: "base"\n')
    exp = write(tmp_path, "exp.yaml", 'run:\n  name: "e${train.epochs}"\n')
    done = run([*prog, "-ep", "run.name", "-C", base, exp, "--epochs", "5"], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "run.name"
    assert "  value:        'e5'" in lines
    assert "  source:       exp.yaml:2:9" in lines
    chain = lines[lines.index("  layers:       (outermost first; the last one wins)") + 1 :]
    assert [line.split() for line in chain] == [
        ["base.yaml:2:9", "'base'"],
        ["exp.yaml:2:9", "'e${train.epochs}'"],
    ]


def test_explain_a_declared_key_down_to_its_default(tmp_path: Path, prog: list[str]) -> None:
    config = write(tmp_path, "t.toml", "[train]\nepochs = 3\n")
    args = ["-ep", "train.epochs", "-C", config, "-D", "train.epochs=4", "--epochs", "5"]
    done = run([*prog, *args], tmp_path)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "  value:        5" in lines
    assert "  source:       --epochs" in lines
    start = lines.index("  layers:       (outermost first; the last one wins)") + 1
    assert [line.split() for line in lines[start : start + 4]] == [
        ["default", "2"],
        ["t.toml:2:10", "3"],
        ["-D", "train.epochs=4", "'4'"],
        ["--epochs", "5"],
    ]


def test_list_params_names_every_source(tmp_path: Path, prog: list[str]) -> None:
    config = write(tmp_path, "m.yaml", "model:\n  dim: 16\n")
    done = run([*prog, "-lps", "-C", config, "-D", "optim.lr=0.5", "--epochs", "3"], tmp_path)
    assert done.returncode == 0, done.stderr
    rows = {line.split()[0]: line.split()[-1] for line in done.stdout.splitlines()[1:]}
    assert rows == {
        "model.dim": "m.yaml:2:8",
        "optim.lr": "optim.lr=0.5",
        "train.epochs": "--epochs",
    }


def test_a_scope_from_a_config_records_positions_in_both_backends(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[job]\nn = "many"\n', encoding="utf-8")
    with hp.scope(hp.config(path)), pytest.raises(hp.ConversionError) as caught:
        hp.scope.job.n | 0
    assert f"(from {path}:2:5)" in str(caught.value)


def test_a_bad_value_read_in_a_thread_ends_the_run_with_status_2(tmp_path: Path) -> None:
    (tmp_path / "t.py").write_text(
        textwrap.dedent(
            """
            import threading
            import hyperparameter as hp

            @hp.param("optim")
            def make_optimizer(lr: float = 0.1) -> float:
                return lr

            @hp.param("train")
            def train(steps: int = 1) -> None:
                worker = threading.Thread(target=make_optimizer)
                worker.start()
                worker.join()
                print("joined")

            hp.launch(train)
            """
        ),
        encoding="utf-8",
    )
    done = run([sys.executable, "t.py", "-D", "optim.lr=fast"], tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "error: -D optim.lr=fast: invalid value 'fast' for optim.lr: expected float" in (
        done.stderr
    )
    assert done.stdout == "joined\n"


def test_bare_words_are_items_for_subcommands_too(tmp_path: Path) -> None:
    (tmp_path / "s.py").write_text(
        textwrap.dedent(
            """
            import hyperparameter as hp

            @hp.param("prep")
            def prepare(source: str = "local") -> None:
                print("prep", source)

            @hp.param("train")
            def train(epochs: int = 1) -> None:
                print("train", epochs, hp.scope.prep.source | "?")

            hp.launch()
            """
        ),
        encoding="utf-8",
    )
    done = run([sys.executable, "s.py", "train", "prep.source=s3", "train.epochs=4"], tmp_path)
    assert done.stdout == "train 4 s3\n", done.stderr
    line = usage_error(run([sys.executable, "s.py", "train", "a..b=1"], tmp_path))
    assert "error: bare override: invalid item 'a..b=1'" in line
    line = usage_error(run([sys.executable, "s.py", "train", "prep.sorce=s3"], tmp_path))
    assert line.endswith("unknown parameter 'prep.sorce' (did you mean 'prep.source'?)")


def test_options_are_literal_and_items_see_them() -> None:
    quickstart = [sys.executable, "-m", "hyperparameter.examples.quickstart"]
    done = subprocess.run(
        [*quickstart, "--name", "${greet.enthusiasm}"], capture_output=True, text=True
    )
    assert done.stdout == "Hello, ${greet.enthusiasm}!\n", done.stderr
    done = subprocess.run(
        [*quickstart, "-D", "greet.name=n${greet.enthusiasm}", "--enthusiasm", "3"],
        capture_output=True,
        text=True,
    )
    assert done.stdout == "Hello, n3!!!\n", done.stderr
