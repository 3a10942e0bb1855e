"""One truth with native code (SPEC §3): what Python sets is what the Rust core reads in the
same thread and task, and what native scopes set is what Python code they call reads."""

from __future__ import annotations

import asyncio
import threading

import pytest

import hyperparameter as hp

pytestmark = pytest.mark.native_only


def native_read(key: str) -> object:
    from hyperparameter import _native

    return _native.native_read(key)


def test_nested_scopes_are_seen_by_the_core() -> None:
    assert native_read("x.y") is None
    with hp.scope(**{"x.y": 1}):
        assert native_read("x.y") == 1
        with hp.scope(**{"x.y": "two"}):
            hp.scope.x.z = 2.5
            assert native_read("x.y") == "two"
            assert native_read("x.z") == 2.5
        assert native_read("x.y") == 1
        assert native_read("x.z") is None
    assert native_read("x.y") is None


def test_threads_are_seen_separately() -> None:
    seen: dict[int, object] = {}

    def worker(i: int) -> None:
        with hp.scope(**{"t.id": i}):
            seen[i] = native_read("t.id")

    with hp.scope(**{"t.id": -1}):
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert native_read("t.id") == -1
    assert seen == {i: i for i in range(8)}


def test_asyncio_tasks_are_seen_separately() -> None:
    async def task(i: int) -> bool:
        ok = True
        with hp.scope(**{"a.id": i}):
            for _ in range(3):
                await asyncio.sleep(0)
                ok &= native_read("a.id") == i
        return ok

    async def main() -> list[bool]:
        return list(await asyncio.gather(*(task(i) for i in range(100))))

    assert all(asyncio.run(main()))


def test_native_scopes_are_seen_by_python_code_they_call() -> None:
    from hyperparameter import _native

    @hp.param("cpp")
    def callback(value: int = 0) -> tuple[int, object]:
        with hp.scope(**{"cpp.inner": 1}):
            inner = native_read("cpp.inner")
        return value, inner

    with hp.scope(**{"cpp.value": 1}):
        assert _native.native_call_with({"cpp.value": 7}, callback) == (7, 1)
        assert hp.scope.cpp.value() == 1
    assert "cpp.value" not in hp.scope


def test_foreign_python_objects_are_opaque_to_the_core_but_kept() -> None:
    obj = object()
    with hp.scope(o=obj):
        assert native_read("o") is obj
        assert hp.scope.o() is obj
