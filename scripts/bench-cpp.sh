#!/usr/bin/env bash
# Builds the C ABI library in release and runs the C++ benchmark against it, linked statically
# and dynamically. Figures are ns per operation, best of 5 runs.
#
#   scripts/bench-cpp.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
CXX="${CXX:-g++}"

# The library is built with fat LTO and one codegen unit (the configuration recommended for
# release builds of the C ABI: it inlines the store's lookup into the exported functions), in a
# target directory of its own so that other release builds are not disturbed.
out="$root/target/cpp-bench"
mkdir -p "$out"
CARGO_TARGET_DIR="$out/cargo" CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  cargo build --quiet --release -p hyperparameter-capi
lib_dir="$out/cargo/release"
flags=(-std=c++17 -O2 -DNDEBUG -I "$root/crates/hyperparameter-capi/include")

"$CXX" "${flags[@]}" benchmarks/cpp/bench.cpp "$lib_dir/libhyperparameter_capi.a" \
  -pthread -lgcc_s -lutil -lrt -lm -ldl -o "$out/bench_static"
"$CXX" "${flags[@]}" benchmarks/cpp/bench.cpp -L "$lib_dir" -lhyperparameter_capi \
  -Wl,-rpath,"$lib_dir" -pthread -o "$out/bench_shared"

echo "== static library ($CXX -O2; library: release, fat LTO)"
"$out/bench_static"
echo "== shared library ($CXX -O2; library: release, fat LTO)"
"$out/bench_shared"
