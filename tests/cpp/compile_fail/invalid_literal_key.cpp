// expect-error: invalid_literal_key::has_an_empty_segment
// A literal key that breaks the key rules (SPEC §1) does not compile.
#include "hyperparameter.h"

int main() { return GET_PARAM(train..lr, 1); }
