"""The backend in use: which one, the native module when it is loaded, and who to tell.

A leaf module (it imports nothing of the package but the error classes), so every
consumer can import it at the top: :func:`hyperparameter.set_backend` records a new
choice here with :func:`switch`, and the modules that depend on the choice (``hp.scope``,
``@hp.param``) registered a callback with :func:`subscribe` and rewire themselves.

At import the backend is chosen once: ``HYPERPARAMETER_BACKEND=python`` selects the
pure-Python one, otherwise the native module is loaded, falling back (with one warning)
to the pure-Python backend when it cannot be.
"""

from __future__ import annotations

import os

# `typing` costs milliseconds to import; annotations are strings here, so only type
# checkers need it.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any, Callable

__all__ = ["name", "native", "native_at_import", "subscribe", "switch"]

name = "python"
"""``"native"``, ``"python"`` or ``"custom"``: the backend in use."""

native: Any = None
"""The native module ``hyperparameter._native`` once it is loaded, else ``None``."""

native_at_import: Any = None
"""The native module when the backend chosen at import was the native one, else ``None``:
the one choice that decides where the key and ``key=value`` rules come from."""

_subscribers: list[Callable[[Any], None]] = []


def subscribe(callback: Callable[[Any], None]) -> None:
    """Calls ``callback(storage)`` after every :func:`switch`, in the order of subscription.

    ``storage`` is the :class:`~hyperparameter.storage.Storage` the new backend runs on, or
    ``None`` for the native backend."""
    _subscribers.append(callback)


def switch(new_name: str, native_module: Any, storage: Any) -> None:
    """Records ``new_name`` as the backend in use and tells every subscriber."""
    global name, native
    name = new_name
    if native_module is not None:
        native = native_module
    for callback in _subscribers:
        callback(storage)


def _select() -> None:
    """Picks the backend at import: the env variable, else native, else Python with a warning."""
    global name, native, native_at_import
    choice = os.environ.get("HYPERPARAMETER_BACKEND", "").strip().lower()
    if choice == "python":
        return
    try:
        from hyperparameter import _native
    except ImportError as err:
        if choice == "native":
            raise
        import warnings

        warnings.warn(
            f"hyperparameter: the native module could not be loaded ({err}); "
            "using the pure-Python backend",
            RuntimeWarning,
            stacklevel=5,
        )
        return
    name, native, native_at_import = "native", _native, _native


_select()
