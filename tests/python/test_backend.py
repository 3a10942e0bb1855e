"""Backends: env selection, fallback when the native module is missing, custom storages."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import hyperparameter as hp
from hyperparameter.storage import MISSING, PythonStorage, Storage


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_env_variable_forces_the_python_backend() -> None:
    done = run_python(
        """
        import hyperparameter as hp
        with hp.scope(a=1):
            assert hp.scope.a() == 1
        print(hp.backend_name())
        """,
        HYPERPARAMETER_BACKEND="python",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "python"


def test_missing_native_module_falls_back_with_one_warning() -> None:
    done = run_python(
        """
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name == "hyperparameter._native":
                    raise ImportError("blocked for the test")
        sys.meta_path.insert(0, Block())
        import hyperparameter as hp
        with hp.scope(a=1):
            assert hp.scope.a | 0 == 1
        print(hp.backend_name())
        """,
        HYPERPARAMETER_BACKEND="",
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "python"
    assert done.stderr.count("Warning") == 1
    assert "Traceback" not in done.stderr


class RecordingStorage(PythonStorage):
    def __init__(self) -> None:
        super().__init__()
        self.reads: list[str] = []

    def get(self, key: str) -> object:
        self.reads.append(key)
        return super().get(key)


def test_custom_backend() -> None:
    previous = hp.backend_name()
    storage = RecordingStorage()
    assert isinstance(storage, Storage)
    hp.set_backend(storage)
    try:

        @hp.param("svc")
        def serve(port: int = 80) -> int:
            return port

        with hp.scope(**{"svc.port": "8080"}):
            assert serve() == 8080
            assert hp.scope.svc.port | 0 == 8080
        assert storage.get("svc.port") is MISSING
        assert storage.reads.count("svc.port") >= 2
        assert hp.backend_name() == "custom"
    finally:
        hp.set_backend("python" if previous == "python" else "native")
    assert hp.backend_name() == previous


def test_the_seeds_custom_backend_example_runs() -> None:
    """The seeds' example, as written there: subclass ``TLSKVStorage`` and override ``get``."""
    from hyperparameter.storage import TLSKVStorage

    assert TLSKVStorage is PythonStorage
    assert issubclass(TLSKVStorage, Storage)

    class FakeRedis:
        def __init__(self, values: dict[str, object]) -> None:
            self.values = values

        def get(self, key: str) -> object:
            return self.values.get(key)

    class RedisBackedStorage(TLSKVStorage):
        """Example: Redis-backed storage for distributed systems."""

        redis = FakeRedis({"svc.host": None})

        def get(self, key):  # type: ignore[no-untyped-def]
            # Try local first
            value = super().get(key)
            if value is None:
                # Fall back to Redis
                value = self.redis.get(key)
            return value

    previous = hp.backend_name()
    hp.set_backend(RedisBackedStorage())
    try:
        assert hp.backend_name() == "custom"

        @hp.param("svc")
        def serve(port: int = 80) -> int:
            return port

        with hp.scope(**{"svc.port": "8080", "svc.host": None}):
            assert serve() == 8080
            assert hp.scope.svc.port | 0 == 8080
            assert hp.scope.svc.host | "local" is None
        assert hp.scope.svc.port | 0 == 0
    finally:
        hp.set_backend("python" if previous == "python" else "native")
