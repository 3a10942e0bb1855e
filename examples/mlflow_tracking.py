"""Log what a run actually read to MLflow: the operative config as parameters, and a metric.

    pip install mlflow-skinny
    python examples/mlflow_tracking.py --tracking-dir mlruns -D model.hidden=64 --epochs 3

``hp.report().flat()`` is a plain ``{dotted key: bool | int | float | str}`` of every value the
run read (defaults it fell back to included), which is what ``mlflow.log_params`` takes; the
same dict goes to ``wandb.config.update`` or TensorBoard's hparams. The toy model below
stands in for real training: it only needs the parameters to be read.
"""

from __future__ import annotations

import hyperparameter as hp


@hp.param("model")
def build_model(hidden: int = 32, dropout: float = 0.1, activation: str = "relu") -> dict:
    """The model's description (a stand-in for a network)."""
    return {"hidden": hidden, "dropout": dropout, "activation": activation}


@hp.param("optim")
def make_optimizer(lr: float = 1e-3, momentum: float = 0.9) -> dict:
    """The optimizer's settings."""
    return {"lr": lr, "momentum": momentum}


@hp.param("train")
def train(epochs: int = 2, tracking_dir: str = "mlruns", experiment: str = "example") -> float:
    """Trains the toy model and logs the run's parameters and its final loss to MLflow.

    Args:
        epochs: how many passes to make.
        tracking_dir: the MLflow file store to log into.
        experiment: the MLflow experiment name.
    """
    import mlflow

    model = build_model()
    optimizer = make_optimizer()
    loss = 1.0
    for _ in range(epochs):
        loss *= 1.0 - optimizer["lr"] * model["hidden"] * (1.0 - model["dropout"])
    mlflow.set_tracking_uri(f"sqlite:///{tracking_dir}/mlflow.db")
    mlflow.set_experiment(experiment)
    with mlflow.start_run() as run:
        mlflow.log_params(hp.report().flat())
        mlflow.log_metric("loss", loss)
    print(f"run {run.info.run_id}: loss {loss:.6g}")
    return loss


if __name__ == "__main__":
    hp.launch(train)
