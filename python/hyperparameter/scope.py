"""``hp.scope`` on a Python :class:`~hyperparameter.storage.Storage` backend.

With the native backend ``hp.scope`` is ``hyperparameter._native.scope`` and these classes
are not used. With the pure-Python backend (or a user's storage) they implement the same
rules on top of the :class:`~hyperparameter.storage.Storage` interface, so both pass the
same test suite. See ``docs/scopes.md`` for the rules themselves.
"""

from __future__ import annotations

from hyperparameter._convert import convert_value, target_for_default
from hyperparameter.errors import (
    DefineError,
    HyperparameterError,
    KeyFormatError,
    MissingKeyError,
    ScopeError,
)
from hyperparameter.storage import MISSING, Storage

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

__all__ = ["RESERVED_NAMES", "make_global", "set_root", "validate_key"]

RESERVED_NAMES = (
    "keys", "items", "values", "to_dict", "clear", "empty", "frozen", "init", "current",
    "update", "get", "put",
)  # fmt: skip

_SOURCE = "unknown source"
_FORBIDDEN = frozenset(".=${}")


def validate_key(key: str) -> None:
    """Raises :class:`KeyFormatError` when ``key`` breaks the key rules (SPEC §1)."""
    if not isinstance(key, str):
        raise KeyFormatError(f"invalid key {key!r}: keys are str")
    if not key:
        raise KeyFormatError("invalid key '': a key cannot be empty")
    for segment in key.split("."):
        if not segment:
            raise KeyFormatError(
                f"invalid key {key!r}: empty segment (two dots, or a leading or trailing dot)"
            )
        for char in segment:
            if char in _FORBIDDEN or char.isspace() or not char.isprintable():
                raise KeyFormatError(f"invalid key {key!r}: segment {segment!r} contains {char!r}")


def _is_index_segment(name: str) -> bool:
    return len(name) > 1 and name[0] == "_" and name[1:].isascii() and name[1:].isdigit()


def _is_attribute(name: str) -> bool:
    return name in RESERVED_NAMES or (name.startswith("_") and not _is_index_segment(name))


def _add_flattened(out: dict[str, Any], key: str, value: Any) -> None:
    from collections.abc import Mapping

    if isinstance(value, Mapping) and value:
        for sub_key, sub_value in value.items():
            if not isinstance(sub_key, str):
                raise TypeError(
                    f"keys of nested mappings must be str, got {sub_key!r} under `{key}`"
                )
            _add_flattened(out, f"{key}.{sub_key}", sub_value)
        return
    validate_key(key)
    out[key] = value


def _collect(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    from collections.abc import Mapping

    out: dict[str, Any] = {}
    for arg in args:
        if isinstance(arg, str):
            key, sep, value = arg.partition("=")
            if not sep:
                raise DefineError(
                    f"invalid definition {arg!r}: no `=` in the item "
                    "(expected key=value, e.g. train.lr=0.01)"
                )
            try:
                validate_key(key.strip())
            except KeyFormatError as err:
                raise DefineError(f"invalid definition {arg!r}: {err}") from None
            out[key.strip()] = value
        elif isinstance(arg, _PyScope):
            out.update(arg.to_dict())
        elif hasattr(arg, "__hp_config__"):  # a hp.Config: dotted keys, lists as lists
            out.update(arg.to_dict(nested=False))
        elif isinstance(arg, Mapping):
            for key, value in arg.items():
                _add_flattened(out, key, value)
        else:
            raise TypeError(
                "hp.scope() takes `key=value` strings, mappings or scopes as positional "
                f"arguments, got {type(arg).__name__}"
            )
    for key, value in kwargs.items():
        _add_flattened(out, key, value)
    return out


_INNERMOST, _BELOW, _OUTSIDE = 0, 1, 2


class _PyScope:
    """``hp.scope`` (``global_=True``) or a scope object, on a Python storage backend."""

    __slots__ = ("_active", "_global", "_inherit", "_lock", "_overrides", "_storage")
    _active: list[object]
    _global: bool
    _inherit: bool
    _lock: Any
    _overrides: dict[str, Any]
    _storage: Storage

    def __init__(
        self, storage: Storage, overrides: dict[str, Any], inherit: bool, global_: bool = False
    ) -> None:
        set_slot = object.__setattr__
        set_slot(self, "_storage", storage)
        set_slot(self, "_overrides", overrides)
        set_slot(self, "_inherit", inherit)
        set_slot(self, "_global", global_)
        set_slot(self, "_active", [])
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

    def _write(self, key: str, value: Any) -> None:
        entries: dict[str, Any] = {}
        _add_flattened(entries, key, value)
        self._write_all(entries)

    def _write_all(self, entries: dict[str, Any]) -> None:
        where, _ = self._position()
        if where == _BELOW:
            raise ScopeError(
                f"cannot write `{next(iter(entries), '')}` through this scope while another "
                "scope is active inside it; write to the innermost scope instead"
            )
        for key in sorted(entries):
            if where == _INNERMOST:
                self._storage.put(key, entries[key])
            if not self._global:
                self._overrides[key] = entries[key]

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
        if _is_attribute(name):
            raise AttributeError(name)
        validate_key(name)
        return _PyAccessor(self, name)

    def __setattr__(self, name: str, value: Any) -> None:
        if _is_attribute(name):
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
        return _PyScope(self._storage, _collect(args, kwargs), True)

    def empty(self, *args: Any, **kwargs: Any) -> _PyScope:
        return _PyScope(self._storage, _collect(args, kwargs), False)

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
                        f"cannot nest `{key}`: `{segment}` holds a value and is also a prefix"
                    )
                node = child
            if last in node:
                raise HyperparameterError(
                    f"cannot nest `{key}`: it holds a value and is also a prefix"
                )
            node[last] = value
        return root

    def get(self, key: str, *default: Any) -> Any:
        validate_key(key)
        return _read(self, key, default)

    def put(self, key: str, value: Any) -> None:
        self._write(key, value)

    def update(self, *args: Any, **kwargs: Any) -> None:
        self._write_all(_collect(args, kwargs))

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

    def init(self, params: Any) -> None:
        self._storage.init(_collect((params,), {}))

    def __enter__(self) -> _PyScope:
        if self._global:
            raise TypeError("enter a new scope with `with hp.scope(...):`, not `with hp.scope:`")
        token = self._storage.enter(dict(self._overrides), self._inherit)
        with self._lock:
            self._active.append(token)
        return self

    def __exit__(self, *exc: object) -> None:
        tokens = self._storage.active()
        top = tokens[-1] if tokens else None
        with self._lock:
            index = next((i for i, t in enumerate(self._active) if t is top), None)
        if index is None:
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
        return (_scope_from_dict, (self.to_dict(),))


def _read(owner: _PyScope, key: str, default: tuple[Any, ...]) -> Any:
    value = owner._lookup(key)
    if not default:
        if value is MISSING:
            raise MissingKeyError(
                f"missing parameter `{key}`: no scope sets it and no default was given"
            )
        return value
    if len(default) > 1:
        raise TypeError(f"a read takes at most one default, got {len(default)} arguments")
    if value is MISSING:
        return default[0]
    return convert_value(value, target_for_default(default[0]), key, _SOURCE)


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
        full = f"{prefix}.{key}"
        validate_key(full)
        return _PyAccessor(owner, full)

    def __setitem__(self, key: str, value: Any) -> None:
        owner, prefix = _parts(self)
        owner._write(f"{prefix}.{key}", value)

    def __or__(self, default: Any) -> Any:
        owner, key = _parts(self)
        return _read(owner, key, (default,))

    def __call__(self, *default: Any) -> Any:
        owner, key = _parts(self)
        return _read(owner, key, default)

    def __bool__(self) -> bool:
        owner, key = _parts(self)
        value = owner._lookup(key)
        return value is not MISSING and bool(value)

    def __repr__(self) -> str:
        owner, key = _parts(self)
        value = owner._lookup(key)
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


_root: Any = None


def make_global(storage: Storage) -> _PyScope:
    """A ``hp.scope`` object for ``storage``."""
    return _PyScope(storage, {}, True, global_=True)


def set_root(root: Any) -> None:
    """Records the ``hp.scope`` object in use (for ``@hp.param`` on Python backends)."""
    global _root
    _root = root


def root() -> Any:
    """The ``hp.scope`` object in use."""
    return _root
