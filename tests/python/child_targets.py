"""What child processes started by tests/python/test_child_processes.py run: a module of its
own, so that a spawned child imports this small file rather than the test module."""

from __future__ import annotations

import hyperparameter as hp


def view() -> dict[str, tuple[str, str]]:
    """Every key this process's thread sees, with the repr and the exact type of its value."""
    return {key: (repr(value), type(value).__qualname__) for key, value in hp.scope.items()}


def view_and_keys(_task: int) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """:func:`view` for a pool task, and the keys a thread started here sees."""
    import threading

    seen: list[str] = []
    thread = threading.Thread(target=lambda: seen.extend(hp.scope.keys()))
    thread.start()
    thread.join()
    return view(), seen


def send_view(queue: object) -> None:
    """Puts :func:`view` on a multiprocessing queue."""
    queue.put(view())  # type: ignore[attr-defined]
