"""Isolation: threads, asyncio tasks, concurrent.futures (SPEC §3)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import random
import sys
import threading

import pytest

import hyperparameter as hp


def run_in_thread(func):  # type: ignore[no-untyped-def]
    result: list[object] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(func())
        except BaseException as err:  # reported in the calling thread
            errors.append(err)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def test_threads_do_not_see_each_others_scopes() -> None:
    with hp.scope(**{"foo.x": 2}):
        assert hp.scope.foo.x | 1 == 2
        assert run_in_thread(lambda: hp.scope.foo.x | 1) == 1


def test_many_threads_with_nested_scopes_never_mix() -> None:
    failures: list[str] = []

    def worker(index: int) -> None:
        for depth in range(50):
            with hp.scope(**{"worker.id": index, "worker.depth": depth}):
                hp.scope.worker.extra = index * 1000 + depth
                if hp.scope.worker.id() != index or hp.scope.worker.extra() != index * 1000 + depth:
                    failures.append(f"thread {index} depth {depth}")
        if "worker.id" in hp.scope:
            failures.append(f"thread {index} leaked")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []


@pytest.mark.bare
def test_frozen_snapshot_is_where_new_threads_start() -> None:
    def body() -> tuple[object, object]:
        with hp.scope(**{"global.seed": 42}):
            hp.scope.frozen()
        before = run_in_thread(lambda: hp.scope["global.seed"] | 0)
        hp.scope.clear()
        with hp.scope.empty():
            hp.scope.frozen()
        after = run_in_thread(lambda: hp.scope["global.seed"] | 0)
        return before, after

    assert run_in_thread(body) == (42, 0)


def test_pool_workers_enter_a_scope_object_passed_to_them() -> None:
    with hp.scope(**{"pre.norm": "minmax"}):
        carried = hp.scope.current()

    def work(shard: int) -> tuple[int, str, bool]:
        with carried:
            with hp.scope(**{"pre.shard": shard}):
                return hp.scope.pre.shard(), hp.scope.pre.norm | "zscore", True

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(work, range(20)))
    assert results == [(i, "minmax", True) for i in range(20)]


def test_task_sees_the_scope_where_it_was_created() -> None:
    async def child() -> int:
        await asyncio.sleep(0)
        return hp.scope.a | 0

    async def main() -> tuple[int, int]:
        with hp.scope(a=1):
            task = asyncio.create_task(child())
        with hp.scope(a=2):
            other = asyncio.create_task(child())
            await asyncio.sleep(0)
        return await task, await other

    assert asyncio.run(main()) == (1, 2)


def test_task_writes_do_not_leak_to_parent_or_siblings() -> None:
    async def writer(value: int) -> int:
        hp.scope.shared = value
        with hp.scope(inner=value):
            await asyncio.sleep(0)
            hp.scope.shared = value + 1
            await asyncio.sleep(0)
            assert hp.scope.inner() == value
        await asyncio.sleep(0)
        return hp.scope.shared()

    async def main() -> tuple[list[int], object]:
        with hp.scope(shared=-1):
            results = await asyncio.gather(*(writer(i) for i in range(10)))
            return list(results), hp.scope.shared()

    results, parent = asyncio.run(main())
    assert results == list(range(10))
    assert parent == -1


def test_thousands_of_interleaved_tasks() -> None:
    rng = random.Random(7)

    async def task(index: int) -> bool:
        ok = True
        with hp.scope(**{"task.id": index}):
            for step in range(5):
                with hp.scope(**{"task.step": step}):
                    await asyncio.sleep(rng.random() * 0.001)
                    ok &= hp.scope.task.id() == index and hp.scope.task.step() == step
                ok &= hp.scope.task.id() == index
        ok &= "task.id" not in hp.scope
        return ok

    async def main() -> list[bool]:
        return list(await asyncio.gather(*(task(i) for i in range(2000))))

    assert all(asyncio.run(main()))


@pytest.mark.skipif(sys.version_info < (3, 9), reason="asyncio.to_thread is new in Python 3.9")
def test_to_thread_carries_the_scope() -> None:
    async def main() -> object:
        with hp.scope(a=5):
            return await asyncio.to_thread(lambda: hp.scope.a | 0)

    assert asyncio.run(main()) == 5


def read_in_worker(payload: bytes) -> tuple[object, object]:
    import pickle

    scope = pickle.loads(payload)
    with scope:
        return hp.scope.model.size | 0, hp.scope.run.name | ""


def test_scope_objects_carry_the_view_to_worker_processes() -> None:
    import multiprocessing
    import pickle

    with hp.scope(**{"model.size": 8}), hp.scope(**{"run.name": "exp"}) as ps:
        payload = pickle.dumps(ps)
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        assert pool.submit(read_in_worker, payload).result(timeout=60) == (8, "exp")


def read_scope_in_worker(scope: object) -> tuple[int, str, int]:
    with scope:  # type: ignore[attr-defined]
        return hp.scope.outer.size | 0, hp.scope.run.name | "", hp.scope.own | 0


START_METHODS = [
    method
    for method in ("spawn", "fork")
    if method in __import__("multiprocessing").get_all_start_methods()
]


@pytest.mark.parametrize("method", START_METHODS)
def test_a_scope_passed_to_a_process_pool_keeps_the_parents_view(method: str) -> None:
    import multiprocessing

    context = multiprocessing.get_context(method)
    with hp.scope(**{"outer.size": 8}), hp.scope(**{"run.name": "exp"}):
        built = hp.scope(own=3)  # never entered: its view is where it was built
        with context.Pool(1) as pool:
            # Pool pickles arguments in a helper thread, whose own view is empty.
            assert pool.apply(read_scope_in_worker, (built,)) == (8, "exp", 3)
        with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as ex:
            assert ex.submit(read_scope_in_worker, built).result(timeout=60) == (8, "exp", 3)
            with hp.scope(own=4) as entered:
                pass
            assert ex.submit(read_scope_in_worker, entered).result(timeout=60) == (8, "exp", 4)


def test_a_scope_pickled_in_another_thread_has_the_view_where_it_was_built() -> None:
    import pickle

    with hp.scope(**{"outer.size": 8}):
        built = hp.scope(own=3)
        payload = run_in_thread(lambda: pickle.dumps(built))
    restored = pickle.loads(payload)
    assert read_scope_in_worker(restored) == (8, "", 3)


async def scoped_async_generator(key: str):  # type: ignore[no-untyped-def]
    with hp.scope(**{key: 1}):
        yield hp.scope[key] | 0
        yield hp.scope[key] | 0


def test_an_async_generator_closed_under_a_later_scope_leaves_nothing_behind() -> None:
    async def main() -> None:
        gen = scoped_async_generator("agen.closed")
        assert await gen.__anext__() == 1
        with hp.scope(**{"agen.later": 2}):
            await gen.aclose()
            assert hp.scope["agen.later"] | 0 == 2
        assert "agen.closed" not in hp.scope
        assert "agen.later" not in hp.scope

    asyncio.run(main())
    assert "agen.closed" not in hp.scope


def test_an_async_generator_collected_under_a_later_scope_leaves_nothing_behind() -> None:
    import gc

    async def main() -> None:
        gen = scoped_async_generator("agen.collected")
        await gen.__anext__()
        with hp.scope(**{"agen.later": 2}):
            del gen
            gc.collect()
            await asyncio.sleep(0)  # the loop's finalizer closes the generator in a task
            await asyncio.sleep(0)
        assert "agen.collected" not in hp.scope

    asyncio.run(main())
    assert "agen.collected" not in hp.scope
