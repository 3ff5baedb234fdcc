"""Training a ``models.KerasForecaster``: validation data, early stopping, the best model saved.

    result = fit(forecaster, train_windows, val_windows, epochs=30, batch_size=256, patience=5,
                 seed=0, checkpoint="lstm.keras")
    plot_history(result)

- the normalisation (``scale``) is computed from the *training* windows only;
- the loss, optimised with Adam, is the mean squared error of the normalised outputs (``loss="mse"``,
  Keras's usual choice) or the mean Euclidean distance between predicted and true 2-D steps
  (``loss="distance"``: closer to ADE, and less dominated by a few erratic walkers);
- after every epoch the loss on the validation windows is measured; ``EarlyStopping`` stops when
  it has not improved for ``patience`` epochs and restores the weights of the best epoch;
- ``checkpoint=path.keras`` saves that best model (``KerasForecaster.save``: network + settings);
- ``seed`` makes a run repeatable: Keras's seeds, TensorFlow's deterministic ops, a seeded shuffle.

TensorFlow/Keras is imported lazily.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import backend
from .validation import as_float_array, check_positive_int

__all__ = ["FitResult", "fit", "plot_history", "batches_per_epoch", "as_pair"]


def batches_per_epoch(n_examples: int, batch_size: int) -> int:
    """How many gradient steps one epoch takes: ``ceil(n_examples / batch_size)``.

    ``batch_size`` is the number of *examples* per step, not the number of batches.
    """
    n_examples = check_positive_int(n_examples, "n_examples")
    batch_size = check_positive_int(batch_size, "batch_size")
    return math.ceil(n_examples / batch_size)


def as_pair(windows, name: str) -> tuple[np.ndarray, np.ndarray]:
    """``(observed (n, k, 2), future (n, m, 2))`` from a ``data.Windows`` or a pair of arrays."""
    if hasattr(windows, "observed") and hasattr(windows, "future"):
        observed, future = windows.observed, windows.future
    elif isinstance(windows, (tuple, list)) and len(windows) == 2:
        observed, future = windows
    else:
        raise ValueError(f"{name}: expected a data.Windows or a pair (observed, future), got "
                         f"{type(windows).__name__}")
    observed = as_float_array(observed, f"{name} observed", shape=(None, None, 2))
    future = as_float_array(future, f"{name} future", shape=(len(observed), None, 2))
    return observed, future


@dataclass
class FitResult:
    """What ``fit`` returns.

    history : per-epoch ``loss`` and ``val_loss`` lists (Keras's ``History.history``)
    best_epoch : 1-based epoch whose weights were kept;  best_val_loss : its validation loss
    epochs_run : epochs trained before stopping;  seconds : wall time of the training
    checkpoint : where the best model was saved (or None);  loss : the loss trained on
    """
    history: dict
    best_epoch: int
    best_val_loss: float
    epochs_run: int
    seconds: float
    batch_size: int
    steps_per_epoch: int
    checkpoint: Path | None = None
    name: str = "model"
    loss: str = "mse"

    def __repr__(self) -> str:
        return (f"FitResult({self.name}: best epoch {self.best_epoch} of {self.epochs_run}, "
                f"val_loss {self.best_val_loss:.4f}, {self.seconds:.1f} s)")


LOSSES = ("mse", "distance")


def _distance_loss(y_true, y_pred):
    """Mean Euclidean distance between true and predicted (normalised) 2-D vectors."""
    from keras import ops
    return ops.mean(ops.sqrt(ops.sum(ops.square(y_true - y_pred), axis=-1) + 1e-12), axis=-1)


def fit(forecaster, train, val, *, epochs: int = 30, batch_size: int = 256, patience: int = 5,
        learning_rate: float = 3e-3, loss: str = "mse", seed: int = 0, checkpoint=None, verbose: int = 0,
        progress: bool = False) -> FitResult:
    """Train a ``KerasForecaster`` on ``train`` windows, watching the loss on ``val`` windows.

    Parameters
    ----------
    forecaster : ``models.KerasForecaster`` (its normalisation is set from ``train`` if not yet set)
    train, val : ``data.Windows`` or ``(observed (n, k, 2), future (n, m, 2))``, same unit
    epochs : the most passes over the training windows
    batch_size : training examples (windows) per gradient step; an epoch is
        ``ceil(n_train / batch_size)`` steps
    patience : stop after this many epochs without a better validation loss; the best weights
        are restored
    learning_rate : Adam's step size
    loss : ``"mse"`` or ``"distance"`` (mean Euclidean distance per predicted 2-D step)
    seed : makes the run repeatable (initial weights, shuffling, TensorFlow ops)
    checkpoint : a ``.keras`` path: the best model is saved there (with its ``.json`` settings)
    verbose : Keras's own progress output (0 silent, 1 progress bar, 2 one line per epoch)
    progress : a tqdm progress bar over epochs instead (``tqdm.keras.TqdmCallback``)
    """
    from .models import KerasForecaster, import_keras
    keras = import_keras()
    if not isinstance(forecaster, KerasForecaster):
        raise ValueError(f"forecaster: expected a course_utils.models.KerasForecaster, got "
                         f"{type(forecaster).__name__}")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    patience = check_positive_int(patience, "patience")
    if not (np.isfinite(learning_rate) and learning_rate > 0):
        raise ValueError(f"learning_rate: expected a positive number, got {learning_rate!r}")
    train_obs, train_fut = as_pair(train, "train")
    val_obs, val_fut = as_pair(val, "val")
    if checkpoint is not None and Path(checkpoint).suffix != ".keras":
        raise ValueError(f"checkpoint: expected a file name ending in .keras, got {str(checkpoint)!r}")

    backend.seed(seed)
    if forecaster.scale is None:
        forecaster.fit_normalisation(train_obs, train_fut)
    x, y = forecaster.encode(train_obs), forecaster.encode_target(train_obs, train_fut)
    xv, yv = forecaster.encode(val_obs), forecaster.encode_target(val_obs, val_fut)

    model = forecaster.model
    if loss not in LOSSES:
        raise ValueError(f"loss: expected one of {', '.join(map(repr, LOSSES))}, got {loss!r}")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="mse" if loss == "mse" else _distance_loss)
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=patience, restore_best_weights=True)
    callbacks = [stopper]
    if progress:
        from tqdm.keras import TqdmCallback
        callbacks.append(TqdmCallback(verbose=0))
    start = time.perf_counter()
    history = model.fit(backend.batches((x, y), batch_size, shuffle_seed=seed), epochs=epochs,
                        shuffle=False, validation_data=backend.batches((xv, yv), 4096),
                        callbacks=callbacks, verbose=verbose)
    seconds = time.perf_counter() - start
    val_losses = [float(v) for v in history.history["val_loss"]]
    best = int(np.argmin(val_losses))
    saved = forecaster.save(checkpoint) if checkpoint is not None else None
    return FitResult(history={key: [float(v) for v in values] for key, values in history.history.items()},
                     best_epoch=best + 1, best_val_loss=val_losses[best], epochs_run=len(val_losses),
                     seconds=seconds, batch_size=batch_size, steps_per_epoch=batches_per_epoch(len(x), batch_size),
                     checkpoint=saved, name=forecaster.name, loss=loss)


def plot_history(results, ax=None, *, title: str = "Training history"):
    """Plot training and validation loss per epoch for one ``FitResult`` or a dict ``{name: FitResult}``.

    The epoch whose weights were kept is marked with a dot.  Returns the matplotlib Axes.
    """
    import matplotlib.pyplot as plt

    if isinstance(results, FitResult):
        results = {results.name: results}
    if not results:
        raise ValueError("results: expected a FitResult or a non-empty dict of them")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.8))
    for i, (name, result) in enumerate(results.items()):
        if not isinstance(result, FitResult):
            raise ValueError(f"results[{name!r}]: expected a FitResult, got {type(result).__name__}")
        epochs = np.arange(1, len(result.history["loss"]) + 1)
        colour = f"C{i}"
        ax.plot(epochs, result.history["loss"], "--", color=colour, lw=1, label=f"{name} training")
        ax.plot(epochs, result.history["val_loss"], "-", color=colour, lw=1.5, label=f"{name} validation")
        ax.plot(result.best_epoch, result.best_val_loss, "o", color=colour, ms=6)
    losses = {result.loss for result in results.values()}
    label = {"mse": "loss: MSE (normalised units)", "distance": "loss: mean distance (units of the scale s)"}
    ax.set(title=title, xlabel="epoch", ylabel=label[losses.pop()] if len(losses) == 1 else "loss")
    ax.legend(fontsize=8, ncol=2 if len(results) > 1 else 1)
    return ax
