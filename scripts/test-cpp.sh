#!/usr/bin/env bash
# Builds the C ABI library (debug) and builds and runs the C and C++ tests against it: shared and
# static linking, under valgrind when it is installed (AddressSanitizer otherwise), the
# compile-fail checks of the header, and the CMake example when cmake is installed.
#
#   scripts/test-cpp.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

CXX="${CXX:-g++}"
CC="${CC:-gcc}"
if ! command -v "$CXX" >/dev/null; then
  echo "test-cpp: SKIPPED: no C++ compiler ($CXX) on PATH" >&2
  exit 0
fi

cargo build --quiet -p hyperparameter-capi
lib_dir="${CARGO_TARGET_DIR:-$root/target}/debug"
include_dir="$root/crates/hyperparameter-capi/include"
out="$root/target/cpp-tests"
mkdir -p "$out"

cxx_flags=(-std=c++17 -Wall -Wextra -Wpedantic -Werror -g -I "$include_dir")
static_system_libs=(-pthread -lgcc_s -lutil -lrt -lm -ldl)
sources=(tests/cpp/test_hyperparameter.cpp tests/cpp/second_unit.cpp)

if command -v nm >/dev/null; then
  # Every function the header declares is exported by the shared library, and nothing else
  # named hp_* is.
  declared="$(grep -oE '^[a-z_0-9 *]*\bhp_[a-z_0-9]+\(' "$include_dir/hyperparameter.h" |
    grep -oE 'hp_[a-z_0-9]+\($' | tr -d '(' | sort -u)"
  exported="$(nm -D --defined-only "$lib_dir/libhyperparameter_capi.so" |
    awk '$2 == "T" && $3 ~ /^hp_/ {print $3}' | sort -u)"
  if [[ "$declared" != "$exported" ]]; then
    echo "test-cpp: header declarations and exported symbols differ:" >&2
    diff <(echo "$declared") <(echo "$exported") >&2 || true
    exit 1
  fi
fi

echo "test-cpp: building the tests (shared and static)"
"$CXX" "${cxx_flags[@]}" "${sources[@]}" -L "$lib_dir" -lhyperparameter_capi \
  -Wl,-rpath,"$lib_dir" -pthread -o "$out/test_shared"
"$CXX" "${cxx_flags[@]}" "${sources[@]}" "$lib_dir/libhyperparameter_capi.a" \
  "${static_system_libs[@]}" -o "$out/test_static"
if nm -D "$out/test_static" 2>/dev/null | grep -q ' U hp_'; then
  echo "test-cpp: test_static resolves hp_* dynamically; it should not" >&2
  exit 1
fi

run_checked() {
  if command -v valgrind >/dev/null; then
    valgrind --quiet --error-exitcode=99 --leak-check=full \
      --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect "$@"
  else
    "$@"
  fi
}

echo "test-cpp: running (shared library$(command -v valgrind >/dev/null && echo ', valgrind'))"
run_checked "$out/test_shared" tests/vectors
echo "test-cpp: running (static library)"
"$out/test_static" tests/vectors

if ! command -v valgrind >/dev/null; then
  if "$CXX" "${cxx_flags[@]}" -fsanitize=address,undefined "${sources[@]}" -L "$lib_dir" \
    -lhyperparameter_capi -Wl,-rpath,"$lib_dir" -pthread -o "$out/test_asan" 2>/dev/null; then
    echo "test-cpp: running (AddressSanitizer)"
    "$out/test_asan" tests/vectors
  else
    echo "test-cpp: no valgrind and no AddressSanitizer: leak check skipped" >&2
  fi
fi

echo "test-cpp: the header's C part as C11"
"$CC" -std=c11 -Wall -Wextra -Wpedantic -Werror -I "$include_dir" tests/cpp/header_c.c \
  -L "$lib_dir" -lhyperparameter_capi -Wl,-rpath,"$lib_dir" -o "$out/test_c"
run_checked "$out/test_c"

echo "test-cpp: the examples of docs/cpp.md"
python3 - "$out/docs" <<'PY'
import pathlib, re, sys
out = pathlib.Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
text = pathlib.Path("docs/cpp.md").read_text()
for n, (lang, body) in enumerate(re.findall(r"```(cpp|c)\n(.*?)```", text, re.S)):
    if "main(" not in body:
        head = "#include <stdio.h>\n#include <hyperparameter.h>\n"
        if lang == "cpp":
            head += "#include <string>\n"
        body = head + "int main(void) {\n" + body + "return 0;\n}\n"
    (out / f"example_{n}.{lang}").write_text(body)
PY
for example in "$out"/docs/example_*.c "$out"/docs/example_*.cpp; do
  [[ -e "$example" ]] || continue
  if [[ "$example" == *.cpp ]]; then compiler=("$CXX" -std=c++17); else compiler=("$CC" -std=c11); fi
  "${compiler[@]}" -Wall -Wno-unused-variable -Werror -I "$include_dir" "$example" -L "$lib_dir" -lhyperparameter_capi \
    -Wl,-rpath,"$lib_dir" -o "${example%.*}"
  "${example%.*}"
done

echo "test-cpp: compile-fail checks"
for source in tests/cpp/compile_fail/*.cpp; do
  expected="$(sed -n 's|^// expect-error: ||p' "$source" | head -n 1)"
  if "$CXX" -std=c++17 -Werror=unused-result -fsyntax-only -I "$include_dir" "$source" \
    >"$out/compile_fail.log" 2>&1; then
    echo "test-cpp: $source compiled, but must not" >&2
    exit 1
  fi
  if ! grep -qF -- "$expected" "$out/compile_fail.log"; then
    echo "test-cpp: $source failed without the expected diagnostic: $expected" >&2
    cat "$out/compile_fail.log" >&2
    exit 1
  fi
done

if command -v cmake >/dev/null; then
  echo "test-cpp: CMake example"
  cmake -S examples/cpp -B "$out/example" -DCMAKE_BUILD_TYPE=Debug \
    -Dhyperparameter_DIR="$root/crates/hyperparameter-capi/cmake" \
    -DHYPERPARAMETER_LIBRARY_DIR="$lib_dir" >"$out/cmake.log"
  cmake --build "$out/example" >>"$out/cmake.log"
  for program in train train_static; do
    output="$("$out/example/$program" -D train.lr=0.01 -D train.epochs=2 -D train.batch_size=64)"
    expected=$'epoch 0: lr=0.01 batch_size=64 optimizer=adam\nepoch 1: lr=0.001 batch_size=64 optimizer=sgd'
    if [[ "$output" != "$expected" ]]; then
      echo "test-cpp: example $program printed:" >&2
      echo "$output" >&2
      exit 1
    fi
  done
  # Linked by name (-l), not by the build directory's path, so the program can be moved.
  if command -v readelf >/dev/null &&
    ! readelf -d "$out/example/train" | grep -q 'NEEDED.*\[libhyperparameter_capi.so\]'; then
    echo "test-cpp: the example does not record libhyperparameter_capi.so by name" >&2
    readelf -d "$out/example/train" >&2
    exit 1
  fi
  if "$out/example/train" -D train.epochs=many 2>"$out/example.err"; then
    echo "test-cpp: the example accepted train.epochs=many" >&2
    exit 1
  fi
  grep -q 'train.epochs' "$out/example.err"
else
  echo "test-cpp: SKIPPED the CMake example: cmake is not installed (apt-get install cmake)" >&2
fi

echo "test-cpp: all C and C++ tests passed"
