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
innermost view, ``keys``/``snapshot`` list it.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod

from hyperparameter.errors import ScopeError

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = [
    "MISSING",
    "PythonStorage",
    "Storage",
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


class _Frame:
    """One scope level of :class:`PythonStorage`; never changed once built."""

    __slots__ = ("base", "parent", "token", "values")

    def __init__(
        self,
        token: object,
        values: dict[str, Any],
        base: dict[str, Any] | None,
        parent: _Frame | None,
    ) -> None:
        self.token = token
        self.values = values
        # Frames that do not inherit read through to `base` instead of their parent.
        self.base = base
        self.parent = parent

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


class PythonStorage(Storage):
    """The pure-Python backend.

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
        self._frozen: dict[str, Any] = {}
        self._lock = threading.Lock()

    def _frame(self) -> _Frame:
        frame = self._current.get()
        if frame is None:
            frame = getattr(self._threads, "root", None)
            if frame is None:
                with self._lock:
                    frozen = self._frozen
                frame = _Frame(object(), {}, frozen, None)
                self._threads.root = frame
        return frame

    def enter(self, overrides: Mapping[str, Any], inherit: bool) -> object:
        token = object()
        self._current.set(_Frame(token, dict(overrides), None if inherit else {}, self._frame()))
        return token

    def exit(self, token: object) -> None:
        frame = self._frame()
        if frame.token is not token:
            raise ScopeError(
                "scope exited out of order: it is not the innermost active scope; "
                "scopes must exit in reverse order of entry"
            )
        self._current.set(frame.parent)

    def get(self, key: str) -> Any:
        return self._frame().lookup(key)

    def put(self, key: str, value: Any) -> None:
        frame = self._frame()
        values = dict(frame.values)
        values[key] = value
        self._current.set(_Frame(frame.token, values, frame.base, frame.parent))

    def keys(self) -> list[str]:
        return sorted(self.snapshot())

    def snapshot(self) -> dict[str, Any]:
        return self._frame().flatten()

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
        self._current.set(_Frame(frame.token, {}, frame.base, frame.parent))

    def freeze(self) -> None:
        view = self.snapshot()
        with self._lock:
            self._frozen = view


_name = "python"
_native: Any = None


def _select() -> None:
    """Picks the backend at import: the env variable, else native, else Python with a warning."""
    global _name, _native
    choice = os.environ.get("HYPERPARAMETER_BACKEND", "").strip().lower()
    if choice == "python":
        return
    try:
        from hyperparameter import _native as native
    except ImportError as err:
        if choice == "native":
            raise
        import warnings

        warnings.warn(
            f"hyperparameter: the native module could not be loaded ({err}); "
            "using the pure-Python backend",
            RuntimeWarning,
            stacklevel=4,
        )
        return
    _name, _native = "native", native


def backend_name() -> str:
    """``"native"``, ``"python"`` or ``"custom"``: the backend in use."""
    return _name


def set_backend(backend: str | Storage) -> None:
    """Switches the backend of ``hp.scope`` and ``@hp.param``.

    ``backend`` is ``"native"``, ``"python"`` or a :class:`Storage` instance. Call it at
    start-up: scope objects and values made before stay with the old backend, and names
    imported with ``from hyperparameter import scope`` keep the old object.
    """
    global _name, _native
    import importlib

    import hyperparameter

    # The package attributes `param` and `scope` are the decorator and `hp.scope`; the
    # modules of the same names are reached through importlib.
    param_module = importlib.import_module("hyperparameter.param")
    scope_module = importlib.import_module("hyperparameter.scope")

    if isinstance(backend, Storage):
        _name = "custom"
        root: Any = scope_module.make_global(backend)
    elif backend == "native":
        from hyperparameter import _native as native

        _name, _native = "native", native
        root = native.scope
    elif backend == "python":
        _name = "python"
        root = scope_module.make_global(PythonStorage())
    else:
        raise ValueError(f"unknown backend {backend!r}: use 'native', 'python' or a Storage")
    hyperparameter.scope = root
    hyperparameter.param_scope = root
    scope_module.set_root(root)
    param_module.rebind_all()


_select()
