"""The operative config: ``hp.report()``, what the program read and got.

>>> import hyperparameter as hp
>>> @hp.param("doc_train")
... def train(lr: float = 0.1, epochs: int = 3) -> float:
...     return lr * epochs
>>> with hp.scope(**{"doc_train.lr": "0.5"}):
...     train()
1.5
>>> entry = hp.report()["doc_train.lr"]
>>> entry.value, entry.default_used
(0.5, False)
>>> hp.report()["doc_train.epochs"].default_used
True

Every read is recorded (``hp.scope.a.b | d``, ``@hp.param`` parameters, and the reads of Rust
and C++ code in the same process), once per distinct result, by the Rust core; this module
presents the record (:class:`Report`), flattens it for experiment trackers
(:meth:`Report.flat`) and saves it as a config file (:meth:`Report.save`, written by the
core's writers). The guide is ``docs/provenance.md``.
"""

from __future__ import annotations

from hyperparameter import _backend

TYPE_CHECKING = False

if TYPE_CHECKING:
    import os
    from collections.abc import Iterator
    from typing import Any, Union

    Scalar = Union[bool, int, float, str]

__all__ = ["Collection", "Read", "Report", "ReportEntry", "report"]

_MAX_READS_PER_KEY = 32
"""The Python backend keeps at most this many distinct reads of one key (as the core does)."""


class Read:
    """One distinct read of a key: the value it returned (after conversion), where that
    value came from, and whether it was the caller's default."""

    __slots__ = ("default_used", "source", "value")
    value: Any
    source: str
    default_used: bool

    def __init__(self, value: Any, source: str, default_used: bool) -> None:
        self.value = value
        self.source = source
        self.default_used = default_used

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Read):
            return NotImplemented
        return (
            type(self.value) is type(other.value)
            and _same(self.value, other.value)
            and (self.source, self.default_used) == (other.source, other.default_used)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(value={self.value!r}, source={self.source!r}, "
            f"default_used={self.default_used!r})"
        )


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except Exception:  # an object whose == fails is not the same value
        return a is b


class ReportEntry(Read):
    """What the program read of one key: the first read's ``value``, ``source`` and
    ``default_used``, and in ``other_reads`` the later reads that returned something else
    (each once, in order)."""

    __slots__ = ("other_reads",)
    other_reads: tuple[Read, ...]

    def __init__(
        self, value: Any, source: str, default_used: bool, other_reads: tuple[Read, ...] = ()
    ) -> None:
        super().__init__(value, source, default_used)
        self.other_reads = other_reads

    def __repr__(self) -> str:
        more = f", other_reads={self.other_reads!r}" if self.other_reads else ""
        return f"{super().__repr__()[:-1]}{more})"


class Report:
    """The operative config: a read-only mapping from each key read to its
    :class:`ReportEntry`, sorted by key. Made by ``hp.report()``; a snapshot, not live."""

    __slots__ = ("_entries",)
    _entries: dict[str, ReportEntry]

    def __init__(self, entries: dict[str, ReportEntry]) -> None:
        self._entries = entries

    def __getitem__(self, key: str) -> ReportEntry:
        return self._entries[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    def keys(self) -> Any:
        """The keys read, sorted."""
        return self._entries.keys()

    def values(self) -> Any:
        """The entries, in key order."""
        return self._entries.values()

    def items(self) -> Any:
        """``(key, entry)`` pairs, in key order."""
        return self._entries.items()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.to_dict()!r})"

    def to_dict(self, nested: bool = False) -> dict[str, Any]:
        """Each key's value (what its first read returned): flat dotted keys, or with
        ``nested=True`` nested dicts by the keys' segments."""
        flat = {key: entry.value for key, entry in self._entries.items()}
        if not nested:
            return flat
        tree: dict[str, Any] = {}
        for key, value in flat.items():
            *parents, last = key.split(".")
            node = tree
            for part in parents:
                child = node.setdefault(part, {})
                if not isinstance(child, dict):
                    raise ValueError(
                        f"`{key}` cannot be nested: `{part}` holds a value and has keys below it"
                    )
                node = child
            node[last] = value
        return tree

    def flat(self) -> dict[str, Scalar]:
        """A plain ``dict[str, bool | int | float | str]`` that experiment trackers accept as
        it is (``mlflow.log_params``, ``wandb.config.update``, TensorBoard hparams).

        Scalars stay as they are; ``None`` becomes ``"null"``; lists and tuples become their
        JSON text (``"[3, 4]"``); dicts become dotted keys below the key
        (``{"opt": {"lr": 0.1}}`` under ``model`` gives ``model.opt.lr``); an ``Enum``
        member gives its value, a path its text, any other object its ``str()``.
        """
        out: dict[str, Scalar] = {}
        for key, entry in self._entries.items():
            _flatten_into(out, key, entry.value)
        return out

    def save(self, path: str | os.PathLike[str]) -> str:
        """Writes the report as a config file, TOML, YAML or JSON by the file's extension,
        with each value's source as a comment above it (TOML and YAML), and returns the
        path. Running the program with ``-C`` this file reads every value again, with its
        type.

        A value the format cannot hold is a ``ConversionError`` naming the key (``None``
        in TOML, NaN in JSON, an object that is no config value), and nothing is written.
        """
        import os

        target = os.fspath(path)
        items = [
            (key, _for_file(entry.value), _comment(entry)) for key, entry in self._entries.items()
        ]
        text = _native().render_config(target, items)
        with open(target, "w", encoding="utf-8") as out:
            out.write(text)
        return target


def _comment(entry: ReportEntry) -> str:
    comment = entry.source
    if entry.other_reads:
        others = ", ".join(repr(read.value) for read in entry.other_reads)
        comment += f"; later reads returned {others}"
    return comment


def _plain_scalar(value: Any) -> Any:
    """An ``Enum`` member as its value, a path as its text; anything else as it is."""
    import enum
    import pathlib

    if isinstance(value, enum.Enum):
        inner = value.value
        return inner if isinstance(inner, (bool, int, float, str)) else value.name
    if isinstance(value, pathlib.PurePath):
        return str(value)
    return value


def _for_file(value: Any) -> Any:
    """``value`` as config files hold it: lists for tuples, plain scalars for enums and
    paths, the same recursively in lists and dicts."""
    if isinstance(value, (list, tuple)):
        return [_for_file(item) for item in value]
    if isinstance(value, dict):
        return {key: _for_file(item) for key, item in value.items()}
    return _plain_scalar(value)


def _flatten_into(out: dict[str, Scalar], key: str, value: Any) -> None:
    if isinstance(value, dict):
        for sub, item in value.items():
            _flatten_into(out, f"{key}.{sub}", item)
        return
    value = _plain_scalar(value)
    if value is None:
        out[key] = "null"
    elif isinstance(value, (bool, int, float, str)):
        out[key] = value
    elif isinstance(value, (list, tuple)):
        import json

        out[key] = json.dumps(_for_file(value), default=str, ensure_ascii=False)
    else:
        out[key] = str(value)


def _native() -> Any:
    """The native module, which records the reads of the native backend and writes files
    whichever backend is in use."""
    native = _backend.native
    if native is None:
        from hyperparameter import _native as native
    return native


class _PythonRecord:
    """The reads of the Python backends (the pure-Python one and custom storages)."""

    def __init__(self) -> None:
        import threading

        self.lock = threading.Lock()
        self.reads: dict[str, list[Read]] = {}
        self.on = True
        self.local = threading.local()
        """``collecting``: this thread's open collections, innermost last."""

    def note(self, key: str, value: Any, source: str, default_used: bool) -> None:
        if not self.on:
            return
        read = Read(value, source, default_used)
        for reads in getattr(self.local, "collecting", ()):
            _add(reads, key, read)
        with self.lock:
            _add(self.reads, key, read)

    def entries(self) -> dict[str, ReportEntry]:
        with self.lock:
            return _entries_of(self.reads)

    def begin_collecting(self) -> None:
        if not hasattr(self.local, "collecting"):
            self.local.collecting = []
        self.local.collecting.append({})

    def end_collecting(self) -> dict[str, ReportEntry]:
        collecting = getattr(self.local, "collecting", [])
        return _entries_of(collecting.pop()) if collecting else {}


def _add(reads: dict[str, list[Read]], key: str, read: Read) -> None:
    seen = reads.setdefault(key, [])
    if len(seen) < _MAX_READS_PER_KEY and read not in seen:
        seen.append(read)


def _entries_of(reads: dict[str, list[Read]]) -> dict[str, ReportEntry]:
    items = sorted((key, list(seen)) for key, seen in reads.items() if seen)
    return {
        key: ReportEntry(first.value, first.source, first.default_used, tuple(rest))
        for key, (first, *rest) in items
    }


def _from_native(rows: list[Any]) -> dict[str, ReportEntry]:
    """The native module's report rows as entries, each later read once."""
    entries: dict[str, ReportEntry] = {}
    for key, (value, source, default_used), others in rows:
        unique: list[Read] = []
        for later in others:
            read = Read(*later)
            if read not in unique and read != Read(value, source, default_used):
                unique.append(read)
        entries[key] = ReportEntry(value, source, default_used, tuple(unique))
    return entries


class Collection:
    """The reads of one thread while a ``with hp.report.collect() as reads:`` block runs,
    apart from the process-wide report: once the block is left, ``reads.report`` is their
    :class:`Report`. Reads of other threads are not in it, so each trial of a study running
    in its own thread gets its own operative config.

    >>> import hyperparameter as hp
    >>> with hp.report.collect() as reads, hp.scope(**{"doc_collect.lr": 0.5}):
    ...     hp.scope.doc_collect.lr | 0.1, hp.scope.doc_collect.epochs | 3
    (0.5, 3)
    >>> reads.report.to_dict()
    {'doc_collect.epochs': 3, 'doc_collect.lr': 0.5}
    """

    __slots__ = ("report",)
    report: Report

    def __init__(self) -> None:
        self.report = Report({})

    def __enter__(self) -> Collection:
        if _backend.name == "native":
            _native().begin_collecting()
        else:
            _python_record().begin_collecting()
        return self

    def __exit__(self, *exc: object) -> None:
        if _backend.name == "native":
            self.report = Report(_from_native(_native().end_collecting()))
        else:
            self.report = Report(_python_record().end_collecting())


_python_records: list[_PythonRecord] = []


def _python_record() -> _PythonRecord:
    """The record of the Python backends, made on first use (``threading`` is imported
    then, not with the package)."""
    if not _python_records:
        _python_records.append(_PythonRecord())
    return _python_records[0]


def note_python_read(key: str, value: Any, source: str, default_used: bool) -> None:
    """Records a read made through a Python storage backend."""
    _python_record().note(key, value, source, default_used)


class _ReportFunction:
    """``hp.report()``: the operative config so far; ``hp.report.clear()`` forgets it,
    ``hp.report.recording(False)`` stops recording (and returns whether it was on)."""

    def __call__(self) -> Report:
        """The operative config so far: every key read by any thread, with what it got."""
        if _backend.name != "native":
            return Report(_python_record().entries())
        return Report(_from_native(_native().report_entries()))

    def collect(self) -> Collection:
        """A context manager collecting this thread's reads while its block runs (see
        :class:`Collection`); the process-wide report records them as well."""
        return Collection()

    def clear(self) -> None:
        """Forgets every read recorded so far, in every thread (one trial of a study, say)."""
        record = _python_record()
        with record.lock:
            record.reads.clear()
        native = _backend.native
        if native is not None:
            native.clear_report()

    def recording(self, on: bool | None = None) -> bool:
        """Whether reads are recorded; with ``on``, turns recording on or off for the whole
        process and returns whether it was on before. What was recorded stays."""
        record = _python_record()
        before = record.on
        native = _backend.native
        if native is not None:
            before = native.recording() if _backend.name == "native" else before
            if on is not None:
                native.set_recording(on)
        if on is not None:
            record.on = on
        return bool(before)

    def __repr__(self) -> str:
        return "<hp.report: the operative config; call it>"


report = _ReportFunction()
"""``hp.report()``: the operative config (see :class:`Report`)."""
