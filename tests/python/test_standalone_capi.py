"""The standalone C ABI library the package ships for programs without Python (SPEC §9):
`hyperparameter.capi_lib` (shared) and `hyperparameter.capi_static_lib` (static), linked by g++
and by CMake (`find_package(hyperparameter)` from `hyperparameter.cmake_dir`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from python_on_path import env_with_python

import hyperparameter as hp

pytestmark = pytest.mark.native_only

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "cpp"
LIB_DIR = os.path.join(os.path.dirname(os.path.abspath(hp.__file__)), "lib")

# The Rust standard library inside the static archive needs these (docs/cpp.md).
STATIC_SYSTEM_LIBS = ["-pthread", "-lgcc_s", "-lutil", "-lrt", "-lm", "-ldl"]

# A program without Python: scopes entered with WITH_PARAMS, literal and run-time keys,
# conversion of text values (SPEC §4) and a conversion error naming the key.
PROGRAM = r"""
#include <hyperparameter.h>

#include <cstdio>
#include <string>

namespace hp = hyperparameter;

static void show() {
  long long epochs = GET_PARAM(train.epochs, 1);
  std::string optimizer = GET_PARAM(train.optimizer, "adam");
  std::printf("%lld %s %g\n", epochs, optimizer.c_str(), hp::get("train.lr", 0.1));
}

int main() {
  show();
  {
    auto guard = WITH_PARAMS(train.epochs, 3, train.optimizer, "sgd");
    show();
    {
      hp::Scope scope;
      scope.put("train.epochs", std::string("5")).put("train.lr", 0.01);
      show();
    }
    show();
  }
  show();
  try {
    auto guard = WITH_PARAMS(train.epochs, "many");
    show();
  } catch (const hp::Error& error) {
    std::printf("error: %s\n", error.what());
  }
  show();
  return 0;
}
"""

EXPECTED = ["1 adam 0.1", "3 sgd 0.1", "5 sgd 0.01", "3 sgd 0.1", "1 adam 0.1"]


def compiler() -> str:
    name = os.environ.get("CXX", "g++")
    if shutil.which(name) is None:
        pytest.skip(f"no C++ compiler ({name}) on PATH to build the standalone program")
    return name


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, f"{command}:\n{result.stdout}{result.stderr}"
    return result.stdout


def needed_libraries(program: Path) -> list[str]:
    """The shared libraries the program records (`readelf -d`), or skips without readelf."""
    if shutil.which("readelf") is None:
        pytest.skip("readelf is not installed (binutils)")
    return re.findall(r"\(NEEDED\).*\[(.+?)\]", run(["readelf", "-d", str(program)]))


def test_the_package_ships_both_standalone_libraries() -> None:
    assert hp.capi_lib is not None, f"no standalone shared library in {LIB_DIR}"
    assert hp.capi_static_lib is not None, f"no standalone static library in {LIB_DIR}"
    assert os.path.dirname(hp.capi_lib) == LIB_DIR
    assert os.path.dirname(hp.capi_static_lib) == LIB_DIR
    assert {"capi_lib", "capi_static_lib"} <= set(hp.__all__)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/maps")
def test_python_does_not_load_the_standalone_library() -> None:
    # It holds a store of its own: loaded next to the module, it would split the process's
    # scopes in two. The module is the library Python uses (`hp.lib`).
    with hp.scope(**{"a.b": 1}):
        assert hp.scope.a.b() == 1
    assert hp.capi_lib is not None and hp.lib is not None
    maps = Path("/proc/self/maps").read_text()
    assert os.path.realpath(hp.lib) in maps
    assert os.path.realpath(hp.capi_lib) not in maps


@pytest.mark.parametrize("linking", ["shared", "static"])
def test_a_program_without_python_links_the_standalone_library(
    linking: str, tmp_path: Path
) -> None:
    cxx = compiler()
    assert hp.capi_lib is not None and hp.capi_static_lib is not None
    source = tmp_path / "main.cpp"
    source.write_text(PROGRAM)
    program = tmp_path / f"main_{linking}"
    command = [cxx, "-std=c++17", "-Wall", "-Werror", "-I", hp.include, str(source)]
    if linking == "shared":
        lib_dir = os.path.dirname(hp.capi_lib)
        command += ["-L", lib_dir, "-lhyperparameter_capi", f"-Wl,-rpath,{lib_dir}"]
    else:
        command += [hp.capi_static_lib, *STATIC_SYSTEM_LIBS]
    run([*command, "-o", str(program)])

    needed = needed_libraries(program)
    assert not [name for name in needed if "python" in name], needed
    if linking == "shared":
        assert "libhyperparameter_capi.so" in needed
    else:
        assert not [name for name in needed if "hyperparameter" in name], needed

    env = {key: value for key, value in os.environ.items() if key != "LD_LIBRARY_PATH"}
    lines = run([str(program)], env=env).splitlines()
    assert lines[:5] == EXPECTED
    assert lines[5].startswith("error: ") and "`train.epochs`" in lines[5], lines[5]
    assert '"many"' in lines[5], lines[5]
    assert lines[6:] == ["1 adam 0.1"]


def test_cmake_builds_the_example_against_the_installed_package(tmp_path: Path) -> None:
    compiler()
    if shutil.which("cmake") is None:
        pytest.skip("cmake is not installed (apt-get install cmake)")
    build = tmp_path / "build"
    env = {key: value for key, value in os.environ.items() if key != "HYPERPARAMETER_LIBRARY_DIR"}
    env.pop("LD_LIBRARY_PATH", None)
    run(
        ["cmake", "-S", str(EXAMPLES), "-B", str(build), f"-Dhyperparameter_DIR={hp.cmake_dir}"],
        env=env,
    )
    run(["cmake", "--build", str(build)], env=env)
    # The package's files, not those of a source checkout the config could also fall back to.
    cache = (build / "CMakeCache.txt").read_text()
    assert f"HYPERPARAMETER_SHARED_LIBRARY:FILEPATH={hp.capi_lib}\n" in cache
    assert f"HYPERPARAMETER_STATIC_LIBRARY:FILEPATH={hp.capi_static_lib}\n" in cache
    assert f"HYPERPARAMETER_INCLUDE_DIR:PATH={hp.include}\n" in cache

    defines = ["-D", "train.lr=0.01", "-D", "train.epochs=2", "-D", "train.batch_size=64"]
    for program in ("train", "train_static"):
        output = run([str(build / program), *defines], env=env)
        assert output.splitlines() == [
            "epoch 0: lr=0.01 batch_size=64 optimizer=adam",
            "epoch 1: lr=0.001 batch_size=64 optimizer=sgd",
        ], program
    assert "libhyperparameter_capi.so" in needed_libraries(build / "train")
    assert not [
        name for name in needed_libraries(build / "train_static") if "hyperparameter" in name
    ]


# --- docs/cpp.md, "Linking with g++" from the installed package ----------------------------

CPP_DOC = Path(__file__).resolve().parents[2] / "docs" / "cpp.md"


def test_the_cpp_pages_commands_for_the_installed_package_run(tmp_path: Path) -> None:
    if shutil.which("g++") is None:
        pytest.skip("no g++ on PATH to run the page's commands")
    text = CPP_DOC.read_text(encoding="utf-8")
    scripts = re.findall(r"```sh\n(include=.*?)```", text, re.DOTALL)
    programs = [
        block for block in re.findall(r"```cpp\n(.*?)```", text, re.DOTALL) if "main(" in block
    ]
    assert len(scripts) == 1 and programs, "the page's g++ commands and its first program"
    (tmp_path / "main.cpp").write_text(programs[0])
    # The page's shell block, run as written (`python` is this interpreter).
    env = env_with_python(tmp_path)
    env.pop("LD_LIBRARY_PATH", None)
    result = subprocess.run(
        ["bash", "-ec", scripts[0]], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    # The program exits with 0 when GET_PARAM read the value its WITH_PARAMS set.
    for program in ("main", "main_static"):
        run([str(tmp_path / program)], env=env)
