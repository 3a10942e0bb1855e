"""A small user program that `mypy --strict` must accept (checked by test_typing.py)."""

from __future__ import annotations

import hyperparameter as hp


@hp.param("train")
def train(lr: float = 1e-3, epochs: int = 10) -> str:
    return f"{lr} {epochs}"


def main() -> str:
    lr: float = hp.scope.train.lr | 0.1
    name: str = hp.scope.run.name("default")
    with hp.scope(**{"train.epochs": 3}) as ps:
        ps.train.lr = 0.5
        keys: list[str] = ps.keys()
        assert "train.lr" in ps
    hp.scope["dynamic.key"] = 1
    return f"{train()} {lr} {name} {keys}"
