"""``python -m hyperparameter``: the ``hp`` command, for when its script is not on PATH."""

from hyperparameter.analyzer import main

raise SystemExit(main())
