"""Exception classes of ``hyperparameter``.

Each subclasses the builtin a caller would naturally catch, so ``except KeyError`` or
``except ValueError`` keeps working. Both backends (native and pure Python) raise these
very classes, with the same messages and the same attributes.

Every exception carries the facts of the failure as attributes, ``None`` where they do not
apply to the kind of error:

``key``
    the key read, written or refused (the key part of a ``key=value`` item);
``value``
    the offending value as text: a stored value as the message shows it, or a whole
    ``key=value`` item;
``source``
    where a stored value came from (``-D/--define``, ``base.toml:4``);
``target``
    the type a read asked for (``int``, ``float``, ``bool``, ``str``);
``file``, ``line``, ``column``
    where in a configuration the error is (line and column 1-based);
``reason``
    what is wrong, without the key and location the message adds around it (``None`` when
    the message is all there is to say, as for ``ScopeError``).

Built from keyword arguments, an exception writes its message from them with its class's one
template (``KeyFormatError(key="a b", reason="contains whitespace")`` reads
``invalid key 'a b': contains whitespace``); built from a positional message it keeps that
message as is.
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

_DEFINE_HINT = "(expected key=value, e.g. train.lr=0.01)"
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\t": "\\t", "\r": "\\r", "\n": "\\n", "\0": "\\0"}
# Spacing marks that extend a grapheme; with the nonspacing and enclosing marks (categories
# Mn, Me) and U+FF9E/U+FF9F they are shown escaped, since they would merge with the quote.
_EXTENDING_MARKS = frozenset(
    map(
        chr,
        (
            *(0x09BE, 0x09D7, 0x0B3E, 0x0B57, 0x0BBE, 0x0BD7, 0x0CC2, 0x0CD5, 0x0CD6, 0x0D3E),
            *(0x0D57, 0x0DCF, 0x0DDF, 0x1B35, 0x302E, 0x302F, 0xFF9E, 0xFF9F, 0x1133E, 0x11357),
            *(0x114B0, 0x114BD, 0x115AF, 0x11930, 0x1D165, *range(0x1D16E, 0x1D173)),
        ),
    )
)


def _quoted(text: str) -> str:
    """``text`` in double quotes with the characters a reader could not see escaped
    (``"a\\u{200b}b"``): keys and items are shown this way in every language's messages."""
    out = ['"']
    for char in text:
        escape = _ESCAPES.get(char)
        if escape is not None:
            out.append(escape)
        elif char.isprintable() and not _extends(char):
            out.append(char)
        else:
            out.append(f"\\u{{{ord(char):x}}}")
    out.append('"')
    return "".join(out)


def _extends(char: str) -> bool:
    if char.isascii():
        return False
    import unicodedata

    return unicodedata.category(char) in ("Mn", "Me") or char in _EXTENDING_MARKS


class HyperparameterError(Exception):
    """Base class of every error raised by ``hyperparameter``."""

    key: str | None
    value: str | None
    source: str | None
    target: str | None
    file: str | None
    line: int | None
    column: int | None
    reason: str | None

    def __init__(
        self,
        message: str | None = None,
        /,
        *,
        key: str | None = None,
        value: str | None = None,
        source: str | None = None,
        target: str | None = None,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
        reason: str | None = None,
    ) -> None:
        self.key = key
        self.value = value
        self.source = source
        self.target = target
        self.file = file
        self.line = line
        self.column = column
        self.reason = reason
        # The message is the only argument, so copying and pickling rebuild the exception
        # from it and restore the attributes from the instance dict.
        super().__init__(self._message() if message is None else message)

    def _message(self) -> str:
        """The message written from the attributes: this class's one template."""
        return self.reason or ""


class KeyFormatError(HyperparameterError, ValueError):
    """A key that breaks the key rules (empty segment, whitespace, ``=``, ``$``, braces).
    Attributes: ``key``, ``reason``."""

    def _message(self) -> str:
        return f"invalid key {_quoted(self.key or '')}: {self.reason}"


class MissingKeyError(HyperparameterError, KeyError):
    """A required parameter (read with ``()``, no default) that no scope sets.
    Attribute: ``key``."""

    def _message(self) -> str:
        return f"missing parameter `{self.key}`: no scope sets it and no default was given"

    def __str__(self) -> str:
        # KeyError quotes its argument; the message reads better as is.
        return str(self.args[0]) if self.args else ""


class ConversionError(HyperparameterError, TypeError, ValueError):
    """A stored value that cannot be converted to the type the reader asked for.
    Attributes: ``key``, ``value``, ``source``, ``target``, ``reason``."""

    def _message(self) -> str:
        detail = f": {self.reason}" if self.reason else ""
        return (
            f"cannot convert parameter `{self.key}` = {self.value} (from {self.source}) "
            f"to {self.target}{detail}"
        )


class ScopeError(HyperparameterError, RuntimeError):
    """A scope used against the rules: exited out of order, written through while inactive.
    The message says what happened; the attributes are ``None``."""


class DefineError(HyperparameterError, ValueError):
    """A ``key=value`` item without ``=`` or with an invalid key. Attributes: ``value`` (the
    item as given), ``key`` (when the key is what breaks the rules), ``reason``."""

    def _message(self) -> str:
        bad_key = f"invalid key {_quoted(self.key)}: " if self.key is not None else ""
        return (
            f"invalid definition {_quoted(self.value or '')}: {bad_key}{self.reason} {_DEFINE_HINT}"
        )


class KeyCollisionError(HyperparameterError, ValueError):
    """Two different keys with the same 64-bit hash; the write is refused. Attribute: ``key``
    (the key being written)."""


class ConfigError(HyperparameterError, ValueError):
    """A configuration that cannot be loaded: a file that does not parse, a bad or missing
    ``${...}`` reference, or values that do not fit a schema (``file:line:col: message``).
    Attributes: ``file``, ``line``, ``column`` (``None`` when unknown), ``reason``."""

    def _message(self) -> str:
        where = self.file or ""
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.reason}"
