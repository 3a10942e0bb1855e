"""@hp.param (SPEC §5)."""

from __future__ import annotations

import asyncio
import inspect
import typing

import pytest

import hyperparameter as hp
from hyperparameter.param import registered


@hp.param("train")
def train(lr: float = 1e-3, batch_size: int = 32, epochs=10, *, name: str = "run") -> tuple:  # type: ignore[no-untyped-def]
    """Trains a model."""
    return lr, batch_size, epochs, name


def test_precedence_explicit_then_scope_then_default() -> None:
    assert train() == (1e-3, 32, 10, "run")
    with hp.scope(**{"train.lr": 5e-4, "train.batch_size": 64, "train.name": "x"}):
        assert train() == (5e-4, 64, 10, "x")
        assert train(lr=1e-2) == (1e-2, 64, 10, "x")
        assert train(0.5) == (0.5, 64, 10, "x")  # positional is explicit too
        assert train(0.5, 8, name="y") == (0.5, 8, 10, "y")
    assert train() == (1e-3, 32, 10, "run")


def test_values_convert_to_annotation_or_default_type() -> None:
    with hp.scope("train.lr=0.1", "train.batch_size=16", "train.epochs=3"):
        assert train() == (0.1, 16, 3, "run")
    with hp.scope(**{"train.batch_size": "sixteen"}):
        with pytest.raises(hp.ConversionError):
            train()


def test_an_any_annotation_means_no_conversion() -> None:
    @hp.param("anyp")
    def f(x: typing.Any = 1) -> typing.Any:
        return x

    with hp.scope(**{"anyp.x": "text"}):
        assert f() == "text"
    marker = object()
    with hp.scope(**{"anyp.x": marker}):
        assert f() is marker


def test_namespace_defaults_to_the_function_name() -> None:
    @hp.param
    def greet(name: str = "world") -> str:
        return f"hello {name}"

    with hp.scope(**{"greet.name": "Alice"}):
        assert greet() == "hello Alice"


def test_metadata_is_kept_and_registered() -> None:
    assert train.__name__ == "train"
    assert train.__doc__ == "Trains a model."
    assert list(inspect.signature(train).parameters) == ["lr", "batch_size", "epochs", "name"]
    assert hasattr(train, "__wrapped__")
    entry = next(e for e in registered() if e.namespace == "train")
    assert [p.name for p in entry.params] == ["lr", "batch_size", "epochs", "name"]
    assert entry.params[0].key == "train.lr"
    assert entry.params[0].default == 1e-3
    assert entry.params[0].annotation is float
    assert entry.doc == "Trains a model."


def test_only_parameters_with_defaults_are_injected() -> None:
    @hp.param("f")
    def f(a, b=1):  # type: ignore[no-untyped-def]
        return a, b

    with hp.scope(**{"f.a": 100, "f.b": 2}):
        assert f(0) == (0, 2)
        with pytest.raises(TypeError):
            f()


def test_classes_stay_classes() -> None:
    @hp.param("model")
    class Model:
        def __init__(self, hidden: int = 128, dropout: float = 0.1) -> None:
            self.hidden = hidden
            self.dropout = dropout

    class Bigger(Model):
        pass

    assert isinstance(Model, type)
    with hp.scope(**{"model.hidden": "256"}):
        m = Model()
        b = Bigger(dropout=0.5)
    assert isinstance(m, Model) and m.hidden == 256 and m.dropout == 0.1
    assert isinstance(b, Model) and b.hidden == 256 and b.dropout == 0.5
    assert Model().hidden == 128


def test_methods_bind_self() -> None:
    class Runner:
        @hp.param("runner")
        def run(self, steps: int = 1) -> int:
            return steps

    with hp.scope(**{"runner.steps": 7}):
        assert Runner().run() == 7
        assert Runner().run(2) == 2


def test_async_functions_bind_at_call_time() -> None:
    @hp.param("job")
    async def job(retries: int = 3) -> int:
        await asyncio.sleep(0)
        return retries

    async def main() -> tuple[int, int]:
        with hp.scope(**{"job.retries": 5}):
            pending = job()
        return await pending, await job()

    assert asyncio.run(main()) == (5, 3)
    if hasattr(inspect, "markcoroutinefunction"):
        assert inspect.iscoroutinefunction(job)


def test_writes_inside_go_to_the_callers_scope() -> None:
    @hp.param("w")
    def writer(v: int = 0) -> None:
        hp.scope.w.seen = v

    with hp.scope() as ps:
        writer(4)
        assert ps.w.seen() == 4


def test_param_in_threads_reads_the_threads_scope() -> None:
    import threading

    out: list[int] = []

    @hp.param("foo")
    def foo(x: int = 1) -> None:
        out.append(x)

    with hp.scope(**{"foo.x": 2}):
        foo()
        thread = threading.Thread(target=foo)
        thread.start()
        thread.join()
    assert out == [2, 1]
