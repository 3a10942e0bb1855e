"""The quick start: one ``@hp.param`` function turned into a command line by ``hp.launch``.

Try::

    python -m hyperparameter.examples.quickstart
    python -m hyperparameter.examples.quickstart --define greet.name=Alice --enthusiasm=3
    python -m hyperparameter.examples.quickstart -lps
    python -m hyperparameter.examples.quickstart -ep greet.name
    python -m hyperparameter.examples.quickstart --help
"""

from __future__ import annotations

import hyperparameter as hp


@hp.param
def greet(name: str = "World", enthusiasm: int = 1) -> str:
    """Prints a greeting.

    Args:
        name: Who to greet.
        enthusiasm: How many exclamation marks to add.
    """
    message = f"Hello, {name}{'!' * enthusiasm}"
    print(message)
    return message


if __name__ == "__main__":
    hp.launch()
