// expect-error: invalid_literal_key::has_one_of_the_reserved_characters_eq_dollar_braces
#include "hyperparameter.h"

int main() {
  auto guard = WITH_PARAMS(a.b, 1, a.$x, 2);
  return 0;
}
