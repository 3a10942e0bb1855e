"""The benchmark suites of `benchmarks/run.py`: one module per library, each run in a process
of its own by `benchmarks/harness.py`, each timing plain-Python baselines beside its figures."""
