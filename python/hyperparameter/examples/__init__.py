"""Runnable examples: ``python -m hyperparameter.examples.quickstart``."""
