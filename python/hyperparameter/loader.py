"""The older names for configuration loading: ``from hyperparameter import loader``.

``loader.load(path, schema=AppConfig)`` is :func:`hyperparameter.config`, the same
function as ``hp.config``; ``loader.validate(config, schema)`` builds the schema instance
from configuration data that is already loaded, as ``schema=`` does.
"""

from __future__ import annotations

from collections.abc import Mapping

from hyperparameter._config import Config, ConfigError, load

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, TypeVar

    T = TypeVar("T")

__all__ = ["Config", "ConfigError", "load", "validate"]

# The escaping copy below visits at most this many values and levels; larger, deeper or
# self-containing data goes to the loader as it is, which reports what is wrong with it.
_MAX_VALUES = 1_000_000
_MAX_DEPTH = 256


def validate(config: Mapping[str, Any], schema: type[T], *, allow_unknown: bool = False) -> T:
    """The instance of ``schema`` built from ``config``, converting values as typed reads do.

    ``config`` is a :class:`Config` (what ``hp.config`` returns; errors then name the file
    and line of each value) or any mapping of already-resolved values (nested, or dotted
    keys): its text is taken as it is, ``${...}`` included, never interpolated again. Every
    mismatch is reported at once in one :class:`ConfigError`; keys the schema does not
    declare are an error unless ``allow_unknown=True``.
    """
    from hyperparameter._schema import build

    if not isinstance(config, Config):
        if not isinstance(config, Mapping):
            raise TypeError(
                f"validate() takes the configuration as a mapping, not {type(config).__name__}"
            )
        config = load(_literal_text(config))
    built: T = build(schema, config, allow_unknown=allow_unknown)
    return built


def _literal_text(data: Mapping[str, Any]) -> Any:
    """A copy of ``data`` in which every text loads back as itself (``${`` written ``$${``),
    built without recursion; data too large or deep to copy comes back unchanged."""
    root: dict[str, Any] = {}
    pending: list[tuple[Any, Any, int]] = [(data, root, 0)]
    visited = 0
    while pending:
        source, target, depth = pending.pop()
        if depth > _MAX_DEPTH:
            return data
        items = source.items() if isinstance(source, Mapping) else enumerate(source)
        for key, value in items:
            visited += 1
            if visited > _MAX_VALUES:
                return data
            if isinstance(value, str):
                copied: Any = value.replace("${", "$${")
            elif isinstance(value, Mapping):
                copied = {}
                pending.append((value, copied, depth + 1))
            elif isinstance(value, (list, tuple)):
                copied = [None] * len(value)
                pending.append((value, copied, depth + 1))
            else:
                copied = value
            target[key] = copied
    return root
