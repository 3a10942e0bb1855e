// expect-error: HP_WITH_PARAMS_needs_key_value_pairs
#include "hyperparameter.h"

int main() {
  auto guard = WITH_PARAMS(a.b, 1, c);
  return 0;
}
