"""The seeds' name for configuration loading: ``from hyperparameter import loader``.

``loader.load(path, schema=AppConfig)`` is :func:`hyperparameter.config.config`, the same
function as ``hp.config``.
"""

from __future__ import annotations

from hyperparameter.config import Config, ConfigError, load

__all__ = ["Config", "ConfigError", "load"]
