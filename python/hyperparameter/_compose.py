"""Composing a Hydra-style config tree: ``hp.compose(config_name, config_dir=...)``.

``hp.compose("train", config_dir="configs", overrides=["model=vit", "+seed=1"])`` gives
what Hydra's ``compose`` gives for the same tree, as a read-only :class:`Config`.

The defaults list, packages, the override grammar and ``${...}`` resolution run in the Rust
core (``hyperparameter._native.compose``), the same code Rust programs call as
``Config::compose``; this module hands the arguments over and wraps the result in the
:class:`~hyperparameter.Config` that ``hp.config`` returns. The guide is
``docs/composition.md``.
"""

from __future__ import annotations

import os

from hyperparameter._config import Config, _native_module

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["compose"]


def compose(
    config_name: str,
    *,
    config_dir: str | os.PathLike[str],
    overrides: Iterable[str] = (),
    resolve: bool = True,
) -> Config:
    """Composes a config tree laid out for Hydra and returns the resolved :class:`Config`.

    * ``config_dir``: the directory holding the primary config and the config groups (one
      subdirectory each: ``db/mysql.yaml`` is the option ``mysql`` of the group ``db``).
    * ``config_name``: the primary config, with or without its extension (YAML, TOML or
      JSON); its ``defaults:`` list says which option of each group to load, and where.
    * ``overrides``: Hydra's override words, applied in order: ``key=value`` changes a key
      that exists, ``+key=value`` adds one, ``++key=value`` adds or replaces,
      ``~key`` deletes, ``group=option`` chooses another option of a group; values are
      typed (``1``, ``1.5``, ``true``, ``null``, ``'text'``, ``[a, b]``, ``{k: v}``).
    * ``resolve``: ``False`` keeps every ``${...}`` as written instead of resolving it.

    Each value of the result knows where it was written (``cfg.origin("db.port")`` is
    ``"db/mysql.yaml:4:7"``, or the override that set it). Raises
    :class:`~hyperparameter.ConfigError` for an override that does not parse (with the
    column), a key that does not exist (naming the closest one), an option a group does not
    have (listing those it has), a missing config, a file that does not parse or a reference
    that does not resolve.
    """
    if isinstance(overrides, str):
        overrides = (overrides,)
    tree = _native_module().compose(os.fspath(config_dir), config_name, list(overrides), resolve)
    return Config(tree.to_python(), tree)
