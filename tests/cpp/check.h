// A minimal test harness for the C++ tests: CHECK records a failure and continues, so one run
// reports every broken expectation.
#ifndef HYPERPARAMETER_TESTS_CHECK_H
#define HYPERPARAMETER_TESTS_CHECK_H

#include <atomic>
#include <cstdio>
#include <string>

namespace check {

inline std::atomic<int> &failures() {
  static std::atomic<int> count{0};
  return count;
}

inline void fail(const char *file, int line, const std::string &what) {
  std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what.c_str());
  ++failures();
}

}  // namespace check

#define CHECK(cond)                                         \
  do {                                                      \
    if (!(cond)) ::check::fail(__FILE__, __LINE__, #cond);  \
  } while (0)

#define CHECK_MSG(cond, message)                                                    \
  do {                                                                              \
    if (!(cond)) ::check::fail(__FILE__, __LINE__, std::string(#cond) + ": " + (message)); \
  } while (0)

// Runs `expr`, which must throw hyperparameter::Error with `status` and a message containing
// `needle`.
#define CHECK_THROWS(expr, status_code, needle)                                               \
  do {                                                                                        \
    bool thrown_ = false;                                                                     \
    try {                                                                                     \
      (void)(expr);                                                                           \
    } catch (const ::hyperparameter::Error &error_) {                                         \
      thrown_ = true;                                                                         \
      CHECK_MSG(error_.status() == (status_code), std::string("status ") +                   \
                                                      hp_status_name(error_.status()) + ": " + \
                                                      error_.what());                         \
      CHECK_MSG(std::string(error_.what()).find(needle) != std::string::npos,                 \
                std::string("message lacks `") + (needle) + "`: " + error_.what());           \
    }                                                                                         \
    CHECK_MSG(thrown_, "no hyperparameter::Error thrown by " #expr);                          \
  } while (0)

#endif  // HYPERPARAMETER_TESTS_CHECK_H
