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
