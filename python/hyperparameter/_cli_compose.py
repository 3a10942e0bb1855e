"""Composition on the command line of ``hp.launch``: the config tree, the override words and
the environment layer.

``hp.launch(config_dir="configs", config_name="train")`` composes that Hydra-style tree
before the other layers (``--config-dir`` and ``--config-name`` change them): the composed
tree is the lowest config-file layer, ``-C`` files merge over it. Bare words follow Hydra's
override grammar, composing or not: ``model=vit`` chooses a config group's option,
``lr=0.1`` changes a key some lower layer sets (typed: ``0.1`` is a float, ``[a,b]`` a
list, ``'007'`` text), ``+key=value`` adds one, ``++key=value`` adds or replaces,
``~key`` deletes. ``hp.launch(env_prefix="APP_")`` adds the environment layer
(``APP_TRAIN__LR=0.1`` sets ``train.lr``) between the config files and ``-D``.

All of it is the core's layering (``_native.layer_run``); this module finds the settings,
names the job for ``${hydra:job.name}``, and prints the groups section of ``-lps``/``-ep``.
"""

from __future__ import annotations

import os

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    import argparse
    from typing import Any

    from hyperparameter._native import LayeredRun


class Settings:
    """What ``hp.launch`` was given for composition and the environment layer."""

    __slots__ = ("config_dir", "config_name", "env_prefix", "home")

    def __init__(
        self,
        config_dir: str | os.PathLike[str] | None,
        config_name: str | None,
        env_prefix: str | None,
        home: str | None,
    ) -> None:
        self.config_dir = config_dir
        self.config_name = config_name
        self.env_prefix = env_prefix
        #: The directory of the calling file, which ``config_dir`` is relative to.
        self.home = home

    def composition(self, namespace: dict[str, Any]) -> tuple[str, str] | None:
        """``(config_dir, config_name)`` to compose, or None: the command line's
        ``--config-dir``/``--config-name`` (the directory relative to the working
        directory) over ``launch``'s (relative to the calling file, as Hydra's
        ``config_path`` is). Without a name there is nothing to compose."""
        name = _given(namespace, "config_name") or self.config_name
        given_dir = _given(namespace, "config_dir")
        if name is None:
            if given_dir is not None:
                raise ValueError(
                    "argument --config-dir: a config tree needs the name of its primary "
                    "config too (--config-name NAME)"
                )
            return None
        if given_dir is not None:
            return os.path.abspath(given_dir), name
        directory = os.fspath(self.config_dir) if self.config_dir is not None else "."
        return os.path.join(self.home or os.getcwd(), directory), name

    def environment(self) -> tuple[str, list[tuple[str, str]]] | None:
        """The environment layer's prefix and the variables of the process, or None."""
        if not self.env_prefix:
            return None
        return self.env_prefix, list(os.environ.items())


def _given(namespace: dict[str, Any], name: str) -> str | None:
    value = namespace.get(f"sub:{name}", namespace.get(name))
    return None if value is None else str(value)


def add_options(group: argparse._ArgumentGroup, prefix: str) -> None:
    """``--config-dir DIR`` and ``--config-name NAME`` in the common options."""
    import argparse

    group.add_argument(
        "--config-dir",
        dest=f"{prefix}config_dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="compose the config tree of DIR (relative to the working directory) instead "
        "of the program's",
    )
    group.add_argument(
        "--config-name",
        dest=f"{prefix}config_name",
        metavar="NAME",
        default=argparse.SUPPRESS,
        help="compose the primary config NAME (with or without extension); bare words "
        "then choose group options (model=vit) and change values (+seed=1, ~key)",
    )


def is_override_word(word: str) -> bool:
    """Whether a bare word of the command line is an override (``key=value``, ``~key``)."""
    return ("=" in word and not word.startswith("-")) or (word.startswith("~") and len(word) > 1)


def name_job(home_file: str | None) -> None:
    """Sets ``${hydra:job.name}`` to the program's name (the stem of the calling file, or
    of the script run), as Hydra names a job."""
    import sys

    from hyperparameter._config import _native_module

    path = home_file or (sys.argv[0] if sys.argv and sys.argv[0] else "")
    stem = os.path.splitext(os.path.basename(path))[0]
    if stem:
        _native_module().set_run_info("job.name", stem)


def error_message(
    message: str, words: list[str], configs: list[str], composing: bool
) -> str | None:
    """The usage error for a layering error about a word, the composed tree or the
    environment (those messages name what they are about: the word, the tree's file and
    line, the variable), or None for other errors."""
    own = ('invalid override "', "cannot compose `", "environment variable ")
    if message.startswith(own) or any(message.startswith(f"{word}:") for word in words):
        return message
    about_items = message.startswith("-D ") or any(message.startswith(c) for c in configs)
    if composing and not about_items:
        return message
    return None


def print_groups(run: LayeredRun, composition: tuple[str, str] | None) -> None:
    """The ``groups`` section of ``-lps``/``-ep``: the option each config group chose and
    its file (``model: mnist (configs/model/mnist.yaml)``); nothing without a tree."""
    groups = run.groups()
    if composition is None or not groups:
        return
    directory = composition[0]
    try:
        shown = os.path.relpath(directory)
    except ValueError:  # another drive (Windows)
        shown = directory
    if shown.startswith(".."):
        shown = directory
    print(f"groups (composed from {os.path.join(shown, composition[1])}):")
    width = max(len(group) for group, _, _ in groups)
    for group, option, file in groups:
        print(f"  {(group + ':').ljust(width + 1)} {option} ({os.path.join(shown, file)})")
    print()


def check_words(parser: Any, words: list[str]) -> None:
    """A word holding bytes of the command line that did not decode is a usage error (the
    core takes text only)."""
    from hyperparameter._cli_parser import _NOT_UTF8, _is_utf8

    for word in words:
        if not _is_utf8(word):
            parser.error(f"invalid override {word!r}: {_NOT_UTF8}")
