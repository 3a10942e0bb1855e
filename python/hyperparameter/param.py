"""``@hp.param``: keyword defaults injected from the scope.

``@hp.param("train")`` on ``def fit(lr=1e-3, epochs=10)`` makes ``fit()`` read
``train.lr`` and ``train.epochs`` from the active scope at each call. An argument the call
gives (by position or keyword, bound as ``inspect.Signature.bind_partial`` would) wins over
the scope, the scope wins over the signature default, and values from the scope are
converted to the parameter's annotation (else to its default's type) as typed reads convert.

Only parameters with a default are injected, and nothing is scoped for the function: a
write inside it goes to the caller's innermost scope. On a class, ``__init__`` is
decorated and the class stays a class. Every decorated function is listed by
:func:`registered` (for ``hp.launch``).
"""

from __future__ import annotations

from hyperparameter import _backend

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar, overload

    from hyperparameter._native import ParamSpec

    F = TypeVar("F", bound=Callable[..., Any])
else:

    def overload(func):
        return func


__all__ = ["ParamFunction", "ParamInfo", "auto_param", "param", "registered"]


class _Record:
    """A small immutable record (a NamedTuple would import `typing` at start-up)."""

    __slots__: tuple[str, ...] = ()

    def __init__(self, *values: Any) -> None:
        for field, value in zip(self.__slots__, values):
            object.__setattr__(self, field, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"{type(self).__name__} is read-only")

    def __iter__(self) -> Any:
        return iter(tuple(getattr(self, field) for field in self.__slots__))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and tuple(self) == tuple(other)

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{field}={getattr(self, field)!r}" for field in self.__slots__)
        return f"{type(self).__name__}({fields})"


class ParamInfo(_Record):
    """One injectable parameter of a decorated function."""

    __slots__ = ("name", "key", "default", "annotation", "kind")  # noqa: RUF023 (field order)
    name: str
    key: str
    default: Any
    annotation: Any
    kind: str


class ParamFunction(_Record):
    """A function (or class) decorated with ``@hp.param``."""

    __slots__ = ("namespace", "function", "params", "doc", "module")  # noqa: RUF023 (field order)
    namespace: str
    function: Callable[..., Any]
    params: tuple[ParamInfo, ...]
    doc: str | None
    module: str | None


class _Slot(_Record):
    __slots__ = ("name", "position", "key", "target", "default")  # noqa: RUF023 (field order)
    name: str
    position: int | None
    key: str
    target: Any
    default: Any


class _PythonParamSpec:
    """``ParamSpec.resolve`` and ``ParamSpec.call`` for Python storage backends."""

    __slots__ = ("_slots",)

    def __init__(self, slots: list[_Slot]) -> None:
        self._slots = slots

    def resolve(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        from hyperparameter._rules import convert_value
        from hyperparameter._suggest import evaluated
        from hyperparameter.operative_config import note_python_read
        from hyperparameter.scope import root
        from hyperparameter.storage import MISSING, describe_site

        given = len(args)
        scope = root()
        for slot in self._slots:
            if (slot.position is not None and slot.position < given) or slot.name in kwargs:
                continue
            value = evaluated(slot.key, scope._lookup(slot.key))
            if value is MISSING:
                note_python_read(slot.key, slot.default, "default", True)
                continue
            source = describe_site(scope._source(slot.key))
            converted = convert_value(value, slot.target, slot.key, source)
            note_python_read(slot.key, converted, source, False)
            kwargs[slot.name] = converted
        return kwargs

    def call(self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        return func(*args, **self.resolve(args, kwargs))


class _Binding:
    """What a wrapper needs; rebuilt when the backend changes."""

    __slots__ = ("call", "slots")

    def __init__(self, slots: list[_Slot]) -> None:
        self.slots = slots
        # `call(func, args, kwargs)`: the call of the decorated function.
        self.call: Callable[[Callable[..., Any], tuple[Any, ...], dict[str, Any]], Any] = (
            _make_spec(slots).call
        )

    def rebind(self) -> None:
        self.call = _make_spec(self.slots).call


def _make_spec(slots: list[_Slot]) -> ParamSpec | _PythonParamSpec:
    if _backend.name == "native":
        return _backend.native.ParamSpec([tuple(slot) for slot in slots])  # type: ignore[no-any-return]
    return _PythonParamSpec(slots)


_registry: list[ParamFunction] = []
_bindings: list[_Binding] = []


def registered() -> list[ParamFunction]:
    """Every function and class decorated with ``@hp.param`` so far, in order."""
    return list(_registry)


def rebind_all(_storage: object = None) -> None:
    """Points every decorated function at the backend in use (after ``set_backend``)."""
    for binding in _bindings:
        binding.rebind()


_backend.subscribe(rebind_all)


def _target(annotation: Any, default: Any) -> Any:
    from hyperparameter._rules import target_for_default, unwrap_optional

    if annotation is None:
        # A list, tuple or dict default converts text as a command line writes a list.
        kind = type(default)
        return kind if kind in (list, tuple, dict) else target_for_default(default)
    from hyperparameter._typed_targets import shape_of

    if shape_of(annotation) is not None:
        return annotation  # list[int], Literal[...], Optional[int]: a structured target
    target = unwrap_optional(annotation)
    return target if isinstance(target, type) else None


def _annotations(func: Callable[..., Any]) -> dict[str, Any]:
    try:
        import typing

        return typing.get_type_hints(func)
    except Exception:
        # Unresolvable string annotations: keep the ones that are already types.
        raw = getattr(func, "__annotations__", {}) or {}
        return {k: v for k, v in raw.items() if isinstance(v, type)}


def _wrap(func: Callable[..., Any], namespace: str, owner: Any = None) -> Callable[..., Any]:
    import functools
    import inspect

    signature = inspect.signature(func)
    hints = _annotations(func)
    slots: list[_Slot] = []
    infos: list[ParamInfo] = []
    for index, p in enumerate(signature.parameters.values()):
        if p.default is p.empty or p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
            continue
        annotation = hints.get(p.name)
        key = f"{namespace}.{p.name}"
        position = index if p.kind is p.POSITIONAL_OR_KEYWORD else None
        slots.append(_Slot(p.name, position, key, _target(annotation, p.default), p.default))
        infos.append(ParamInfo(p.name, key, p.default, annotation, p.kind.name))
    binding = _Binding(slots)
    _bindings.append(binding)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        return binding.call(func, args, kwargs)

    functools.update_wrapper(wrapper, func)
    if inspect.iscoroutinefunction(func) and hasattr(inspect, "markcoroutinefunction"):
        # Values are bound when the coroutine is created (at the call), not when awaited.
        inspect.markcoroutinefunction(wrapper)
    _registry.append(
        ParamFunction(
            namespace,
            owner if owner is not None else wrapper,
            tuple(infos),
            inspect.getdoc(owner if owner is not None else func),
            getattr(owner if owner is not None else func, "__module__", None),
        )
    )
    return wrapper


def _decorate(target: Any, namespace: str | None) -> Any:
    if isinstance(target, type):
        init = target.__dict__.get("__init__")
        if init is None:
            raise TypeError(f"@hp.param on class {target.__name__} needs an __init__ of its own")
        target.__init__ = _wrap(init, namespace or target.__name__, owner=target)  # type: ignore[misc]
        return target
    if not callable(target):
        raise TypeError(f"@hp.param decorates functions and classes, not {type(target).__name__}")
    return _wrap(target, namespace or target.__name__)


@overload
def param(target: F, /) -> F: ...
@overload
def param(target: str | None = None, /) -> Callable[[F], F]: ...  # noqa: F811
def param(target: Any = None, /) -> Any:  # noqa: F811
    """``@hp.param`` or ``@hp.param("namespace")``: see the module docs."""
    if target is None or isinstance(target, str):
        namespace = target

        def decorator(func: F) -> F:
            return _decorate(func, namespace)  # type: ignore[no-any-return]

        return decorator
    return _decorate(target, None)


auto_param = param
