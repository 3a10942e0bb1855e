"""One truth with native code (SPEC §3): what Python sets is what the Rust core reads in the
same thread and task, and what native scopes set is what Python code they call reads."""

from __future__ import annotations

import asyncio
import ctypes
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from python_on_path import env_with_python

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


# --- C++ through the C ABI the native module exports (SPEC §9) -------------------------------

# A C++ extension as a user would write one: the header, `GET_PARAM`/`WITH_PARAMS`, linked
# against `hyperparameter.lib` by name (`-l:_native.abi3.so`), with no run-time search path:
# the loader binds it to the module Python already loaded, through that module's soname.
CPP_SOURCE = r"""
#include <hyperparameter.h>

#include <cstdint>
#include <cstring>
#include <string>

using callback_t = int64_t (*)();

extern "C" int64_t cpp_read() { return GET_PARAM(xl.value, -1); }

extern "C" int cpp_read_name(char* out, size_t cap) {
  std::string name = GET_PARAM(xl.name, "none");
  if (name.size() + 1 > cap) return -1;
  std::memcpy(out, name.c_str(), name.size() + 1);
  return 0;
}

// Calls back into Python inside a C++ scope.
extern "C" int64_t cpp_with(int64_t value, callback_t callback) {
  auto guard = WITH_PARAMS(xl.value, value, xl.name, "from-cpp");
  return callback();
}

// A value C++ writes into the scope Python made current.
extern "C" void cpp_put(int64_t value) { hyperparameter::put("xl.put", value); }

// A read by a key known only at run time.
extern "C" double cpp_get_runtime(const char* key) { return hyperparameter::get(key, 0.5); }

// The operative config, saved from C++: 0 on success.
extern "C" int cpp_save_report(const char* path) {
  try {
    hyperparameter::save_report(path);
    return 0;
  } catch (const hyperparameter::Error&) {
    return 1;
  }
}
"""


@pytest.fixture(scope="module")
def cpp(tmp_path_factory: pytest.TempPathFactory) -> ctypes.PyDLL:
    compiler = os.environ.get("CXX", "g++")
    if shutil.which(compiler) is None:
        pytest.skip(f"no C++ compiler ({compiler}) on PATH to build the test extension")
    lib = hp.lib
    assert lib is not None and os.path.isfile(lib), "the native backend has a module file"
    assert os.path.isfile(os.path.join(hp.include, "hyperparameter.h"))
    build = tmp_path_factory.mktemp("cpp")
    source = build / "extension.cpp"
    source.write_text(CPP_SOURCE)
    output = build / "libextension.so"
    command = [
        compiler,
        "-std=c++17",
        "-shared",
        "-fPIC",
        "-Wall",
        "-Werror",
        "-I",
        hp.include,
        str(source),
        "-L",
        os.path.dirname(lib),
        f"-l:{os.path.basename(lib)}",
        "-o",
        str(output),
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    # PyDLL keeps the GIL held during calls, as a C++ extension module called from Python does.
    dll = ctypes.PyDLL(str(output))
    dll.cpp_read.restype = ctypes.c_int64
    dll.cpp_read_name.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
    dll.cpp_with.restype = ctypes.c_int64
    dll.cpp_with.argtypes = [ctypes.c_int64, CALLBACK]
    dll.cpp_put.argtypes = [ctypes.c_int64]
    dll.cpp_get_runtime.restype = ctypes.c_double
    dll.cpp_get_runtime.argtypes = [ctypes.c_char_p]
    dll.cpp_save_report.argtypes = [ctypes.c_char_p]
    return dll


CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int64)


def cpp_name(cpp: ctypes.PyDLL) -> str:
    buffer = ctypes.create_string_buffer(64)
    assert cpp.cpp_read_name(buffer, len(buffer)) == 0
    return buffer.value.decode()


def test_the_package_names_its_native_files() -> None:
    from hyperparameter import _native

    assert hp.lib == os.path.abspath(_native.__file__)
    assert os.path.isfile(os.path.join(hp.include, "hyperparameter.h"))
    assert os.path.isfile(os.path.join(hp.cmake_dir, "hyperparameterConfig.cmake"))


def test_cpp_reads_what_python_scopes_set(cpp: ctypes.PyDLL) -> None:
    assert cpp.cpp_read() == -1
    with hp.scope(**{"xl.value": 1, "xl.name": "outer"}):
        assert (cpp.cpp_read(), cpp_name(cpp)) == (1, "outer")
        with hp.scope(**{"xl.value": "22"}):
            assert cpp.cpp_read() == 22, "SPEC §4 conversion of a Python string"
            hp.scope.xl.name = "inner"
            assert cpp_name(cpp) == "inner"
        assert (cpp.cpp_read(), cpp_name(cpp)) == (1, "outer")
    assert (cpp.cpp_read(), cpp_name(cpp)) == (-1, "none")


def test_python_reads_what_cpp_writes(cpp: ctypes.PyDLL) -> None:
    with hp.scope():
        cpp.cpp_put(5)
        assert hp.scope.xl.put() == 5
    assert "xl.put" not in hp.scope


def test_python_called_from_cpp_sees_its_scope_and_it_rolls_back(cpp: ctypes.PyDLL) -> None:
    seen: list[object] = []

    def callback() -> int:
        seen.append(hp.scope.xl.value())
        seen.append(hp.scope.xl.name())
        with hp.scope(**{"xl.value": 8}):
            seen.append(cpp.cpp_read())
        seen.append(cpp.cpp_read())
        hp.scope.xl.written = "inside"  # into the C++ scope: gone when it ends
        return 40

    function = CALLBACK(callback)
    with hp.scope(**{"xl.value": 1}):
        assert cpp.cpp_with(7, function) == 40
        assert seen == [7, "from-cpp", 8, 7]
        assert hp.scope.xl.value() == 1
        assert cpp.cpp_read() == 1
        assert "xl.name" not in hp.scope
        assert "xl.written" not in hp.scope
    assert cpp.cpp_read() == -1


def test_cpp_sees_each_threads_own_scope(cpp: ctypes.PyDLL) -> None:
    count = 8
    barrier = threading.Barrier(count)
    seen: dict[int, list[object]] = {}

    def worker(i: int) -> None:
        with hp.scope(**{"xl.value": i}):
            barrier.wait()
            values: list[object] = [cpp.cpp_read() for _ in range(100)]
            values.append(cpp.cpp_with(100 + i, CALLBACK(lambda: hp.scope.xl.value())))
            values.append(cpp.cpp_read())
            seen[i] = values

    with hp.scope(**{"xl.value": -7}):
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert cpp.cpp_read() == -7
    assert seen == {i: [i] * 100 + [100 + i, i] for i in range(count)}


def test_cpp_reads_python_scopes_with_the_gil_released(cpp: ctypes.PyDLL) -> None:
    # ctypes.CDLL releases the GIL around the call: the hook leaves such a thread's view as
    # Python left it (and does not take the GIL back for every read).
    released = ctypes.CDLL(cpp._name)
    released.cpp_read.restype = ctypes.c_int64
    seen: list[int] = []

    def worker() -> None:
        with hp.scope(**{"xl.value": 11}):
            seen.append(released.cpp_read())
        seen.append(released.cpp_read())

    with hp.scope(**{"xl.value": 10}):
        assert released.cpp_read() == 10
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join()
        assert released.cpp_read() == 10
    assert released.cpp_read() == -1
    assert seen == [11, -1]


def test_cpp_called_right_after_an_await_sees_its_tasks_scope(cpp: ctypes.PyDLL) -> None:
    # Between the `await` and the C++ read no Python code touches the store: the module's
    # before-access hook moves the thread's view to the resumed task.
    async def task(i: int) -> list[int]:
        values = []
        with hp.scope(**{"xl.value": i}):
            for _ in range(3):
                await asyncio.sleep(0)
                values.append(cpp.cpp_read())
        await asyncio.sleep(0)
        values.append(cpp.cpp_read())
        return values

    async def main() -> list[list[int]]:
        return list(await asyncio.gather(*(task(i) for i in range(50))))

    with hp.scope(**{"xl.value": -3}):
        assert asyncio.run(main()) == [[i, i, i, -3] for i in range(50)]


# --- docs/cpp.md, "C++ extensions in a Python process" -------------------------------------

CPP_DOC = Path(__file__).resolve().parents[2] / "docs" / "cpp.md"


def doc_block(pattern: str) -> str:
    blocks = re.findall(pattern, CPP_DOC.read_text(encoding="utf-8"), re.DOTALL)
    assert len(blocks) == 1, pattern
    return str(blocks[0])


def test_the_cpp_pages_extension_example_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compiler = os.environ.get("CXX", "g++")
    if shutil.which(compiler) is None:
        pytest.skip(f"no C++ compiler ({compiler}) on PATH to build the page's extension")
    (tmp_path / "extension.cpp").write_text(doc_block(r"```cpp file=extension\.cpp\n(.*?)```"))
    # The page's shell block, run as written (`python` is this interpreter).
    script = doc_block(r"```sh\n(lib=.*?)```")
    env = env_with_python(tmp_path)
    result = subprocess.run(
        ["bash", "-ec", script], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    monkeypatch.chdir(tmp_path)
    exec(compile(doc_block(r"```python\n(.*?)```"), "cpp.md", "exec"), {"__name__": "__doc__"})


def test_a_cmake_built_extension_shares_the_store(tmp_path: Path) -> None:
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed (apt-get install cmake)")
    (tmp_path / "extension.cpp").write_text(doc_block(r"```cpp file=extension\.cpp\n(.*?)```"))
    (tmp_path / "CMakeLists.txt").write_text(
        "cmake_minimum_required(VERSION 3.16)\n"
        "project(extension LANGUAGES CXX)\n"
        "find_package(hyperparameter 0.1 REQUIRED CONFIG)\n"
        "add_library(extension SHARED extension.cpp)\n"
        "target_link_libraries(extension PRIVATE hyperparameter::python)\n"
    )
    build = tmp_path / "build"
    for command in (
        ["cmake", "-S", str(tmp_path), "-B", str(build), f"-Dhyperparameter_DIR={hp.cmake_dir}"],
        ["cmake", "--build", str(build)],
    ):
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr
    ext = ctypes.PyDLL(str(build / "libextension.so"))
    ext.learning_rate.restype = ctypes.c_double
    with hp.scope(**{"train.lr": 0.5}):
        assert ext.learning_rate() == 0.5
    assert ext.learning_rate() == 0.001


def test_cpp_reads_are_in_the_report_and_cpp_saves_it(cpp: ctypes.PyDLL, tmp_path: Path) -> None:
    hp.report.clear()
    with hp.scope(**{"xl.value": "3"}):
        assert cpp.cpp_read() == 3
    assert cpp_name(cpp) == "none"
    assert cpp.cpp_get_runtime(b"xl.ratio") == 0.5
    report = hp.report()
    assert (report["xl.value"].value, report["xl.value"].default_used) == (3, False)
    assert (report["xl.name"].value, report["xl.name"].default_used) == ("none", True)
    assert (report["xl.ratio"].value, report["xl.ratio"].default_used) == (0.5, True)
    saved = tmp_path / "from_cpp.yaml"
    assert cpp.cpp_save_report(str(saved).encode()) == 0
    assert hp.config(str(saved))["xl"] == {"value": 3, "name": "none", "ratio": 0.5}
    assert cpp.cpp_save_report(str(tmp_path / "report.ini").encode()) == 1
