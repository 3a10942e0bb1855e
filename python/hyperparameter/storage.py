"""The storage interface, the pure-Python backend, and backend selection.

``hp.scope`` and ``@hp.param`` run on one of these backends:

* ``"native"`` (the default): the Rust core through ``hyperparameter._native``. Python
  scopes are core scopes, so Rust and C++ code called from Python read the same values.
* ``"python"``: :class:`PythonStorage`, a pure-Python implementation of the same rules.
  Chosen with ``HYPERPARAMETER_BACKEND=python``, or automatically (with one warning) when
  the native module cannot be loaded.
* any :class:`Storage` instance passed to :func:`set_backend`, for example a subclass of
  :class:`PythonStorage` that logs or records reads.

A :class:`Storage` keeps, per thread and per asyncio task, a stack of scopes: ``enter``
pushes one, ``exit`` pops it (only the innermost), ``get``/``put`` read and write the
innermost view, ``keys``/``snapshot`` list it. ``TLSKVStorage`` is the older name of the
thread-local storage, :class:`PythonStorage`: subclass it to change one behaviour and plug
the subclass in with :func:`set_backend`.
"""

from __future__ import annotations

import os
import sys
from abc import ABC, abstractmethod

from hyperparameter import _backend
from hyperparameter.errors import ScopeError

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any, Union

    Site = Union[tuple[str, int], str]
    """Where a value was set: ``(file, line)`` of the code that set it, or the text of
    another source (``-D train.lr=0.1``, ``config.yaml:3:7``, ``--lr``)."""

__all__ = [
    "MISSING",
    "PythonStorage",
    "Storage",
    "TLSKVStorage",
    "backend_name",
    "set_backend",
]


class _Missing:
    """The marker :meth:`Storage.get` returns for an absent key (``None`` is a value)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep


def call_site(depth: int) -> tuple[str, int] | None:
    """``(file, line)`` of the caller ``depth`` frames up (1: the caller of the function
    calling this), or None for the package's own code: where a value set in code was set."""
    try:
        frame = sys._getframe(depth + 1)
    except ValueError:
        return None
    file = frame.f_code.co_filename
    if file.startswith(_PACKAGE_DIR):
        return None
    return file, frame.f_lineno


def describe_site(site: Site | None) -> str:
    """The text of a source (one recorded by :func:`call_site`, or a source's text), as
    error messages show it."""
    if site is None:
        return "unknown source"
    if isinstance(site, str):
        return site
    return f"code at {site[0]}:{site[1]}"


class Storage(ABC):
    """What a backend implements. Every method acts on the running thread/task's view.

    Tokens returned by :meth:`enter` identify scopes; they are compared by identity.
    """

    @abstractmethod
    def enter(self, overrides: Mapping[str, Any], inherit: bool) -> object:
        """Pushes a scope holding ``overrides`` (over the current view when ``inherit``,
        else over nothing) and returns its token."""

    @abstractmethod
    def exit(self, token: object) -> None:
        """Pops the innermost scope, which must be ``token`` (else :class:`ScopeError`)."""

    @abstractmethod
    def get(self, key: str) -> Any:
        """The value of ``key`` in the current view, or :data:`MISSING`."""

    @abstractmethod
    def put(self, key: str, value: Any) -> None:
        """Sets ``key`` in the innermost scope (the thread's root layer when none)."""

    @abstractmethod
    def keys(self) -> list[str]:
        """Every key visible now, sorted."""

    @abstractmethod
    def snapshot(self) -> dict[str, Any]:
        """Everything visible now, as a flat dict with dotted keys."""

    @abstractmethod
    def active(self) -> list[object]:
        """Tokens of the scopes active in this thread/task, outermost first."""

    @abstractmethod
    def get_at(self, token: object, key: str) -> Any:
        """``key`` as seen from the active scope ``token`` (ignoring scopes inside it)."""

    @abstractmethod
    def snapshot_at(self, token: object) -> dict[str, Any]:
        """Everything visible from the active scope ``token``."""

    @abstractmethod
    def overrides(self, token: object) -> Mapping[str, Any]:
        """What the active scope ``token`` itself sets: its overrides and writes made in it."""

    @abstractmethod
    def clear(self) -> None:
        """Removes every value the innermost scope (or the root layer) sets."""

    @abstractmethod
    def freeze(self) -> None:
        """Makes the current view the snapshot that threads started later begin with."""

    def init(self, params: Mapping[str, Any]) -> None:
        """Fills the thread's root layer; no scope may be active."""
        if self.active():
            raise ScopeError(
                "hp.scope.init() fills the thread's root layer; call it outside any scope"
            )
        for key, value in params.items():
            self.put(key, value)

    # The methods below have defaults, so a storage written against the interface above
    # keeps working; :class:`PythonStorage` implements them fully.

    def abandon(self, token: object) -> None:
        """Exits the active scope ``token`` now if it is the innermost one, else as soon as
        the scopes entered inside it have exited (its owner, a generator closed while a
        later scope is active, cannot exit it later). The default can only do the first."""
        self.exit(token)

    def capture(self) -> object | None:
        """An opaque handle on the current view (what a scope object built here pickles
        with), or None when the storage cannot keep one."""
        return None

    def snapshot_of(self, view: object) -> dict[str, Any]:
        """Everything visible in a view :meth:`capture` returned."""
        return self.snapshot()

    def source(self, key: str) -> Site | None:
        """Where the value of ``key`` in the current view was set in code, if recorded."""
        return None

    def source_at(self, token: object, key: str) -> Site | None:
        """:meth:`source` as seen from the active scope ``token``."""
        return None

    def enter_with_sources(
        self,
        overrides: Mapping[str, Any],
        inherit: bool,
        sources: Mapping[str, Site],
    ) -> object:
        """:meth:`enter`, recording where each override was set."""
        return self.enter(overrides, inherit)

    def put_with_source(self, key: str, value: Any, source: Site | None) -> None:
        """:meth:`put`, recording where the value was set."""
        self.put(key, value)


class _Frame:
    """One scope level of :class:`PythonStorage`. A frame that a context, a child frame or
    a scope object may see never changes; a write replaces it (see
    :meth:`PythonStorage.put`)."""

    __slots__ = ("base", "base_sources", "parent", "sources", "token", "values")

    def __init__(
        self,
        token: object,
        values: dict[str, Any],
        base: dict[str, Any] | None,
        parent: _Frame | None,
        sources: dict[str, Site] | None = None,
        base_sources: dict[str, Site] | None = None,
    ) -> None:
        self.token = token
        self.values = values
        # Frames that do not inherit read through to `base` instead of their parent.
        self.base = base
        self.parent = parent
        # Where values set in code were set (keys without one are absent).
        self.sources = sources if sources is not None else {}
        # Where the values of `base` were set (the frozen snapshot's sources).
        self.base_sources = base_sources if base_sources is not None else {}

    def source(self, key: str) -> Site | None:
        frame: _Frame | None = self
        while frame is not None:
            if key in frame.values:
                return frame.sources.get(key)
            if frame.base is not None:
                return frame.base_sources.get(key)
            frame = frame.parent
        return None

    def lookup(self, key: str) -> Any:
        frame: _Frame | None = self
        while frame is not None:
            values = frame.values
            if key in values:
                return values[key]
            if frame.base is not None:
                return frame.base.get(key, MISSING)
            frame = frame.parent
        return MISSING

    def flatten(self) -> dict[str, Any]:
        chain = []
        frame: _Frame | None = self
        base: dict[str, Any] = {}
        while frame is not None:
            chain.append(frame.values)
            if frame.base is not None:
                base = frame.base
                break
            frame = frame.parent
        view = dict(base)
        for values in reversed(chain):
            view.update(values)
        return view


def _sole_refcount() -> int:
    """What ``sys.getrefcount`` reports for an object held by one local variable only."""
    probe = object()
    return sys.getrefcount(probe)


_SOLE = _sole_refcount()


class PythonStorage(Storage):
    """The pure-Python backend (older releases call it ``TLSKVStorage``).

    The innermost frame of each context lives in a ``contextvars.ContextVar``, so asyncio
    tasks start from the scope where they were created and their writes (which replace
    frames rather than change them) stay theirs. A context that never set the variable sees
    its thread's root frame, made from the frozen snapshot at the thread's first access.
    """

    def __init__(self) -> None:
        import contextvars
        import threading

        self._current: contextvars.ContextVar[_Frame | None] = contextvars.ContextVar(
            "hyperparameter.python_frame", default=None
        )
        self._threads = threading.local()
        # The snapshot's values and where each was set.
        self._frozen: tuple[dict[str, Any], dict[str, Site]] = ({}, {})
        self._lock = threading.Lock()
        # Tokens of scopes abandoned below the innermost one (see `abandon`).
        self._abandoned: set[object] = set()

    def _frame(self) -> _Frame:
        frame = self._current.get()
        if frame is None:
            frame = getattr(self._threads, "root", None)
            if frame is None:
                with self._lock:
                    frozen = self._frozen
                frame = _Frame(object(), {}, frozen[0], None, base_sources=frozen[1])
                self._threads.root = frame
        return frame

    def enter(self, overrides: Mapping[str, Any], inherit: bool) -> object:
        return self.enter_with_sources(overrides, inherit, {})

    def enter_with_sources(
        self,
        overrides: Mapping[str, Any],
        inherit: bool,
        sources: Mapping[str, Site],
    ) -> object:
        token = object()
        frame = _Frame(
            token, dict(overrides), None if inherit else {}, self._frame(), dict(sources)
        )
        self._current.set(frame)
        return token

    def exit(self, token: object) -> None:
        self._exit_abandoned()
        frame = self._frame()
        if frame.token is not token:
            raise ScopeError(
                "scope exited out of order: it is not the innermost active scope; "
                "scopes must exit in reverse order of entry"
            )
        self._current.set(frame.parent)
        self._exit_abandoned()

    def abandon(self, token: object) -> None:
        frame = self._frame()
        if frame.token is token and frame.parent is not None:
            self.exit(token)
            return
        with self._lock:
            self._abandoned.add(token)

    def _exit_abandoned(self) -> None:
        if not self._abandoned:
            return
        frame = start = self._frame()
        with self._lock:
            while frame.parent is not None and frame.token in self._abandoned:
                self._abandoned.discard(frame.token)
                frame = frame.parent
        if frame is not start:
            self._current.set(frame)

    def get(self, key: str) -> Any:
        return self._frame().lookup(key)

    def put(self, key: str, value: Any) -> None:
        self.put_with_source(key, value, None)

    def put_with_source(self, key: str, value: Any, source: Site | None) -> None:
        frame = self._frame()
        replacement = _Frame(
            frame.token, frame.values, frame.base, frame.parent, frame.sources, frame.base_sources
        )
        self._current.set(replacement)
        # The old frame now has no holder but `frame`, unless a copied context (an asyncio
        # task), a child frame or a scope object can see it: only then is it copied, so
        # writing n keys one by one costs O(n).
        if sys.getrefcount(frame) > _SOLE:
            replacement.values = dict(frame.values)
            replacement.sources = dict(frame.sources)
        del frame
        replacement.values[key] = value
        if source is not None:
            replacement.sources[key] = source
        else:
            replacement.sources.pop(key, None)

    def keys(self) -> list[str]:
        return sorted(self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        return self._frame().flatten()

    def capture(self) -> object | None:
        return self._frame()

    def snapshot_of(self, view: object) -> dict[str, Any]:
        if isinstance(view, _Frame):
            return view.flatten()
        return self.snapshot()

    def source(self, key: str) -> Site | None:
        return self._frame().source(key)

    def source_at(self, token: object, key: str) -> Site | None:
        return self._find(token).source(key)

    def active(self) -> list[object]:
        tokens = []
        frame: _Frame | None = self._frame()
        while frame is not None and frame.parent is not None:
            tokens.append(frame.token)
            frame = frame.parent
        tokens.reverse()
        return tokens

    def _find(self, token: object) -> _Frame:
        frame: _Frame | None = self._frame()
        while frame is not None:
            if frame.token is token:
                return frame
            frame = frame.parent
        raise ScopeError("the scope is not active in this thread or task")

    def get_at(self, token: object, key: str) -> Any:
        return self._find(token).lookup(key)

    def snapshot_at(self, token: object) -> dict[str, Any]:
        return self._find(token).flatten()

    def overrides(self, token: object) -> Mapping[str, Any]:
        return self._find(token).values

    def clear(self) -> None:
        frame = self._frame()
        self._current.set(
            _Frame(frame.token, {}, frame.base, frame.parent, base_sources=frame.base_sources)
        )

    def freeze(self) -> None:
        frame = self._frame()
        view = self.snapshot()
        sources = {key: site for key in view if (site := frame.source(key)) is not None}
        with self._lock:
            self._frozen = (view, sources)

    def install_frozen(self, values: dict[str, Any], source: str) -> None:
        """Makes ``values`` the snapshot that threads started later begin with, without
        looking at this thread's view (what a parent process froze, at import); ``source``
        is where they came from."""
        with self._lock:
            self._frozen = (dict(values), dict.fromkeys(values, source))

    def restart_thread(self) -> None:
        """Starts this thread afresh from the snapshot, as a new thread would, leaving the
        scopes it had active behind (for a child process forked by ``multiprocessing``)."""
        self._threads.root = None
        self._current.set(None)


TLSKVStorage = PythonStorage
"""The older name of the thread-local storage: :class:`PythonStorage` itself. Their
custom-backend example, ``class RedisBackedStorage(TLSKVStorage)`` overriding ``get``,
works unchanged when the subclass is plugged in with :func:`set_backend`."""


def backend_name() -> str:
    """``"native"``, ``"python"`` or ``"custom"``: the backend in use."""
    return _backend.name


def set_backend(backend: str | Storage) -> None:
    """Switches the backend of ``hp.scope`` and ``@hp.param``.

    ``backend`` is ``"native"``, ``"python"`` or a :class:`Storage` instance. Call it at
    start-up: scope objects and values made before stay with the old backend, and names
    imported with ``from hyperparameter import scope`` keep the old object.
    """
    if isinstance(backend, Storage):
        _backend.switch("custom", None, backend)
    elif backend == "native":
        from hyperparameter import _native

        _backend.switch("native", _native, None)
    elif backend == "python":
        _backend.switch("python", None, PythonStorage())
    else:
        raise ValueError(f"unknown backend {backend!r}: use 'native', 'python' or a Storage")
