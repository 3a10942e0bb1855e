// Timings of the C++ layer: GET_PARAM with literal keys (target: at most 10 ns, docs/performance.md),
// WITH_PARAMS enter + exit, the same with 100,000 keys visible, and memory after 1,000,000
// enter/exit cycles. Build in release and run through scripts/bench-cpp.sh.
#include <hyperparameter.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace {

volatile double sink_double;
volatile long long sink_int;

// Best of `runs` runs of `iterations` calls of `body`, in nanoseconds per call.
template <class Body>
double ns_per_op(long iterations, Body body, int runs = 5) {
  double best = 1e30;
  for (int run = 0; run < runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < iterations; ++i) body(i);
    const auto stop = std::chrono::steady_clock::now();
    const double ns = std::chrono::duration<double, std::nano>(stop - start).count();
    best = std::min(best, ns / static_cast<double>(iterations));
  }
  return best;
}

long resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

void report(const char *what, double ns, double target = 0) {
  if (target > 0) {
    std::printf("%-58s %8.2f ns/op   (target <= %.0f ns: %s)\n", what, ns, target,
                ns <= target ? "met" : "MISSED");
  } else {
    std::printf("%-58s %8.2f ns/op\n", what, ns);
  }
}

}  // namespace

int main() {
  constexpr long kReads = 20'000'000;
  constexpr long kScopes = 2'000'000;

  auto config = WITH_PARAMS(model.layers._0.size, 512, train.lr, 0.001, train.optimizer, "adam",
                            train.epochs, "10");

  report("GET_PARAM(model.layers._0.size, 0)          int, present",
         ns_per_op(kReads, [](long) { sink_int = GET_PARAM(model.layers._0.size, 0); }), 10);
  report("GET_PARAM(train.lr, 0.0)                    double, present",
         ns_per_op(kReads, [](long) { sink_double = GET_PARAM(train.lr, 0.0); }), 10);
  report("GET_PARAM(train.epochs, 0)                  int from text \"10\"",
         ns_per_op(kReads, [](long) { sink_int = GET_PARAM(train.epochs, 0); }));
  report("GET_PARAM(train.absent, 1)                  absent, default",
         ns_per_op(kReads, [](long) { sink_int = GET_PARAM(train.absent, 1); }));
  report("GET_PARAM(train.optimizer, \"sgd\")           std::string (SSO)",
         ns_per_op(kReads, [](long) { sink_int = GET_PARAM(train.optimizer, "sgd").size(); }));
  report("hyperparameter::get(\"train.lr\", 0.0)        run-time key (hashed per call)",
         ns_per_op(kReads, [](long) { sink_double = hyperparameter::get("train.lr", 0.0); }));

  report("WITH_PARAMS(bench.a, i) enter + exit",
         ns_per_op(kScopes, [](long i) { auto guard = WITH_PARAMS(bench.a, i); }));
  report("WITH_PARAMS(4 keys) enter + exit",
         ns_per_op(kScopes, [](long i) {
           auto guard = WITH_PARAMS(bench.a, i, bench.b, 2.0, bench.c, true, bench.d, "text");
         }));
  report("WITH_PARAMS(bench.a, i) enter + read + exit",
         ns_per_op(kScopes, [](long i) {
           auto guard = WITH_PARAMS(bench.a, i);
           sink_int = GET_PARAM(bench.a, 0L);
         }));

  {
    hyperparameter::Scope many;
    for (int k = 0; k < 100'000; ++k) many.put("many.key_" + std::to_string(k), k);
    report("WITH_PARAMS(bench.a, i) enter + exit, 100,000 keys visible",
           ns_per_op(kScopes, [](long i) { auto guard = WITH_PARAMS(bench.a, i); }));
    report("GET_PARAM(train.lr, 0.0), 100,000 keys visible",
           ns_per_op(kReads, [](long) { sink_double = GET_PARAM(train.lr, 0.0); }), 10);
  }

  for (long i = 0; i < 100'000; ++i) auto guard = WITH_PARAMS(bench.a, i, bench.d, "text");
  const long before = resident_kib();
  for (long i = 0; i < 1'000'000; ++i) auto guard = WITH_PARAMS(bench.a, i, bench.d, "text");
  const long after = resident_kib();
  std::printf("%-58s %8ld KiB -> %ld KiB\n", "resident memory over 1,000,000 enter/exit cycles",
              before, after);
  return 0;
}
