"""The snapshot child processes start from.

``hp.scope.frozen()`` (which ``hp.launch`` calls) writes the view it freezes into the
environment variable :data:`VARIABLE`, so that every process started afterwards inherits
it, whatever starts it: ``multiprocessing`` (fork, spawn, forkserver), a process pool,
``subprocess``. ``import hyperparameter`` in a process that finds the variable installs
what it holds as the global snapshot (:func:`adopt`), so that process, its threads and its
own children start from the same values. Freezing again replaces the variable; freezing an
empty view removes it.

The variable holds a JSON document, or ``file:`` followed by the path of a file holding it
when the document is longer than :data:`INLINE_LIMIT` (environment variables are bounded).
Such files are removed when the process that wrote them exits. The document is::

    {"format": "hyperparameter-snapshot/1", "values": [["train.lr", <value>], ...]}

where a value is ``null``, ``true``/``false`` or a JSON string for None, bools and str;
``{"int": "<decimal digits>"}`` for ints of any size; ``{"float": "<repr>"}`` for floats
(``"nan"``, ``"inf"`` included); ``{"list": [<value>, ...]}`` and
``{"map": [["<key>", <value>], ...]}`` for lists and str-keyed dicts of these; and
``{"pickle": "<base64>"}`` for any other object (a tuple, a path, a user's class), which
only Python reads. Exact types are kept: a subclass of int or str travels pickled. An
object that cannot be pickled is left out, with one warning naming the keys.

The Rust core reads the same document (``hyperparameter::inherit``), so a Rust or C++
program started from a Python process begins from the snapshot too, pickled objects aside.

This module is imported by ``import hyperparameter`` and keeps that import cheap: ``json``,
``pickle`` and ``base64`` are imported only when a snapshot is written or found.
"""

from __future__ import annotations

import os
import sys

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = [
    "FORMAT",
    "INLINE_LIMIT",
    "VARIABLE",
    "MalformedSnapshot",
    "adopt",
    "decode",
    "encode",
    "hand_down",
    "inherited",
    "unpickle",
]

VARIABLE = "HYPERPARAMETER_SNAPSHOT"
"""The environment variable that carries the snapshot to child processes."""

FORMAT = "hyperparameter-snapshot/1"
"""The ``format`` field of the document: its layout and version."""

INLINE_LIMIT = 16 * 1024 if sys.platform == "win32" else 64 * 1024
"""The longest document written into the variable itself; a longer one goes to a file.
Windows bounds a variable at 32767 characters, Linux at 128 KiB."""

_FILE_PREFIX = "file:"

# How deep a list or dict is written as JSON; deeper values travel pickled.
_MAX_PLAIN_DEPTH = 64

# Files this process wrote (removed at its exit) and the process that registered the
# clean-up: a forked child inherits both and must not remove its parent's files.
_written_files: list[str] = []
_cleanup_pid: int | None = None


class _NotPlain(Exception):
    """A value that is not made of the types every language reads."""


class MalformedSnapshot(ValueError):
    """The variable or the file it names does not hold a snapshot document."""


def _plain(value: Any, depth: int) -> Any:
    """The JSON form of a value made of the types every language reads, else _NotPlain."""
    kind = type(value)
    if value is None or kind is bool:
        return value
    if kind is str:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate: not text other languages read
            raise _NotPlain from None
        return value
    if kind is int:
        try:
            return {"int": str(value)}
        except ValueError:  # more digits than int→str allows; pickled instead
            raise _NotPlain from None
    if kind is float:
        return {"float": repr(value)}
    if depth >= _MAX_PLAIN_DEPTH:
        raise _NotPlain
    if kind is list:
        return {"list": [_plain(item, depth + 1) for item in value]}
    if kind is dict:
        pairs = []
        for key, item in value.items():
            if type(key) is not str:
                raise _NotPlain
            pairs.append([_plain(key, depth + 1), _plain(item, depth + 1)])
        return {"map": pairs}
    raise _NotPlain


def encode(values: Mapping[str, Any]) -> tuple[str, list[str]]:
    """The document for ``values`` (dotted keys → values) and the keys left out because
    their values can be neither written as JSON nor pickled."""
    import json

    encoded: list[list[Any]] = []
    left_out: list[str] = []
    for key, value in values.items():
        try:
            encoded.append([key, _plain(value, 0)])
        except _NotPlain:
            pickled = _pickled(value)
            if pickled is None:
                left_out.append(key)
            else:
                encoded.append([key, {"pickle": pickled}])
    document = json.dumps({"format": FORMAT, "values": encoded}, separators=(",", ":"))
    return document, left_out


def _pickled(value: Any) -> str | None:
    """``value`` pickled and in base64, or None when it cannot be pickled."""
    import base64
    import pickle

    try:
        data = pickle.dumps(value, protocol=pickle.DEFAULT_PROTOCOL)
    except Exception:  # pickling runs arbitrary code (__reduce__), which may raise anything
        return None
    return base64.b64encode(data).decode("ascii")


def decode(document: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The values a document holds: those written as JSON, and the pickles of the others
    (restored by :func:`unpickle`). :class:`MalformedSnapshot` when it is not one."""
    import json

    try:
        data = json.loads(document)
    except ValueError as err:
        raise MalformedSnapshot(f"not JSON ({err})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MalformedSnapshot(f'not a document of format "{FORMAT}"')
    encoded = data.get("values")
    if not isinstance(encoded, list):
        raise MalformedSnapshot('its "values" is not a list')
    values: dict[str, Any] = {}
    pickled: dict[str, bytes] = {}
    for pair in encoded:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise MalformedSnapshot('an item of its "values" is not a [key, value] pair')
        key, item = pair
        if isinstance(item, dict) and len(item) == 1 and "pickle" in item:
            pickled[key] = _base64(key, item["pickle"])
        else:
            values[key] = _from_plain(key, item, 0)
    return values, pickled


def _base64(key: str, text: Any) -> bytes:
    import base64
    import binascii

    try:
        if isinstance(text, str):
            return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        pass
    raise MalformedSnapshot(f"the pickled value of `{key}` is not base64 text")


def unpickle(pickled: Mapping[str, bytes]) -> tuple[dict[str, Any], dict[str, str]]:
    """The objects restored from ``pickled``, and the keys that could not be restored in
    this process, each with the reason (a class the process cannot import, say)."""
    import pickle

    restored: dict[str, Any] = {}
    unrestored: dict[str, str] = {}
    for key, data in pickled.items():
        try:
            restored[key] = pickle.loads(data)
        except Exception as err:  # unpickling imports and runs code that may raise anything
            unrestored[key] = f"{type(err).__name__}: {err}"
    return restored, unrestored


def _from_plain(key: str, item: Any, depth: int) -> Any:
    """The value of a JSON form written by :func:`_plain`, else MalformedSnapshot."""
    if item is None or isinstance(item, (bool, str)):
        return item
    if isinstance(item, dict) and len(item) == 1 and depth <= _MAX_PLAIN_DEPTH:
        ((tag, payload),) = item.items()
        try:
            if tag == "int" and isinstance(payload, str) and payload.lstrip("-").isdigit():
                return int(payload)
            if tag == "float" and isinstance(payload, str):
                return float(payload)
            if tag == "list" and isinstance(payload, list):
                return [_from_plain(key, element, depth + 1) for element in payload]
            if tag == "map" and isinstance(payload, list):
                mapping = {}
                for name, element in payload:
                    if not isinstance(name, str):
                        raise TypeError("a map key is not a string")
                    mapping[name] = _from_plain(key, element, depth + 1)
                return mapping
        except (ValueError, TypeError):
            pass
    raise MalformedSnapshot(f"the value of `{key}` is not in the snapshot format")


def _follow_forks() -> None:
    """Makes the processes ``multiprocessing`` forks from now on start from the snapshot."""
    global _follows_forks
    if not _follows_forks and hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=_after_fork)
        _follows_forks = True


_follows_forks = False


def _after_fork() -> None:
    # A forked child is a copy of the thread that forked, scopes included. When
    # `multiprocessing` forks it (a Process, a pool, a forkserver's child), it runs the
    # target and exits without returning into that thread's code, so the thread can start
    # afresh, as a spawned child does; multiprocessing runs its after-fork callbacks just
    # before the target. A plain `os.fork()` child stays a copy.
    util = sys.modules.get("multiprocessing.util")
    if util is not None:
        util.register_after_fork(_RESTART, _restart_thread)


class _Restart:
    """The object multiprocessing keeps the after-fork callback under (it must be weakly
    referable and live as long as the module)."""


_RESTART = _Restart()


def _restart_thread(_: object) -> None:
    from hyperparameter.scope import restart_thread

    restart_thread()


def hand_down(values: Mapping[str, Any], stacklevel: int = 2) -> None:
    """Writes ``values`` (the view just frozen) into :data:`VARIABLE` for the processes
    started from now on, or removes the variable when ``values`` is empty. Warns once,
    naming the keys, when some values cannot be pickled and are left out."""
    _follow_forks()
    if not values:
        os.environ.pop(VARIABLE, None)
        return
    document, left_out = encode(values)
    if left_out:
        import warnings

        warnings.warn(
            "hyperparameter: child processes will not see "
            + ", ".join(f"`{key}`" for key in left_out)
            + ": their values cannot be pickled",
            RuntimeWarning,
            stacklevel=stacklevel + 1,
        )
    if len(document) <= INLINE_LIMIT:
        os.environ[VARIABLE] = document
        return
    os.environ[VARIABLE] = _FILE_PREFIX + _write_file(document)


def _write_file(document: str) -> str:
    """Writes ``document`` to a new private file, removed when this process exits."""
    import tempfile

    global _cleanup_pid
    descriptor, path = tempfile.mkstemp(prefix="hyperparameter-snapshot-", suffix=".json")
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(document)
    # Earlier files stay until exit: a child started before this call may not have read
    # its file yet.
    _written_files.append(path)
    if _cleanup_pid != os.getpid():
        import atexit

        _written_files[:] = [path]
        _cleanup_pid = os.getpid()
        atexit.register(_remove_files, _cleanup_pid)
    return path


def _remove_files(writer: int) -> None:
    """Removes the files this process wrote (not in a forked child, which shares them)."""
    if os.getpid() != writer:
        return
    for path in _written_files:
        try:
            os.remove(path)
        except OSError:
            pass


def inherited() -> tuple[dict[str, Any], dict[str, bytes]] | None:
    """What :data:`VARIABLE` holds (as :func:`decode` gives it), or None when it is unset
    or, with one warning, does not hold a snapshot."""
    text = os.environ.get(VARIABLE)
    if not text:
        return None
    try:
        if text.startswith(_FILE_PREFIX):
            path = text[len(_FILE_PREFIX) :]
            try:
                with open(path, encoding="utf-8") as file:
                    text = file.read()
            except OSError as err:
                raise MalformedSnapshot(f"cannot read {path}: {err.strerror}") from None
        return decode(text)
    except MalformedSnapshot as err:
        _ignored(str(err))
        return None


def _ignored(reason: str) -> None:
    import warnings

    warnings.warn(
        f"hyperparameter: ignoring the environment variable {VARIABLE}: {reason}; "
        "this process starts from the defaults",
        RuntimeWarning,
        stacklevel=4,
    )


def adopt(install: Any, restart: Any) -> None:
    """At import: when :data:`VARIABLE` holds a snapshot, makes it the global snapshot with
    ``install(values)`` (the backend's way). The values written as JSON are installed first,
    so that modules imported to restore the pickled ones read them; when pickled ones were
    restored, everything is installed and ``restart()`` starts this thread afresh from it
    (the modules may have made its view)."""
    if VARIABLE not in os.environ:
        return
    found = inherited()
    try:
        # An empty snapshot for a variable that was ignored: the native core, which reads
        # the variable itself in programs without Python, then does not read it again.
        install({} if found is None else found[0])
    except (TypeError, ValueError) as err:  # a key that is not a valid key
        _ignored(str(err))
        install({})
        return
    _follow_forks()
    if found is None or not found[1]:
        return
    values, pickled = found
    restored, unrestored = unpickle(pickled)
    if unrestored:
        import warnings

        reasons = "; ".join(f"`{key}`: {reason}" for key, reason in unrestored.items())
        warnings.warn(
            f"hyperparameter: values of the parent's snapshot that cannot be restored in "
            f"this process are left out ({reasons}); define their classes in an importable "
            "module",
            RuntimeWarning,
            stacklevel=3,
        )
    if restored:
        install({**values, **restored})
        restart()
