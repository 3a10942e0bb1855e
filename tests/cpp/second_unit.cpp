// A second translation unit of the test program: the header's inline functions and constants
// must link cleanly when it is included in several files (and twice in one file).
#include "hyperparameter.h"
#include "hyperparameter.h"

#include <string>

// Reads through GET_PARAM in this unit, so scopes entered in the other unit are seen here.
int second_unit_read_depth() { return GET_PARAM(second.depth, -1); }

std::string second_unit_read_name() { return GET_PARAM(second.name, "unset"); }

// Enters a scope in this unit and calls back into the other while it is active.
int second_unit_with_depth(int depth, int (*callback)()) {
  auto guard = WITH_PARAMS(second.depth, depth);
  return callback();
}

static_assert(hyperparameter::key_hash("a.b") == 11414479579488969833ULL,
              "compile-time hash in a second unit");
