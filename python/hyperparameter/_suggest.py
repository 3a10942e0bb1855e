"""Suggesters: stored values that every read calls when it happens.

A :class:`Suggester` wraps a callback taking no arguments. Stored under a key, it is not
returned as itself: each read (``hp.scope.x | d``, ``hp.scope.x()``, an ``@hp.param``
parameter) calls it and reads what it returns, converted as any value is. Both backends
do this: the native one knows the class through ``_native.set_suggester_type``, which
:func:`register` calls. ``hyperparameter.tune.suggest_from`` and ``lazy_dispatch`` build
them.
"""

from __future__ import annotations

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["Suggester", "evaluated", "register"]


class Suggester:
    """A value that reads evaluate: ``callback()`` at every read."""

    __slots__ = ("_callback",)

    def __init__(self, callback: Callable[[], Any]) -> None:
        if not callable(callback):
            raise TypeError(f"a suggester needs a callable, got {type(callback).__name__}")
        self._callback = callback

    def __call__(self) -> Any:
        """The value the callback suggests now."""
        return self._callback()

    def __repr__(self) -> str:
        return f"Suggester({self._callback!r})"


def evaluated(key: str, value: Any) -> Any:
    """``value``, or what it suggests when it is a :class:`Suggester` (read under ``key``)."""
    if type(value) is not Suggester:
        return value
    suggested = value()
    if type(suggested) is Suggester:
        raise TypeError(
            f"the suggester of `{key}` returned another suggester; it must return a value"
        )
    return suggested


def register(native: Any) -> None:
    """Tells the native module (when it is loaded) which class suggesters have."""
    if native is not None:
        native.set_suggester_type(Suggester)
