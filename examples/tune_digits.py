"""Tuning a scikit-learn model on the digits data set from the command line.

The model and the data split are built by ``@hp.param`` functions, so every knob is a
parameter with a default; ``evaluate`` is the launched function and returns the validation
accuracy, which ``--tune`` maximizes:

    python examples/tune_digits.py                          # one run with the defaults
    python examples/tune_digits.py model.C=0.1,1,10 -m      # a grid of three runs
    python examples/tune_digits.py --tune 20 --direction maximize \\
        "model.C=tag(log, interval(1e-3, 1e2))" "model.gamma=tag(log, interval(1e-4, 1e-1))"
    python examples/tune_digits.py --tune 20 --jobs 2 ...   # two processes, one study
    python examples/tune_digits.py -C multirun/<day>/<time>/best.yaml   # replay the best

Each run or trial gets its own directory (``--run-dir``, by default ``multirun/<day>/<time>/``
for sweeps) holding the values it ran with.
"""

from __future__ import annotations

from typing import Any

import hyperparameter as hp


@hp.param("data")
def load_split(validation: float = 0.25, seed: int = 0) -> tuple[Any, Any, Any, Any]:
    """The digits images (8x8, flattened) split into training and validation sets.

    Args:
        validation: the share of the images kept for validation.
        seed: the seed of the shuffle before the split.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    images, labels = load_digits(return_X_y=True)
    return train_test_split(
        images / 16.0, labels, test_size=validation, random_state=seed, stratify=labels
    )  # type: ignore[no-any-return]


@hp.param("model")
def build_model(C: float = 1.0, gamma: float = 0.01, kernel: str = "rbf") -> Any:
    """A support-vector classifier.

    Args:
        C: the inverse strength of the regularization.
        gamma: the width of the RBF kernel.
        kernel: the kernel: rbf, poly, linear or sigmoid.
    """
    from sklearn.svm import SVC

    return SVC(C=C, gamma=gamma, kernel=kernel)


@hp.param("train")
def evaluate(report: bool = True) -> float:
    """Trains the model on the training split and returns its validation accuracy.

    Args:
        report: print the accuracy and the values the run used.
    """
    train_x, valid_x, train_y, valid_y = load_split()
    model = build_model().fit(train_x, train_y)
    accuracy = float(model.score(valid_x, valid_y))
    if report:
        c, gamma = hp.scope.model.C | 1.0, hp.scope.model.gamma | 0.01
        print(f"accuracy {accuracy:.4f} with model.C={c} model.gamma={gamma}")
    return accuracy


if __name__ == "__main__":
    hp.launch(evaluate)
