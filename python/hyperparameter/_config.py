"""Configuration files: ``hp.config(*paths_or_mappings, schema=None)``.

>>> import hyperparameter as hp
>>> cfg = hp.config({"model": {"dim": 32, "name": "net-${model.dim}"}})
>>> cfg["model"]["name"]
'net-32'

Parsing (TOML, JSON, YAML by extension), merging, ``-D`` style overrides and ``${...}``
interpolation run in the Rust core (``hyperparameter._native.load_config``), so Python and
Rust load a file to the same values with the same errors, and no Python TOML or YAML library
is needed. This module wraps the result in :class:`Config`, a read-only nested mapping that
also enters a scope (``with cfg:``), and builds typed objects from it with ``schema=`` (see
``hyperparameter._schema``). The guide is ``docs/config.md``.

The native module does the parsing whichever scope backend is in use
(``HYPERPARAMETER_BACKEND=python`` selects the pure-Python *scope* backend; the module is
still there). Only when it cannot be loaded at all does ``hp.config`` raise ``ImportError``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Mapping

from hyperparameter._rules import TooDeep, flatten_into, plain_copy
from hyperparameter.errors import ConfigError, ScopeError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Iterator
    from typing import Any, Callable, TypeVar, overload

    from hyperparameter._native import ConfigTree

    Source = str | os.PathLike[str] | Mapping[str, Any]
    T = TypeVar("T")
    _MappingBase = Mapping[str, Any]
else:
    # `typing` costs milliseconds to import and nothing here needs it at run time; the
    # checker sees the subscripted base above.
    _MappingBase = Mapping

__all__ = ["Config", "ConfigError", "clear_resolver", "config", "load", "register_resolver"]


class Config(_MappingBase):
    """A loaded configuration: a read-only nested mapping of the resolved values.

    ``cfg["model"]`` is a ``Config`` too (a view of that table), lists come back as tuples,
    so nothing in it can be changed; :meth:`to_dict` gives a plain, mutable copy. It
    compares equal to a ``dict`` holding the same data (lists as lists).

    ``with cfg:`` enters a scope holding the values flattened to dotted keys (as
    ``with hp.scope(cfg):`` does), and :meth:`origin` tells where a value was written.
    Build one with :func:`config` (``hp.config``).
    """

    __slots__ = ("_data", "_prefix", "_tree")
    _data: dict[str, Any]
    _prefix: str
    _tree: ConfigTree

    def __init__(self, data: dict[str, Any], tree: ConfigTree, prefix: str = "") -> None:
        self._data = data
        self._tree = tree
        self._prefix = prefix

    def _path(self, key: str) -> str:
        return f"{self._prefix}.{key}" if self._prefix else key

    # -- the mapping protocol -------------------------------------------------------------
    def __getitem__(self, key: str) -> Any:
        return _frozen(self._data[key], self._tree, self._path(key))

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Config):
            return self._data == other._data
        if isinstance(other, dict):
            return self._data == other
        if isinstance(other, Mapping):
            # A mapping nested deeper than any configuration (or containing itself) is not
            # equal to one, and is not walked further.
            try:
                plain = plain_copy(other)
            except TooDeep:
                return False
            return bool(self._data == plain)
        return NotImplemented

    def __repr__(self) -> str:
        return f"Config({self._data!r})"

    # -- beyond the mapping -----------------------------------------------------------------
    def to_dict(self, nested: bool = True) -> dict[str, Any]:
        """A plain copy: nested dicts and lists, or with ``nested=False`` one dict with
        dotted keys (tables walked; lists and empty tables are values), as a scope holds
        them."""
        if nested:
            copy: dict[str, Any] = plain_copy(self._data)
            return copy
        flat: dict[str, Any] = {}
        for key, value in self._data.items():
            flatten_into(flat, key, plain_copy(value))
        return flat

    def origin(self, key: str) -> str | None:
        """Where the value at the dotted ``key`` (relative to this table; numbers index
        lists) was written: ``"file:line:col"``, the name alone for a value from an
        in-memory mapping (``"<mapping>"``), ``"-D item"`` for an override; ``None`` when
        the key is absent."""
        return self._tree.origin(self._path(key))

    def __hp_config__(self) -> tuple[ConfigTree, str]:
        """The native tree and the dotted path of this view: how ``hp.scope(cfg)`` reads a
        configuration with the file and line of every value."""
        return self._tree, self._prefix

    def __reduce__(self) -> tuple[Any, tuple[dict[str, Any]]]:
        # The values travel as a mapping with `${` escaped, so they load back as they are;
        # origins do not travel (they become "<mapping>").
        return (_unpickle, (_escaped(self._data),))

    # -- a context manager that enters a scope ----------------------------------------------
    def __enter__(self) -> Config:
        import hyperparameter

        scope = hyperparameter.scope(self)
        scope.__enter__()
        _entered.set((*_entered.get(), (self, scope)))
        return self

    def __exit__(self, *exc: object) -> None:
        stack = _entered.get()
        for index in range(len(stack) - 1, -1, -1):
            config, scope = stack[index]
            if config is self:
                scope.__exit__(*exc)
                _entered.set(stack[:index] + stack[index + 1 :])
                return
        raise ScopeError("this configuration is not entered in this thread or task")


# The scopes entered by `with cfg:`, per thread and asyncio task (a task starts with the
# ones active where it was created, like the scopes themselves).
_entered: contextvars.ContextVar[tuple[tuple[Config, Any], ...]] = contextvars.ContextVar(
    "hyperparameter.config_entered", default=()
)


def _frozen(value: Any, tree: ConfigTree, path: str) -> Any:
    """The read-only form of a value: tables as ``Config`` views, lists as tuples."""
    kind = type(value)
    if kind is dict:
        return Config(value, tree, path)
    if kind is list:
        return tuple(_frozen(item, tree, f"{path}.{index}") for index, item in enumerate(value))
    return value


def _escaped(value: Any) -> Any:
    """A plain copy in which every text reads back as itself (``${`` written ``$${``)."""
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {key: _escaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    return value


def _unpickle(data: dict[str, Any]) -> Config:
    loaded: Config = config(data)
    return loaded


def _native_module() -> Any:
    try:
        from hyperparameter import _native
    except ImportError as err:
        raise ImportError(
            "hp.config and hp.compose parse files in the native module "
            f"hyperparameter._native, which could not be loaded ({err}); reinstall the "
            "package for this platform"
        ) from err
    return _native


if TYPE_CHECKING:

    @overload
    def config(
        *sources: Source,
        schema: None = None,
        allow_unknown: bool = False,
        overrides: Iterable[str] = (),
    ) -> Config: ...
    @overload
    def config(
        *sources: Source,
        schema: type[T],
        allow_unknown: bool = False,
        overrides: Iterable[str] = (),
    ) -> T: ...
    @overload
    def config(
        *sources: Source,
        schema: object,
        allow_unknown: bool = False,
        overrides: Iterable[str] = (),
    ) -> Any: ...


def config(
    *sources: Source,
    schema: object = None,
    allow_unknown: bool = False,
    overrides: Iterable[str] = (),
) -> Any:
    """Loads and merges configuration files and mappings, in order.

    * ``sources``: paths (format by extension: ``.toml``, ``.json``, ``.yaml``/``.yml``)
      and mappings (dotted keys nest). Tables merge deeply, a later source wins, lists are
      replaced, not appended.
    * ``overrides``: ``key=value`` items (as ``-D`` on a command line) merged into the
      result *before* interpolation, values as text, so ``${model.dim}`` sees
      ``model.dim=64``.
    * ``${a.b}`` is another key of the merged result, ``${env:NAME}`` and
      ``${env:NAME,default}`` read the environment; ``$${`` is a literal ``${``.
    * ``schema``: a dataclass or typed class (or any type form, such as
      ``dict[str, int]``) to build from the values, converting them as typed reads do;
      every mismatch is reported at once. Keys the schema does not declare are
      an error unless ``allow_unknown=True``.

    Returns a :class:`Config`, or the schema instance with ``schema=``. Raises
    :class:`~hyperparameter.ConfigError` (``file:line:col: message``) for files that do not
    parse, bad references and schema mismatches, and
    :class:`~hyperparameter.DefineError` for a malformed override.
    """
    if isinstance(overrides, str):
        overrides = (overrides,)
    tree = _native_module().load_config(sources, list(overrides))
    loaded = Config(tree.to_python(), tree)
    if schema is None:
        if allow_unknown:
            raise TypeError("allow_unknown=True applies to schema=; no schema was given")
        return loaded
    from hyperparameter._schema import build

    return build(schema, loaded, allow_unknown=allow_unknown)


load = config
"""The older name: ``hyperparameter.loader.load(path, schema=AppConfig)``."""


def register_resolver(name: str, function: Callable[..., Any], *, replace: bool = False) -> None:
    """Makes ``${name:arguments}`` in configuration files call ``function``.

    ``${add:1,2.5}`` calls ``function(1, 2.5)`` when the configuration is loaded: arguments
    are separated by commas and typed as override values are (numbers, ``true``/``false``,
    ``null``, ``'quoted text'``, ``[lists]``; any other word is text). What the function
    returns (a number, text, bool, ``None``, a list or a dict) is the value; an exception
    becomes a :class:`~hyperparameter.ConfigError` at the reference's file and line.

    ``name`` is identifiers joined by dots (``add``, ``my.sum``); the built-in ``env``,
    ``oc.env``, ``now`` and ``hydra`` cannot be taken, and a name registered already needs
    ``replace=True``. Rust code in the same process that loads a file sees it too.
    """
    _native_module().register_resolver(name, function, replace)


def clear_resolver(name: str) -> bool:
    """Removes the resolver ``name`` (see :func:`register_resolver`); whether there was one."""
    removed: bool = _native_module().clear_resolver(name)
    return removed
