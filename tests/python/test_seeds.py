"""Every Python example of the seed documents (shared/seeds/README.md, quick_start.md,
architecture.md) runs as written. Helpers the examples leave undefined (`llm_call`,
`load_shards`, a request object, ...) get small stand-ins; where SPEC and the seeds
disagree (a write through an outer scope while an inner one is active), the SPEC's error is
what the test expects."""

from __future__ import annotations

import textwrap
import threading
from types import SimpleNamespace
from typing import Any

import pytest

import hyperparameter as hp


def run(code: str, **names: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "seed_example", **names}
    exec(compile(textwrap.dedent(code), "<seed example>", "exec"), namespace)
    return namespace


def test_readme_quick_start(capsys: pytest.CaptureFixture[str]) -> None:
    ns = run(
        """
        from hyperparameter import auto_param, param_scope

        @auto_param("foo")
        def foo(x=1, y="a"):
            return f"x={x}, y={y}"

        foo()  # x=1, y='a'

        with param_scope(**{"foo.x": 2}):
            foo()  # x=2, y='a'
        """
    )
    assert ns["foo"]() == "x=1, y=a"
    with hp.param_scope(**{"foo.x": 2}):
        assert ns["foo"]() == "x=2, y=a"


def test_readme_default_value() -> None:
    ns = run(
        """
        from hyperparameter import param_scope
        x = param_scope.foo.x | "default value"
        """
    )
    assert ns["x"] == "default value"


def test_readme_scope_control_follows_the_spec_rule() -> None:
    code = """
        from hyperparameter import param_scope
        with param_scope() as ps: # 1st scope start
            ps.foo.x=1
            with param_scope() as ps2: # 2nd scope start
                ps.foo.y=2
            # 2nd scope end
        # 1st scope end
        """
    # SPEC §3: writing through `ps` while `ps2` is active inside it is an error.
    with pytest.raises(hp.ScopeError):
        run(code)


def test_readme_thread_isolation(capsys: pytest.CaptureFixture[str]) -> None:
    run(
        """
        @auto_param("foo")
        def foo(x=1): # Print hyperparameter foo.x
            print(f"foo.x={x}")

        with param_scope() as ps:
            ps.foo.x=2 # Modify foo.x in the current thread

            foo() # foo.x=2
            t = threading.Thread(target=foo); t.start(); t.join()
        """,
        auto_param=hp.auto_param,
        param_scope=hp.param_scope,
        threading=threading,
    )
    assert capsys.readouterr().out.split() == ["foo.x=2", "foo.x=1"]


def test_readme_command_line(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    import sys

    monkeypatch.setattr(sys, "argv", ["example.py", "-D", "example.a=5", "example.b=7"])
    run(
        """
        # example.py
        from hyperparameter import param_scope, auto_param

        @auto_param("example")
        def main(a=0, b=1):
            print(f"example.a={a}, example.b={b}")

        if __name__ == "__main__":
            import argparse
            parser = argparse.ArgumentParser()

            parser.add_argument("-D", "--define", nargs="*", default=[], action="extend")
            args = parser.parse_args()

            with param_scope(*args.define):
                main()
        """,
        __name__="__main__",
    )
    assert capsys.readouterr().out.strip() == "example.a=5, example.b=7"


def test_quick_start_reading(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(KeyError):
        run(
            """
            import hyperparameter as hp
            # Use | operator to provide default values
            lr = hp.scope.train.lr | 0.001
            batch_size = hp.scope.train.batch_size | 32
            # Use function call syntax (equivalent to |)
            use_cache = hp.scope.model.cache(True)
            # Call without arguments: raises KeyError if missing
            required_value = hp.scope.model.required_key() # KeyError if missing
            """
        )
    run(
        """
        import hyperparameter as hp
        print(hp.scope.model.dropout | 0.1) # 0.1
        with hp.scope(**{"model.dropout": 0.3}):
            print(hp.scope.model.dropout | 0.1) # 0.3
        print(hp.scope.model.dropout | 0.1) # 0.1, auto-rollback on scope exit
        """
    )
    assert capsys.readouterr().out.split() == ["0.1", "0.3", "0.1"]


def test_quick_start_param(capsys: pytest.CaptureFixture[str], monkeypatch: Any) -> None:
    import sys

    run(
        """
        import hyperparameter as hp
        @hp.param("train")
        def train(lr=1e-3, batch_size=32, epochs=10):
            print(f"lr={lr}, batch_size={batch_size}, epochs={epochs}")
        train() # Uses function signature defaults
        with hp.scope(**{"train.lr": 5e-4, "train.batch_size": 64}):
            train() # lr=0.0005, batch_size=64, epochs=10
            train(lr=1e-2) # Direct arguments take highest priority
        """
    )
    assert capsys.readouterr().out.splitlines() == [
        "lr=0.001, batch_size=32, epochs=10",
        "lr=0.0005, batch_size=64, epochs=10",
        "lr=0.01, batch_size=64, epochs=10",
    ]
    monkeypatch.setattr(sys, "argv", ["train.py", "-D", "train.warmup_steps=100"])
    run(
        """
        # train.py
        import hyperparameter as hp
        @hp.param("train")
        def train(lr=1e-3, batch_size=32, warmup_steps=500):
            print(f"lr={lr}, batch_size={batch_size}, warmup={warmup_steps}")
        if __name__ == "__main__":
            import argparse
            parser = argparse.ArgumentParser()
            parser.add_argument("-D", "--define", nargs="*", default=[], action="extend")
            args = parser.parse_args()
            with hp.scope(*args.define):
                train()
        """,
        __name__="__main__",
    )
    assert capsys.readouterr().out.strip() == "lr=0.001, batch_size=32, warmup=100"


def test_quick_start_nested_scopes(capsys: pytest.CaptureFixture[str]) -> None:
    run(
        """
        import hyperparameter as hp
        @hp.param("modelA")
        def run_model_a(dropout=0.1, hidden=128):
            print(f"ModelA: dropout={dropout}, hidden={hidden}")
        @hp.param("modelB")
        def run_model_b(dropout=0.2, hidden=256):
            print(f"ModelB: dropout={dropout}, hidden={hidden}")
        base = {"data.path": "/data/mnist"}
        variants = [
            {"modelA.dropout": 0.3},
            {"modelB.hidden": 512, "modelB.dropout": 0.15},
        ]
        with hp.scope(**base):
            for cfg in variants:
                with hp.scope(**cfg):
                    run_model_a()
                    run_model_b()
        """
    )
    assert capsys.readouterr().out.splitlines() == [
        "ModelA: dropout=0.3, hidden=128",
        "ModelB: dropout=0.2, hidden=256",
        "ModelA: dropout=0.1, hidden=128",
        "ModelB: dropout=0.15, hidden=512",
    ]


def test_quick_start_dynamic_keys(capsys: pytest.CaptureFixture[str]) -> None:
    run(
        """
        import hyperparameter as hp
        def train_task(task_name):
            lr = scope[f"task.{task_name}.lr"] | 1e-3
            wd = scope[f"task.{task_name}.weight_decay"] | 0.01
            print(f"{task_name}: lr={lr}, weight_decay={wd}")
        with hp.scope(**{
            "task.cls.lr": 1e-3,
            "task.cls.weight_decay": 0.01,
            "task.seg.lr": 5e-4,
            "task.seg.weight_decay": 0.001,
        }):
            train_task("cls")
            train_task("seg")
        """,
        scope=hp.scope,  # the example uses `scope` unqualified
    )
    assert capsys.readouterr().out.splitlines() == [
        "cls: lr=0.001, weight_decay=0.01",
        "seg: lr=0.0005, weight_decay=0.001",
    ]


def test_quick_start_request_isolation() -> None:
    ns = run(
        """
        import hyperparameter as hp
        def rerank(items):
            use_new = hp.scope.rerank.use_new(False)
            threshold = hp.scope.rerank.threshold | 0.8
            if use_new:
                return [x for x in items if x.score >= threshold]
            return items
        def handle_request(request):
            with hp.scope(**request.overrides):
                return rerank(request.items)
        """
    )
    items = [SimpleNamespace(score=s) for s in (0.5, 0.9)]
    plain = SimpleNamespace(overrides={}, items=items)
    strict = SimpleNamespace(overrides={"rerank.use_new": True}, items=items)
    assert ns["handle_request"](plain) == items
    assert ns["handle_request"](strict) == items[1:]


def test_quick_start_thread_pool() -> None:
    ns = run(
        """
        import concurrent.futures
        import hyperparameter as hp
        def preprocess(shard, cfg):
            with hp.scope(**cfg):
                clean = hp.scope.pre.clean_noise(False)
                norm = hp.scope.pre.norm | "zscore"
                # Processing logic
                return processed_shard
        cfg = {"pre.clean_noise": True, "pre.norm": "minmax"}
        shards = load_shards()
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as executor:
            results = list(executor.map(lambda s: preprocess(s, cfg), shards))
        """,
        load_shards=lambda: [1, 2, 3],
        processed_shard="done",
    )
    assert ns["results"] == ["done", "done", "done"]


def test_quick_start_use_cases() -> None:
    calls: list[tuple[str, int, float]] = []
    run(
        """
        import hyperparameter as hp
        def generate(prompt):
            max_tokens = hp.scope.llm.max_tokens | 256
            temperature = hp.scope.llm.temperature | 0.7
            return llm_call(prompt, max_tokens=max_tokens, temperature=temperature)
        # Default configuration
        generate("hello")
        # Temporary override
        with hp.scope(**{"llm.max_tokens": 64, "llm.temperature": 0.2}):
            generate("short answer")
        """,
        llm_call=lambda p, max_tokens, temperature: calls.append((p, max_tokens, temperature)),
    )
    assert calls == [("hello", 256, 0.7), ("short answer", 64, 0.2)]
    ns = run(
        """
        import hyperparameter as hp
        def get_experiment_config(user_id):
            if hash(user_id) % 100 < 10: # 10% traffic
                return {"search.algo": "v2", "search.boost": 1.5}
            return {}
        def search(query):
            algo = hp.scope.search.algo | "v1"
            boost = hp.scope.search.boost | 1.0
            # Search logic
        def handle_request(user_id, query):
            with hp.scope(**get_experiment_config(user_id)):
                return search(query)
        """
    )
    for user in range(20):
        assert ns["handle_request"](user, "q") is None
    run(
        """
        import hyperparameter as hp
        def run_job(name, overrides=None):
            with hp.scope(**(overrides or {})):
                batch = hp.scope.etl.batch_size | 500
                retry = hp.scope.etl.retry | 3
                timeout = hp.scope.etl.timeout | 30
                # ETL logic
        run_job("daily")
        run_job("full_rebuild", {"etl.batch_size": 5000, "etl.timeout": 300})
        """
    )
    ns = run(
        """
        import hyperparameter as hp
        def check_early_stop(metric, best, wait):
            patience = hp.scope.scheduler.patience | 5
            delta = hp.scope.scheduler.min_delta | 0.001
            if metric > best + delta:
                return False, metric, 0
            wait += 1
            return wait >= patience, best, wait
        """
    )
    with hp.scope(**{"scheduler.patience": 2}):
        assert ns["check_early_stop"](0.5, 0.5, 1) == (True, 0.5, 2)
    assert ns["check_early_stop"](0.9, 0.5, 3) == (False, 0.9, 0)


def test_architecture_examples(capsys: pytest.CaptureFixture[str]) -> None:
    run(
        """
        import hyperparameter as hp
        with hp.scope(foo=1, bar=2) as ps:
            # ps.foo() returns 1
            # Nested scopes inherit from parent
            assert ps.foo() == 1
        @hp.param("model")
        def foo(hidden_size=256):  # Looks up "model.hidden_size"
            pass
        @hp.param("model")
        def train(lr=0.001):
            print(lr)

        with hp.scope(**{"model.lr": 0.01}):
            train()
        """
    )
    assert capsys.readouterr().out.strip() == "0.01"
    seen: list[object] = []

    def new_thread() -> None:
        seen.append(hp.scope.a | None)

    def body() -> None:
        run(
            """
            import hyperparameter as hp
            with hp.scope(a=1):
                hp.scope.frozen()  # Snapshot current scope as global default
            """
        )
        thread = threading.Thread(target=new_thread)
        thread.start()
        thread.join()
        with hp.scope.empty():
            hp.scope.frozen()

    outer = threading.Thread(target=body)
    outer.start()
    outer.join()
    assert seen == [1]
