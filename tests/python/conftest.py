"""Shared fixtures. The suite runs once per backend: `HYPERPARAMETER_BACKEND=python` selects
the pure-Python one (scripts/test-python.sh runs both)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings

import hyperparameter as hp

T = TypeVar("T")

# The fuzzers are part of the test command, so they are seeded and bounded: the same examples
# on every run, about a fixed number per test. HP_FUZZ_EXAMPLES raises the budget for a longer
# local hunt (new crashers found that way go into tests/fixtures/ as regression cases).
settings.register_profile(
    "bounded",
    derandomize=True,
    deadline=None,
    max_examples=int(os.environ.get("HP_FUZZ_EXAMPLES", "150")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    print_blob=True,
)
settings.load_profile("bounded")

SMALL_STACK = 256 * 1024


def on_small_stack(fn: Callable[[], T], stack_size: int = SMALL_STACK) -> T:
    """Runs `fn` on a new thread whose stack is `stack_size` bytes and returns its result, or
    re-raises what it raised: a walk over user data that recurses too deep kills the process
    there instead of passing."""
    outcome: dict[str, object] = {}

    def body() -> None:
        try:
            outcome["value"] = fn()
        except BaseException as error:  # handed back to the caller's thread
            outcome["error"] = error

    previous = threading.stack_size(stack_size)
    try:
        thread = threading.Thread(target=body)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join()
    if "error" in outcome:
        raise outcome["error"]  # type: ignore[misc]
    return outcome["value"]  # type: ignore[return-value]


def pytest_report_header() -> str:
    return f"hyperparameter backend: {hp.backend_name()}"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if hp.backend_name() == "native":
        return
    skip = pytest.mark.skip(reason="needs the native backend")
    for item in items:
        if "native_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def isolated_scope(request: pytest.FixtureRequest) -> Iterator[None]:
    """Runs each test inside a fresh scope so root-layer writes do not leak between tests
    (tests marked `bare` run at the thread's root instead)."""
    if "bare" in request.keywords:
        yield
        return
    with hp.scope():
        yield


@pytest.fixture(autouse=True)
def inherited_snapshot_restored() -> Iterator[None]:
    """Restores the variable that carries the frozen snapshot to child processes after each
    test, so a test that freezes (or launches) does not hand its values to the processes
    later tests start."""
    from hyperparameter._child_snapshot import VARIABLE

    previous = os.environ.get(VARIABLE)
    yield
    if previous is None:
        os.environ.pop(VARIABLE, None)
    else:
        os.environ[VARIABLE] = previous
