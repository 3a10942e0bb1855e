"""``hp.scope`` on a Python :class:`~hyperparameter.storage.Storage` backend.

With the native backend ``hp.scope`` is ``hyperparameter._native.scope`` and these classes
are not used. With the pure-Python backend (or a user's storage) they implement the same
rules on top of the :class:`~hyperparameter.storage.Storage` interface, so both pass the
same test suite. See ``docs/scopes.md`` for the rules themselves.
"""

from __future__ import annotations

from hyperparameter import _backend, _suggest
from hyperparameter._child_snapshot import VARIABLE, adopt, hand_down
from hyperparameter._rules import (
    MAX_DEPTH,
    RESERVED_NAMES,
    convert_value,
    flatten_into,
    is_scope_attribute,
    parse_define,
    target_for_default,
    validate_key,
)
from hyperparameter.errors import (
    ConversionError,
    HyperparameterError,
    MissingKeyError,
    ScopeError,
)
from hyperparameter.operative_config import note_python_read
from hyperparameter.storage import MISSING, PythonStorage, Storage, call_site, describe_site

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from hyperparameter.storage import Site

__all__ = [
    "RESERVED_NAMES",
    "install_snapshot",
    "make_global",
    "restart_thread",
    "root",
    "set_root",
    "validate_key",
]

_SOURCE = "unknown source"


def _collect(
    caller: str,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    sources: dict[str, Site] | None = None,
) -> dict[str, Any]:
    """The overrides ``args`` and ``kwargs`` describe, flattened to dotted keys; where
    ``sources`` is given, it receives the source of each value from a ``hp.Config`` (the
    file position, ``-D`` item or option it came from), the others having the caller's."""
    from collections.abc import Mapping

    out: dict[str, Any] = {}
    for arg in args:
        part: dict[str, Any] = {}
        if isinstance(arg, str):
            key, value = parse_define(arg)
            part[key] = value
        elif isinstance(arg, _PyScope):
            part = arg.to_dict()
        elif hasattr(arg, "__hp_config__"):  # a hp.Config: dotted keys, lists as lists
            out.update(arg.to_dict(nested=False))
            if sources is not None:
                tree, prefix = arg.__hp_config__()
                sources.update((key, source) for key, _, source in tree.entries(prefix))
            continue
        elif isinstance(arg, Mapping):
            for key, value in arg.items():
                flatten_into(part, key, value)
        else:
            raise TypeError(
                f"{caller} takes `key=value` strings, mappings or scopes as positional "
                f"arguments, got {type(arg).__name__}"
            )
        _later(out, part, sources)
    part = {}
    for key, value in kwargs.items():
        flatten_into(part, key, value)
    _later(out, part, sources)
    return out


def _later(out: dict[str, Any], part: dict[str, Any], sources: dict[str, Site] | None) -> None:
    """Adds ``part`` to ``out``: its values replace earlier ones, sources included."""
    out.update(part)
    if sources is not None:
        for key in part:
            sources.pop(key, None)


_INNERMOST, _BELOW, _OUTSIDE = 0, 1, 2


class _PyScope:
    """``hp.scope`` (``global_=True``) or a scope object, on a Python storage backend."""

    __slots__ = (
        "_active", "_global", "_inherit", "_lock", "_origin", "_overrides", "_sources",
        "_storage",
    )  # fmt: skip
    _active: list[object]
    _global: bool
    _inherit: bool
    _lock: Any
    # The view where the object was built or last entered (`Storage.capture`): what it
    # pickles with, whichever thread pickles it.
    _origin: object
    _overrides: dict[str, Any]
    # Where the overrides set in code were set (`storage.call_site`).
    _sources: dict[str, Site]
    _storage: Storage

    def __init__(
        self,
        storage: Storage,
        overrides: dict[str, Any],
        inherit: bool,
        global_: bool = False,
        site: Site | None = None,
        sources: dict[str, Site] | None = None,
    ) -> None:
        set_slot = object.__setattr__
        set_slot(self, "_storage", storage)
        set_slot(self, "_overrides", overrides)
        known: dict[str, Site] = dict.fromkeys(overrides, site) if site is not None else {}
        known.update(sources or {})
        set_slot(self, "_sources", known)
        set_slot(self, "_inherit", inherit)
        set_slot(self, "_global", global_)
        set_slot(self, "_active", [])
        set_slot(self, "_origin", None if global_ else storage.capture())
        import threading

        set_slot(self, "_lock", threading.Lock())

    # -- where this scope stands -------------------------------------------------------
    def _position(self) -> tuple[int, object]:
        if self._global:
            return _INNERMOST, None
        with self._lock:
            mine = list(self._active)
        if not mine:
            return _OUTSIDE, None
        tokens = self._storage.active()
        for depth in range(len(tokens) - 1, -1, -1):
            if any(tokens[depth] is token for token in mine):
                return (_INNERMOST if depth == len(tokens) - 1 else _BELOW), tokens[depth]
        return _OUTSIDE, None

    def _lookup(self, key: str) -> Any:
        where, token = self._position()
        if where == _INNERMOST:
            return self._storage.get(key)
        if where == _BELOW:
            return self._storage.get_at(token, key)
        value = self._overrides.get(key, MISSING)
        if value is MISSING and self._inherit:
            return self._storage.get(key)
        return value

    def _source(self, key: str) -> Site | None:
        where, token = self._position()
        if where == _INNERMOST:
            return self._storage.source(key)
        if where == _BELOW:
            return self._storage.source_at(token, key)
        if key in self._overrides:
            return self._sources.get(key)
        return self._storage.source(key) if self._inherit else None

    def _write(self, key: str, value: Any, depth: int = 2) -> None:
        entries: dict[str, Any] = {}
        flatten_into(entries, key, value)
        self._write_all(entries, call_site(depth))

    def _write_all(self, entries: dict[str, Any], site: Site | None) -> None:
        where, _ = self._position()
        if where == _BELOW:
            raise ScopeError(
                f"cannot write `{next(iter(entries), '')}` through this scope while another "
                "scope is active inside it; write to the innermost scope instead"
            )
        for key in sorted(entries) if len(entries) > 1 else entries:
            if where == _INNERMOST:
                self._storage.put_with_source(key, entries[key], site)
            if not self._global:
                self._overrides[key] = entries[key]
                if site is not None:
                    self._sources[key] = site
                else:
                    self._sources.pop(key, None)

    def _visible(self) -> dict[str, Any]:
        where, token = self._position()
        if where == _INNERMOST:
            view = self._storage.snapshot()
        elif where == _BELOW:
            view = self._storage.snapshot_at(token)
        else:
            view = self._storage.snapshot() if self._inherit else {}
            view.update(self._overrides)
        return dict(sorted(view.items()))

    # -- attribute protocol --------------------------------------------------------------
    def __getattr__(self, name: str) -> _PyAccessor:
        if is_scope_attribute(name):
            raise AttributeError(name)
        validate_key(name)
        return _PyAccessor(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if is_scope_attribute(name):
            raise AttributeError(
                f"`{name}` is a reserved name on scopes; write the key as ps[{name!r}] = ..."
            )
        self._write(name, value)

    def __getitem__(self, key: str) -> _PyAccessor:
        validate_key(key)
        return _PyAccessor(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        self._write(key, value)

    def __contains__(self, key: str) -> bool:
        validate_key(key)
        return self._lookup(key) is not MISSING

    def __iter__(self) -> Iterator[str]:
        return iter(self.keys())

    # -- public methods (the reserved names) ---------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> _PyScope:
        if not self._global:
            raise TypeError("scope objects are not callable; build new scopes with hp.scope(...)")
        sources: dict[str, Site] = {}
        overrides = _collect("hp.scope()", args, kwargs, sources)
        return _PyScope(self._storage, overrides, True, site=call_site(1), sources=sources)

    def empty(self, *args: Any, **kwargs: Any) -> _PyScope:
        sources: dict[str, Site] = {}
        overrides = _collect("hp.scope.empty()", args, kwargs, sources)
        return _PyScope(self._storage, overrides, False, site=call_site(1), sources=sources)

    def current(self) -> _PyScope:
        return _PyScope(self._storage, self._visible(), True)

    def keys(self) -> list[str]:
        return list(self._visible())

    def values(self) -> list[Any]:
        return list(self._visible().values())

    def items(self) -> list[tuple[str, Any]]:
        return list(self._visible().items())

    def to_dict(self, nested: bool = False) -> dict[str, Any]:
        view = self._visible()
        if not nested:
            return view
        root: dict[str, Any] = {}
        for key, value in view.items():
            *parents, last = key.split(".")
            node = root
            for segment in parents:
                child = node.setdefault(segment, {})
                if not isinstance(child, dict):
                    raise HyperparameterError(
                        f"cannot nest `{key}`: `{segment}` holds a value and is also a prefix",
                        key=key,
                    )
                node = child
            if last in node:
                raise HyperparameterError(
                    f"cannot nest `{key}`: it holds a value and is also a prefix", key=key
                )
            node[last] = value
        return root

    def get(self, key: str, *default: Any) -> Any:
        validate_key(key)
        return _read(self, key, default)

    def put(self, key: str, value: Any) -> None:
        self._write(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._write_all(_collect("update()", args, kwargs), call_site(1))

    def clear(self) -> None:
        where, _ = self._position()
        if where == _BELOW:
            raise ScopeError("cannot clear this scope while another scope is active inside it")
        if where == _INNERMOST:
            self._storage.clear()
        if not self._global:
            self._overrides.clear()

    def frozen(self) -> None:
        self._storage.freeze()
        hand_down(self._storage.snapshot(), stacklevel=3)

    def init(self, params: Any) -> None:
        self._storage.init(_collect("hp.scope.init()", (params,), {}))

    def __enter__(self) -> _PyScope:
        if self._global:
            raise TypeError("enter a new scope with `with hp.scope(...):`, not `with hp.scope:`")
        storage = self._storage
        object.__setattr__(self, "_origin", storage.capture())
        token = storage.enter_with_sources(dict(self._overrides), self._inherit, self._sources)
        with self._lock:
            self._active.append(token)
        return self

    def __exit__(self, exc_type: object = None, *exc: object) -> None:
        tokens = self._storage.active()
        top = tokens[-1] if tokens else None
        with self._lock:
            index = next((i for i, t in enumerate(self._active) if t is top), None)
        if index is None:
            if (
                isinstance(exc_type, type)
                and issubclass(exc_type, GeneratorExit)
                and self._abandon(tokens)
            ):
                return
            where, _ = self._position()
            if where == _BELOW:
                raise ScopeError(
                    "scope exited out of order: a scope entered inside it is still active; "
                    "scopes must exit in reverse order of entry"
                )
            raise ScopeError("scope exited but it is not active in this thread or task")
        overrides = dict(self._storage.overrides(top))
        self._storage.exit(top)
        with self._lock:
            del self._active[index]
        object.__setattr__(self, "_overrides", overrides)

    def _abandon(self, tokens: list[object]) -> bool:
        """A generator holding this scope is closed or collected while a later scope is
        active: the scope exits as soon as the scopes inside it have exited."""
        with self._lock:
            if not self._active:
                return False
            index = next(
                (i for i in range(len(self._active) - 1, -1, -1)
                 if any(self._active[i] is t for t in tokens)),
                len(self._active) - 1,
            )  # fmt: skip
            token = self._active.pop(index)
        self._storage.abandon(token)
        return True

    def __repr__(self) -> str:
        view = self._visible()
        shown = [f"{k!r}: {v!r}" for k, v in list(view.items())[:20]]
        if len(view) > 20:
            shown.append(f"... ({len(view)} keys in all)")
        body = ", ".join(shown)
        if self._global:
            return f"hp.scope({{{body}}})"
        return f"Scope({{{body}}})" if self._inherit else f"Scope.empty({{{body}}})"

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        return (_scope_from_dict, (self._pickled_view(),))

    def _pickled_view(self) -> dict[str, Any]:
        """The view visible from this scope where it stands, or, where it is not active,
        the view where it was built or last entered with its overrides over it (never the
        view of the thread that pickles it: pools pickle in helper threads)."""
        where, _ = self._position()
        if self._global or where != _OUTSIDE:
            return self._visible()
        view: dict[str, Any] = {}
        if self._inherit:
            origin = self._origin
            view = (
                self._storage.snapshot_of(origin)
                if origin is not None
                else self._storage.snapshot()
            )
        view.update(self._overrides)
        return dict(sorted(view.items()))


def _read(owner: _PyScope, key: str, default: tuple[Any, ...]) -> Any:
    value = _suggest.evaluated(key, owner._lookup(key))
    if not default:
        if value is MISSING:
            raise MissingKeyError(key=key)
        _note(owner, key, value)
        return value
    if len(default) > 1:
        raise TypeError(f"a read takes at most one default, got {len(default)} arguments")
    if value is MISSING:
        note_python_read(key, default[0], "default", True)
        return default[0]
    target = target_for_default(default[0])
    if target is None:
        _note(owner, key, value)
        return value
    try:
        converted = convert_value(value, target, key, _SOURCE)
    except ConversionError:
        # Only a failed read looks up where the value was set, and converts again to say so.
        pass
    else:
        _note(owner, key, converted)
        return converted
    return convert_value(value, target, key, describe_site(owner._source(key)))


def _note(owner: _PyScope, key: str, value: Any) -> None:
    """Records a read of a present key in the operative config, with its source."""
    note_python_read(key, value, describe_site(owner._source(key)), False)


class _PyAccessor:
    """``hp.scope.<key>`` on a Python storage backend (see the native ``Accessor``)."""

    __slots__ = ("_hp_key", "_hp_owner")

    def __init__(self, owner: _PyScope, key: str) -> None:
        object.__setattr__(self, "_hp_owner", owner)
        object.__setattr__(self, "_hp_key", key)

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            return object.__getattribute__(self, name)
        key = f"{object.__getattribute__(self, '_hp_key')}.{name}"
        validate_key(key)
        return _PyAccessor(object.__getattribute__(self, "_hp_owner"), key)

    def __setattr__(self, name: str, value: Any) -> None:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(f"accessors are immutable; `{name}` cannot be set")
        owner, key = _parts(self)
        owner._write(f"{key}.{name}", value)

    def __getitem__(self, key: str) -> _PyAccessor:
        owner, prefix = _parts(self)
        validate_key(key)
        full = f"{prefix}.{key}"
        validate_key(full)
        return _PyAccessor(owner, full)

    def __setitem__(self, key: str, value: Any) -> None:
        owner, prefix = _parts(self)
        validate_key(key)
        owner._write(f"{prefix}.{key}", value)

    def __or__(self, default: Any) -> Any:
        owner, key = _parts(self)
        return _read(owner, key, (default,))

    def __call__(self, *default: Any) -> Any:
        owner, key = _parts(self)
        return _read(owner, key, default)

    def __bool__(self) -> bool:
        owner, key = _parts(self)
        value = _suggest.evaluated(key, owner._lookup(key))
        return value is not MISSING and bool(value)

    def __repr__(self) -> str:
        owner, key = _parts(self)
        value = _suggest.evaluated(key, owner._lookup(key))
        if value is MISSING:
            return f"<hp.scope.{key} (missing)>"
        return f"<hp.scope.{key} = {value!r}>"


def _parts(accessor: _PyAccessor) -> tuple[_PyScope, str]:
    get = object.__getattribute__
    return get(accessor, "_hp_owner"), get(accessor, "_hp_key")


def _scope_from_dict(view: dict[str, Any]) -> Any:
    """Rebuilds a pickled scope with the backend in use."""
    import hyperparameter

    return hyperparameter.scope(view)


def make_global(storage: Storage) -> _PyScope:
    """A ``hp.scope`` object for ``storage``."""
    return _PyScope(storage, {}, True, global_=True)


# How deep a value given to `hp.scope` may nest (the name a test compares with the core's).
_MAX_DEPTH = MAX_DEPTH

# The `hp.scope` object in use: the native one, or one on a Python storage.
_root: Any = _backend.native.scope if _backend.name == "native" else make_global(PythonStorage())


def set_root(root: Any) -> None:
    """Records the ``hp.scope`` object in use (for ``@hp.param`` on Python backends)."""
    global _root
    _root = root


def root() -> Any:
    """The ``hp.scope`` object in use."""
    return _root


def install_snapshot(values: dict[str, Any]) -> None:
    """Makes ``values`` (dotted keys → values a parent process froze) the global snapshot
    of the backend in use. An invalid key is a :class:`~hyperparameter.KeyFormatError`."""
    if _backend.name == "native":
        _backend.native.install_snapshot(values, VARIABLE)
        return
    storage = getattr(_root, "_storage", None)
    if isinstance(storage, PythonStorage):
        for key in values:
            validate_key(key)
        storage.install_frozen(values, f"environment variable {VARIABLE}")


def restart_thread() -> None:
    """Starts this thread afresh from the global snapshot of the backend in use, leaving
    the scopes it had active behind (for a child process forked by ``multiprocessing``)."""
    if _backend.name == "native":
        _backend.native.restart_thread()
        return
    storage = getattr(_root, "_storage", None)
    if isinstance(storage, PythonStorage):
        storage.restart_thread()


def _on_switch(storage: Storage | None) -> None:
    _suggest.register(_backend.native)
    set_root(_backend.native.scope if storage is None else make_global(storage))
    if storage is not None:
        # A new storage starts empty: give it the snapshot the process started from (or
        # last froze), as the import gave the first backend.
        adopt(install_snapshot, restart_thread)


_suggest.register(_backend.native)
_backend.subscribe(_on_switch)
