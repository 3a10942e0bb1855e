// A training entry point configured by hyperparameters: defaults in code, overrides from
// `-D key=value` on the command line, and a scoped override for one phase.
//
//   train -D train.lr=0.01 -D train.epochs=3
#include <hyperparameter.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

void train_one_epoch(int epoch) {
  // Literal keys: checked and hashed at compile time; the default picks the type.
  const double lr = GET_PARAM(train.lr, 0.001);
  const int batch_size = GET_PARAM(train.batch_size, 32);
  const std::string optimizer = GET_PARAM(train.optimizer, "adam");
  std::printf("epoch %d: lr=%g batch_size=%d optimizer=%s\n", epoch, lr, batch_size,
              optimizer.c_str());
}

}  // namespace

int main(int argc, char **argv) {
  // `-D key=value` items become one scope; values stay text and typed reads convert them.
  hyperparameter::Scope cli;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "-D") != 0) continue;
    const std::string item = argv[i + 1];
    const auto eq = item.find('=');
    if (eq == std::string::npos) {
      std::fprintf(stderr, "expected key=value, got %s\n", item.c_str());
      return 2;
    }
    cli.put(item.substr(0, eq), item.substr(eq + 1));
  }

  try {
    const int epochs = GET_PARAM(train.epochs, 1);
    for (int epoch = 0; epoch < epochs; ++epoch) {
      if (epoch == epochs - 1) {
        // The last epoch fine-tunes with a smaller learning rate; the override ends with the block.
        auto fine_tune = WITH_PARAMS(train.lr, GET_PARAM(train.lr, 0.001) / 10, train.optimizer, "sgd");
        train_one_epoch(epoch);
      } else {
        train_one_epoch(epoch);
      }
    }
  } catch (const hyperparameter::Error &error) {
    std::fprintf(stderr, "configuration error: %s\n", error.what());
    return 1;
  }
  return 0;
}
