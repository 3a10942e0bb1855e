"""Exception classes of ``hyperparameter``.

Each subclasses the builtin a caller would naturally catch, so ``except KeyError`` or
``except ValueError`` keeps working. Both backends (native and pure Python) raise these
very classes.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "ConversionError",
    "DefineError",
    "HyperparameterError",
    "KeyCollisionError",
    "KeyFormatError",
    "MissingKeyError",
    "ScopeError",
]


class HyperparameterError(Exception):
    """Base class of every error raised by ``hyperparameter``."""


class KeyFormatError(HyperparameterError, ValueError):
    """A key that breaks the key rules (empty segment, whitespace, ``=``, ``$``, braces)."""


class MissingKeyError(HyperparameterError, KeyError):
    """A required parameter (read with ``()``, no default) that no scope sets."""

    def __str__(self) -> str:
        # KeyError quotes its argument; the message reads better as is.
        return str(self.args[0]) if self.args else ""


class ConversionError(HyperparameterError, TypeError, ValueError):
    """A stored value that cannot be converted to the type the reader asked for."""


class ScopeError(HyperparameterError, RuntimeError):
    """A scope used against the rules: exited out of order, written through while inactive."""


class DefineError(HyperparameterError, ValueError):
    """A ``key=value`` item without ``=`` or with an invalid key."""


class KeyCollisionError(HyperparameterError, ValueError):
    """Two different keys with the same 64-bit hash; the write is refused."""


class ConfigError(HyperparameterError, ValueError):
    """A configuration that cannot be loaded: a file that does not parse, a bad or missing
    ``${...}`` reference, or values that do not fit a schema (``file:line:col: message``)."""
