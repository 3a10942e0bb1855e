// expect-error: nodiscard
// A bare WITH_PARAMS(...); would leave its scope at once: the guard is [[nodiscard]]
// (compiled with -Werror=unused-result).
#include "hyperparameter.h"

int main() {
  WITH_PARAMS(a.b, 1);
  return GET_PARAM(a.b, 0);
}
