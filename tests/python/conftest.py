"""Shared fixtures. The suite runs once per backend: `HYPERPARAMETER_BACKEND=python` selects
the pure-Python one (scripts/test-python.sh runs both)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import hyperparameter as hp


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
