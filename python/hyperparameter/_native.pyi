"""Type stubs of the native module (crates/hyperparameter-py)."""

import os
from typing import Any, Callable, Iterable, Iterator, Mapping, TypedDict, TypeVar, final, overload

from hyperparameter.errors import ConfigError

_T = TypeVar("_T")

__all__ = [
    "MAX_DEPTH",
    "RESERVED_NAMES",
    "Accessor",
    "ConfigTree",
    "FrameHandle",
    "LayeredRun",
    "ParamSpec",
    "Scope",
    "__version__",
    "_scope_from_dict",
    "begin_collecting",
    "clear_report",
    "clear_resolver",
    "compose",
    "convert_structured",
    "end_collecting",
    "install_snapshot",
    "key_hash",
    "layer_run",
    "load_config",
    "native_call_with",
    "native_read",
    "parse_define",
    "parse_sweep",
    "recording",
    "register_resolver",
    "render_config",
    "report_entries",
    "restart_thread",
    "scope",
    "set_recording",
    "set_run_info",
    "set_suggester_type",
    "sweep_values",
    "validate_key",
]

MAX_DEPTH: int
__version__: str
RESERVED_NAMES: list[str]
scope: Scope

@final
class Accessor:
    """``hp.scope.<key>``: read with ``| default``, ``(default)`` or ``()``."""

    def __new__(cls, scope: Scope, key: str) -> Accessor:
        """The accessor of ``key`` read through ``scope``.

        Raises ``KeyFormatError`` for an invalid key, ``TypeError`` for a non-str."""
    def __getattribute__(self, name: str, /) -> Accessor:
        """The accessor of ``<key>.<name>``; raises ``KeyFormatError`` for a bad segment."""
    def __getattr__(self, name: str, /) -> Accessor:
        """The accessor of ``<key>.<name>``."""

    def __setattr__(self, name: str, value: object, /) -> None:
        """Writes ``value`` under ``<key>.<name>`` in the innermost active scope.

        Raises ``KeyFormatError`` for a bad segment, ``ScopeError`` when another scope is
        active inside the one written."""

    def __getitem__(self, key: str, /) -> Accessor:
        """The accessor of ``<key>.<key argument>`` (any valid dotted key)."""

    def __setitem__(self, key: str, value: object, /) -> None:
        """As ``__setattr__`` for a dotted key."""

    def __or__(self, default: _T, /) -> _T:
        """The value converted to ``default``'s type, or ``default`` when no scope sets the key.

        Raises ``ConversionError`` when the stored value does not convert."""
    def __ror__(self, other: object, /) -> Any:
        """``other | accessor``: the value read with ``other`` as the default."""
    @overload
    def __call__(self) -> Any:
        """The value as stored; raises ``MissingKeyError`` when no scope sets the key."""

    @overload
    def __call__(self, default: _T) -> _T:
        """As ``accessor | default``; raises ``ConversionError`` for a value that does not
        convert."""

    def __bool__(self) -> bool:
        """Refused with ``TypeError``: read the value with ``| default`` or ``()``."""

@final
class Scope:
    """``hp.scope`` or a scope object built by ``hp.scope(...)``."""

    def __new__(cls, *args: str | Mapping[str, Any] | Scope, **kwargs: Any) -> Scope:
        """A scope object holding the overrides: ``key=value`` strings, mappings (nested
        or dotted), other scopes, keyword arguments; later ones win.

        Raises ``DefineError`` for a bad item, ``KeyFormatError`` for a bad key,
        ``KeyCollisionError`` for two keys with one hash, ``TypeError`` for other
        arguments."""
    def __call__(self, *args: str | Mapping[str, Any] | Scope, **kwargs: Any) -> Scope:
        """``hp.scope(...)``: a new scope object layered on the current view, with the
        overrides as ``Scope(...)`` takes them (and raises the same errors)."""
    def empty(self, *args: str | Mapping[str, Any] | Scope, **kwargs: Any) -> Scope:
        """A new scope object that hides every inherited value, holding only the overrides;
        the errors as ``Scope(...)``."""
    def current(self) -> Scope:
        """The innermost active scope of this thread or task (the global scope if none)."""
    def __getattr__(self, name: str, /) -> Accessor:
        """The accessor of key ``name``; raises ``KeyFormatError`` for an invalid key."""

    def __setattr__(self, name: str, value: object, /) -> None:
        """Writes ``value`` under ``name`` (as ``put``)."""

    def __getitem__(self, key: str, /) -> Accessor:
        """The accessor of the dotted ``key``; raises ``KeyFormatError`` for an invalid key."""

    def __setitem__(self, key: str, value: object, /) -> None:
        """Writes ``value`` under the dotted ``key`` (as ``put``)."""

    def __contains__(self, key: str, /) -> bool:
        """Whether the scope's view sets ``key`` (a present ``None`` counts)."""
    def __iter__(self) -> Iterator[str]:
        """The keys of the view, sorted."""
    def keys(self) -> list[str]:
        """The keys of the view, sorted."""
    def values(self) -> list[Any]:
        """The values of the view, in key order."""
    def items(self) -> list[tuple[str, Any]]:
        """The ``(key, value)`` pairs of the view, in key order."""
    def to_dict(self, nested: bool = False) -> dict[str, Any]:
        """The view as a flat dict of dotted keys, or nested dicts with ``nested=True``.

        Raises ``HyperparameterError`` (``key`` set) when a key holds a value and is also
        the prefix of another key, which no nested dict can show."""
    @overload
    def get(self, key: str) -> Any:
        """The value of ``key`` as stored; raises ``MissingKeyError`` when it is not set."""

    @overload
    def get(self, key: str, default: _T) -> _T:
        """The value converted to ``default``'s type, or ``default``; raises
        ``ConversionError`` for a value that does not convert."""
    def put(self, key: str, value: object) -> None:
        """Writes ``value`` under ``key`` into this scope (the global scope: this thread's
        root layer).

        Raises ``KeyFormatError`` for an invalid key, ``KeyCollisionError`` for a hash
        collision, ``ScopeError`` when another scope is active inside this one."""
    def update(self, *args: Mapping[str, Any] | str | Scope, **kwargs: Any) -> None:
        """Writes every override (as ``Scope(...)`` takes them) as ``put`` does, and raises
        what either raises."""
    def clear(self) -> None:
        """Removes this scope's own overrides; raises ``ScopeError`` while another scope is
        active inside it."""
    def frozen(self) -> None:
        """Makes the current view the snapshot new threads and tasks start from, and the
        one child processes started afterwards start from (through the environment)."""
    def init(self, params: Mapping[str, Any] | Scope) -> None:
        """Writes ``params`` into this thread's root layer (as ``update``) and freezes the
        result (as ``frozen``)."""
    def __enter__(self) -> Scope:
        """Activates the scope on this thread or task and returns it; raises ``TypeError``
        for ``with hp.scope:`` (the global scope) and ``ScopeError`` for a scope already
        active."""
    def __exit__(
        self, exc_type: object = None, _exc_value: object = None, _traceback: object = None
    ) -> bool:
        """Leaves the scope, restoring the view before it; returns ``False`` (exceptions
        propagate). Raises ``ScopeError`` when it is not the innermost active scope."""
    def __reduce__(self) -> tuple[Callable[[dict[str, Any]], Scope], tuple[dict[str, Any]]]:
        """Pickles the scope as its view (a dict), rebuilt by ``_scope_from_dict``."""

@final
class ParamSpec:
    """The injectable parameters of one ``@hp.param`` function."""

    def __new__(cls, slots: list[tuple[str, int | None, str, object, object]]) -> ParamSpec:
        """The spec of ``slots``: ``(name, position or None, key, target type or None,
        signature default)`` per parameter.

        Raises ``KeyFormatError`` for an invalid key."""
    def resolve(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments a call gets: those passed, then the scope's values
        converted to each default's type; raises ``ConversionError`` for a value that does
        not convert."""
    def call(self, func: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """``func(*args, **self.resolve(args, kwargs))``."""

@final
class FrameHandle:
    """A scope frame held by a context variable (opaque)."""

def _scope_from_dict(view: dict[str, Any]) -> Scope:
    """A scope object holding ``view`` (the unpickling half of ``Scope.__reduce__``)."""

def install_snapshot(values: dict[str, Any], variable: str) -> None:
    """Makes ``values`` (dotted keys → values) the global snapshot threads starting from now
    on begin with, each recorded as set by the environment variable ``variable`` (what a
    parent process froze). Raises ``KeyFormatError`` for an invalid key."""

def restart_thread() -> None:
    """Starts this thread afresh from the global snapshot, as a new thread would, leaving
    the scopes it had active behind (for a child process forked by ``multiprocessing``)."""

def report_entries() -> list[tuple[str, tuple[Any, str, bool], list[tuple[Any, str, bool]]]]:
    """The operative config: ``(key, (value, source, default_used), later reads)`` for
    every key read so far, sorted by key; the later reads are those that returned something
    else, as ``(value, source, default_used)``."""

def clear_report() -> None:
    """Forgets every read recorded so far, in every thread."""

def begin_collecting() -> None:
    """Starts collecting this thread's reads apart from the report (one trial's, say)."""

def end_collecting() -> list[tuple[str, tuple[Any, str, bool], list[tuple[Any, str, bool]]]]:
    """Ends this thread's innermost collection and returns its reads as
    :func:`report_entries` does."""

def set_recording(on: bool) -> bool:
    """Turns the recording of reads on or off; returns whether it was on."""

def recording() -> bool:
    """Whether reads are being recorded."""

def render_config(
    path: str, items: list[tuple[str, Any, str | None]], header: str | None = ...
) -> str:
    """``(key, value, comment)`` items as a config file of ``path``'s format (TOML, YAML or
    JSON by extension), nested by the keys' segments, comments above the values and
    ``header`` (the saved report's header when ``None``) at the top where the format has
    comments.

    Raises ``ConfigError`` for an unknown extension and ``ConversionError`` for a value the
    format cannot hold."""

def key_hash(key: str) -> int:
    """The 64-bit hash of ``key`` (xxh64 of its UTF-8 bytes, seed 42), as every language
    computes it. Raises ``TypeError`` for a non-str."""

def validate_key(key: str) -> None:
    """Checks ``key`` against the key rules.

    Raises ``KeyFormatError`` when it breaks them (a lone surrogate included) and
    ``TypeError`` when it is not a str."""

def parse_define(item: str) -> tuple[str, str]:
    """Parses one ``key=value`` item: split at the first ``=``, the key trimmed of
    surrounding whitespace and validated, the value the text after the ``=``.

    Returns ``(key, value)``. Raises ``DefineError`` for an item without ``=``, with an
    invalid key or holding a lone surrogate, and ``TypeError`` for a non-str."""

def native_read(key: str) -> Any:
    """Reads ``key`` through the C ABI as C and C++ code would (a test hook); returns
    ``None`` when it is not set. Raises ``KeyFormatError`` for an invalid key."""

def native_call_with(overrides: Mapping[str, Any], callback: Callable[[], _T]) -> _T:
    """Calls ``callback`` inside a scope entered through the C ABI with ``overrides`` and
    returns its result (a test hook). Raises ``KeyFormatError`` for an invalid key."""

def set_suggester_type(suggester: type) -> None:
    """Registers the class whose instances are suggesters: a read of one calls it (with no
    arguments) and reads its result. Only the first registration counts."""

class _SweepDescription(TypedDict, total=False):
    """A sweep value described for the tuner: ``kind`` is ``"value"``, ``"choice"``,
    ``"range"``, ``"interval"`` or ``"glob"``; the other items depend on it."""

    kind: str
    value: Any
    options: list[Any]
    tags: list[str]
    start: int | float
    last: int | float | None
    step: int | float
    low: int | float
    high: int | float
    integer: bool

def convert_structured(value: Any, spec: tuple[Any, ...]) -> Any:
    """Converts ``value`` to the structured target ``spec`` describes (``("list", ("int",))``,
    ``("tuple", [...])``, ``("map", ...)``, ``("optional", ...)``, ``("choice", [...])``, and
    the leaves ``("bool",)``, ``("int",)``, ``("float",)``, ``("str",)``, ``("any",)``,
    ``("opaque",)``) by the core's table; text is split as a command-line list or mapping.

    Raises ``ValueError`` with the reason when the value does not convert."""

def parse_sweep(text: str) -> _SweepDescription:
    """Parses the value of an override (``interval(0, 1)``, ``a,b,c``, ``range(1, 5)``) by the
    core's grammar and describes it: ``{"kind": "value", "value": v}`` for one value,
    ``{"kind": "choice", "options", "tags"}``, ``{"kind": "range", "start", "last", "step",
    "tags"}`` (``last`` the last value, the stop excluded; ``None`` when empty),
    ``{"kind": "interval", "low", "high", "integer", "tags"}``, ``{"kind": "glob"}``.

    Raises ``ConfigError`` naming the text and the column when it breaks the grammar."""

def sweep_values(text: str, limit: int) -> list[str] | None:
    """The override text of each value a grid search runs for the override value ``text``
    (``["1", "2", "3"]`` for ``1,2,3`` or ``range(1, 4)``), each reading back as that one
    value; ``None`` for a single value or a sweep that is not discrete (an interval, a
    glob).

    Raises ``ConfigError`` when ``text`` breaks the grammar and ``ValueError`` when the sweep
    holds more than ``limit`` values."""

@final
class ConfigTree:
    """A resolved configuration and where each of its values was written."""

    def to_python(self) -> dict[str, Any]:
        """The configuration as nested dicts and lists of Python values."""
    def origin(self, key: str) -> str | None:
        """Where ``key``'s value was written (``base.toml:4:7``, ``-D model.dim=64``,
        ``--dim``), or ``None`` when the configuration does not hold it."""
    def entries(self, prefix: str = "") -> list[tuple[str, Any, str]]:
        """``(dotted key, value, origin)`` of every leaf under ``prefix``, in key order."""
    def error_at(self, key: str, message: str) -> ConfigError | None:
        """A ``ConfigError`` located where ``key``'s value was written
        (``file:line:col: message``, attributes set), or ``None`` when the configuration
        does not hold it."""

@final
class LayeredRun:
    """A run's values built from its layers by the core (see :func:`layer_run`)."""

    def tree(self) -> ConfigTree:
        """The resolved values some layer above the defaults set, with their sources."""
    def chain(self, key: str) -> list[tuple[Any, str]]:
        """``(value, source)`` of what each layer set ``key`` to, lowest (outermost) first,
        values as the layer gave them; empty for a key only a default gives."""
    def keys(self) -> list[str]:
        """Every key a layer above the defaults sets, in the order first set."""
    def undeclared(self) -> list[str]:
        """The keys config files and items set that no parameter declares."""
    def groups(self) -> list[tuple[str, str, str]]:
        """``(group, option, file)`` of each config group the composed tree chose, in the
        order loaded (the file relative to the config directory); empty without one."""

def layer_run(
    defaults: list[tuple[str, Any]],
    declared: list[str],
    files: list[str],
    items: list[str],
    options: list[tuple[str, Any, str]],
    strict: bool = False,
    *,
    compose: tuple[str, str] | None = None,
    words: list[str] = ...,
    env: tuple[str, list[tuple[str, str]]] | None = None,
) -> LayeredRun:
    """Builds a run from its layers, lowest first: the declared ``defaults`` (``(key,
    value)``; visible to ``${...}``, not part of the result), the composed tree
    ``compose`` (``(config_dir, config_name)``), the config ``files``, the environment
    layer ``env`` (``(prefix, [(name, value), ...])``), the ``key=value`` ``items``, the
    override ``words`` (Hydra's grammar), the ``options`` (``(key, value,
    "--option")``), interpolated once together. ``declared`` adds keys declared without a
    default. A file or item key no parameter declares but close to a declared one is
    refused, any undeclared one with ``strict``.

    Raises ``ConfigError`` naming the file position, item, word, variable or option
    concerned, and ``DefineError`` for a malformed item."""

def load_config(sources: Iterable[object], overrides: list[str] = ...) -> ConfigTree:
    """Loads, merges (later sources win) and resolves ``sources`` (paths of TOML, YAML or
    JSON files, or mappings), then applies the ``key=value`` ``overrides``.

    Raises ``ConfigError`` (``file``, ``line``, ``column`` set) for a file that cannot be
    read, parsed or resolved, ``DefineError`` for a bad override and ``TypeError`` for a
    source that is neither a path nor a mapping."""

def register_resolver(name: str, function: Callable[..., Any], replace: bool = ...) -> None:
    """Makes ``${name:a,b}`` in configurations call ``function(a, b)`` (arguments typed as
    override values are) when they are loaded. ``KeyFormatError`` for a bad or built-in
    name, or one registered already without ``replace``; ``TypeError`` if not callable."""

def clear_resolver(name: str) -> bool:
    """Removes the resolver ``name``; whether there was one."""

def set_run_info(key: str, value: str | None) -> None:
    """Sets (``None``: clears) the run's value ``${hydra:key}`` reads, such as
    ``runtime.output_dir`` or ``job.name``."""

def compose(
    config_dir: str | os.PathLike[str],
    config_name: str,
    overrides: list[str] = ...,
    resolve: bool = True,
) -> ConfigTree:
    """Composes the Hydra-style config tree of ``config_dir`` from its primary config
    ``config_name`` (defaults list, packages), applies the ``overrides`` (``db=postgres``,
    ``+seed=1``, ``~db.pass``) and, unless ``resolve`` is false, resolves ``${...}``.

    Raises ``ConfigError``: for an override that does not parse (``value``, ``column``
    set), a tree that cannot be composed (``file`` is the primary config; the message
    names the entry's file and line, the available options or a close key), a file that
    does not parse or a reference that does not resolve (``file``, ``line``, ``column``)."""
