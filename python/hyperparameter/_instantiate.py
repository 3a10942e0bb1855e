"""Building objects from configuration nodes: ``hp.instantiate(node, *args, **kwargs)``.

A node holding ``_target_`` (a dotted name such as ``torch.optim.SGD``, or a callable) is
built by calling the target with the node's other keys as keyword arguments, as Hydra's
``instantiate`` does, with the same special keys:

* ``_args_``: positional arguments (replaced by the positional ``args`` of the call);
* ``_partial_: true``: a ``functools.partial`` of the target instead of a call;
* ``_recursive_: false``: nested nodes are passed as data instead of being built first;
* ``_convert_``: how maps and lists reach the target: ``none`` (the default) as the
  read-only views a :class:`~hyperparameter.Config` gives (``Config`` and tuples) when
  nothing in them was built, ``partial``, ``object`` and ``all`` as plain dicts and lists.

Keyword arguments of the call are merged into the node first (maps deeply). Every failure
is a :class:`~hyperparameter.ConfigError` naming the node's path and, when the node came
from a file, where it was written (``model.yaml:3:10: ...``). The guide is
``docs/composition.md``.
"""

from __future__ import annotations

from collections.abc import Mapping

from hyperparameter._config import Config, _frozen, config
from hyperparameter._rules import plain_copy
from hyperparameter.errors import ConfigError

# `typing` costs milliseconds to import and is needed by the checker only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from hyperparameter._native import ConfigTree

__all__ = ["instantiate"]

_TARGET = "_target_"
_ARGS = "_args_"
_FLAGS = ("_convert_", "_recursive_", "_partial_")
_MODES = ("none", "partial", "object", "all")
_MISSING = "???"


class _Given:
    """A value passed to ``instantiate`` as a keyword argument: it was not written in a
    configuration, so it has no place to report."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


class _Where:
    """The dotted path of a value and the tree that knows where it was written (``None``
    for a value given in the call)."""

    __slots__ = ("path", "tree")

    def __init__(self, path: str, tree: ConfigTree | None) -> None:
        self.path = path
        self.tree = tree

    def child(self, key: str | int) -> _Where:
        """The place of the value at ``key`` below this one."""
        return _Where(f"{self.path}.{key}" if self.path else str(key), self.tree)

    def error(self, message: str, key: str | None = None) -> ConfigError:
        """A ``ConfigError`` naming this path, located where ``key`` of this node (or the
        node itself) was written."""
        name = f"`{self.path}`" if self.path else "the configuration"
        text = f"cannot instantiate {name}: {message}"
        if self.tree is not None:
            for path in (self.child(key).path if key is not None else None, self.path):
                located = None if path is None else self.tree.error_at(path, text)
                if located is not None:
                    return located
        return ConfigError(text)


def instantiate(node: Any, /, *args: Any, **kwargs: Any) -> Any:
    """Builds the object a configuration node describes, as Hydra's ``instantiate`` does.

    ``node`` is a :class:`~hyperparameter.Config` (or a view of one, ``cfg["model"]``), a
    mapping or a list of nodes; a plain mapping is loaded as ``hp.config(node)`` would
    load it, so ``${...}`` in it resolves. ``args`` replace the node's ``_args_``;
    ``kwargs`` are merged into the node (maps deeply) before it is built. Nested nodes
    holding ``_target_`` are built first, depth first, unless ``_recursive_`` is false.
    ``None`` gives ``None``.

    Raises :class:`~hyperparameter.ConfigError` for a target that cannot be imported or
    called, arguments the target does not take or that it refuses, and bad special keys;
    the message names the node's path and where it was written.
    """
    if node is None:
        return None
    if isinstance(node, (list, tuple)):
        if args or kwargs:
            raise TypeError("hp.instantiate() of a list takes no other arguments")
        return [_top(item, (), {}) if isinstance(item, Mapping) else item for item in node]
    return _top(node, args, kwargs)


def _top(node: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """The top of an instantiation: the node located, the call's arguments merged in and
    its flags taken out, as defaults for the nodes below."""
    if isinstance(node, Config):
        data, where = node._data, _Where(node._prefix, node._tree)
    elif isinstance(node, Mapping):
        loaded = config(node)
        data, where = loaded._data, _Where("", loaded._tree)
    else:
        raise TypeError(
            "hp.instantiate() takes a Config, a mapping or a list of them, "
            f"got {type(node).__name__}"
        )
    if kwargs:
        data = _merged(data, kwargs)
    flags = {key: data[key] for key in _FLAGS if key in data}
    data = {key: value for key, value in data.items() if key not in _FLAGS}
    mode, recursive, partial = _flags(flags, where, ("none", True, False))
    return _build_map(data, where, args, mode, recursive, partial)


def _merged(data: dict[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """``data`` with the call's keyword arguments merged in: maps deeply, anything else
    replaced."""
    out = dict(data)
    for key, value in given.items():
        mine = out.get(key)
        if isinstance(mine, dict) and isinstance(value, Mapping) and not isinstance(value, Config):
            out[key] = _merged(mine, value)
        else:
            out[key] = _Given(value)
    return out


def _flags(
    node: Mapping[str, Any], where: _Where, inherited: tuple[str, bool, bool]
) -> tuple[str, bool, bool]:
    """The node's ``_convert_``, ``_recursive_`` and ``_partial_``, checked."""
    mode, recursive, partial = inherited
    if "_convert_" in node:
        value = _unwrap(node["_convert_"])
        if not isinstance(value, str) or value.lower() not in _MODES:
            raise where.error(
                f"`_convert_` must be one of {', '.join(_MODES)}, not {value!r}", "_convert_"
            )
        mode = value.lower()
    for key in ("_recursive_", "_partial_"):
        if key in node:
            value = _unwrap(node[key])
            if not isinstance(value, bool):
                raise where.error(f"`{key}` must be true or false, not {value!r}", key)
            if key == "_recursive_":
                recursive = value
            else:
                partial = value
    return mode, recursive, partial


def _unwrap(value: Any) -> Any:
    return value.value if isinstance(value, _Given) else value


def _build(value: Any, where: _Where, mode: str, recursive: bool) -> Any:
    """A value below a node, built: nested targets called, containers converted."""
    if isinstance(value, _Given):
        value, where = value.value, _Where(where.path, None)
    if isinstance(value, Config):
        value, where = value._data, _Where(value._prefix, value._tree)
    if isinstance(value, Mapping):
        mode, recursive, partial = _flags(value, where, (mode, recursive, False))
        return _build_map(value, where, (), mode, recursive, partial)
    if isinstance(value, (list, tuple)):
        if mode == "none" and not _holds_target(value):
            return _frozen_at(value, where)
        return [
            _build(item, where.child(index), mode, recursive) for index, item in enumerate(value)
        ]
    return value


def _build_map(
    node: Mapping[str, Any],
    where: _Where,
    args: tuple[Any, ...],
    mode: str,
    recursive: bool,
    partial: bool,
) -> Any:
    """A map: the target's result when it holds ``_target_``, else the map converted."""
    if _TARGET not in node:
        if mode == "none" and not _holds_target(node):
            return _frozen_at(node, where)
        return {
            key: _build(value, where.child(key), mode, recursive) for key, value in node.items()
        }
    target = _resolve_target(_unwrap(node[_TARGET]), where)
    kwargs: dict[str, Any] = {}
    for key, value in node.items():
        if key == _TARGET or key in _FLAGS:
            continue
        missing = isinstance(_unwrap(value), str) and _unwrap(value) == _MISSING
        if missing and partial:
            continue
        if missing:
            raise where.error(f"`{key}` has no value (`???`) to pass to the target", key)
        if recursive:
            kwargs[key] = _build(value, where.child(key), mode, recursive)
        else:
            kwargs[key] = _as_data(value, where.child(key), mode)
    positional = kwargs.pop(_ARGS, ())
    if not isinstance(positional, (list, tuple)):
        raise where.error(f"`_args_` must be a list, not {type(positional).__name__}", _ARGS)
    if args:
        positional = args
    return _call(target, tuple(positional), kwargs, partial, where, node)


def _as_data(value: Any, where: _Where, mode: str) -> Any:
    """A value passed as it is written (``_recursive_: false``), converted by ``mode``."""
    if isinstance(value, _Given):
        return value.value
    if isinstance(value, Config):
        value, where = value._data, _Where(value._prefix, value._tree)
    if isinstance(value, (Mapping, list, tuple)):
        return _frozen_at(value, where) if mode == "none" else plain_copy(value)
    return value


def _frozen_at(value: Any, where: _Where) -> Any:
    """Data as a configuration shows it: maps as ``Config`` views (with their origins when
    written in one), lists as tuples."""
    if where.tree is None:
        return value
    return _frozen(value, where.tree, where.path)


def _holds_target(value: Any) -> bool:
    """Whether a map or list holds a node to build (or a value given in the call)."""
    if isinstance(value, _Given):
        return True
    if isinstance(value, Mapping):
        return _TARGET in value or any(_holds_target(item) for item in value.values())
    if isinstance(value, (list, tuple)):
        return any(_holds_target(item) for item in value)
    return False


def _resolve_target(target: Any, where: _Where) -> Any:
    """The callable a ``_target_`` names."""
    if isinstance(target, str):
        target = _locate(target, where)
    if not callable(target):
        raise where.error(f"the target {target!r} is not callable", _TARGET)
    return target


def _locate(name: str, where: _Where) -> Any:
    """The object at the dotted ``name``: the longest importable module, then attributes."""
    import importlib

    parts = name.split(".")
    if not all(part.isidentifier() for part in parts):
        raise where.error(
            f"the target `{name}` is not a dotted name such as `package.Class`", _TARGET
        )
    for end in range(len(parts), 0, -1):
        module_name = ".".join(parts[:end])
        try:
            found: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name is not None and (module_name + ".").startswith(err.name + "."):
                continue
            raise where.error(
                f"importing `{module_name}` for `{name}` failed: {err}", _TARGET
            ) from err
        except Exception as err:
            raise where.error(
                f"importing `{module_name}` for `{name}` failed: {err!r}", _TARGET
            ) from err
        for index in range(end, len(parts)):
            try:
                found = getattr(found, parts[index])
            except AttributeError:
                owner = ".".join(parts[:index])
                raise where.error(
                    f"cannot find the target `{name}`: `{owner}` has no attribute `{parts[index]}`",
                    _TARGET,
                ) from None
        return found
    raise where.error(f"cannot find the target `{name}`: there is no module `{parts[0]}`", _TARGET)


def _call(
    target: Any,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    partial: bool,
    where: _Where,
    node: Mapping[str, Any],
) -> Any:
    """Calls the target (or makes a partial of it); a refused argument is reported where
    the node was written, an unknown keyword where that key was."""
    # Imported here: `inspect` alone costs milliseconds at `import hyperparameter`.
    import functools
    import inspect

    name = getattr(target, "__qualname__", repr(target))
    module = getattr(target, "__module__", None)
    shown = f"{module}.{name}" if module else name
    try:
        signature = inspect.signature(target)
    except (TypeError, ValueError):
        signature = None
    if signature is not None:
        try:
            bind = signature.bind_partial if partial else signature.bind
            bind(*args, **kwargs)
        except TypeError as err:
            takes_any = any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values())
            unknown = [] if takes_any else [k for k in kwargs if k not in signature.parameters]
            if unknown:
                # A keyword given in the call has no place in a file to point at.
                written = not isinstance(node.get(unknown[0]), _Given)
                raise where.error(
                    f"`{shown}` takes no argument `{unknown[0]}`", unknown[0] if written else None
                ) from err
            raise where.error(f"bad arguments for `{shown}`: {err}") from err
    if partial:
        return functools.partial(target, *args, **kwargs)
    try:
        return target(*args, **kwargs)
    except Exception as err:
        raise where.error(f"`{shown}` raised {type(err).__name__}: {err}") from err
