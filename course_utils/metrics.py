"""Forecasting metrics: ADE, FDE and the error at each step of the horizon.

- displacement error: the Euclidean distance between a predicted and a true position;
- ADE (average displacement error): its mean over every predicted step of every object;
- FDE (final displacement error): its mean over objects at the last predicted step.

Both are in the unit of the data (metres for UCY, pixels for TUD).
"""
from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from .validation import as_float_array, check_positive_int

__all__ = ["displacement_errors", "ade", "fde", "error_per_step", "evaluate", "evaluate_windows"]


def displacement_errors(predicted, true) -> np.ndarray:
    """Distances between predicted and true positions: ``(n, m, 2)`` and ``(n, m, 2)`` give ``(n, m)``."""
    predicted = as_float_array(predicted, "predicted", shape=(None, None, 2))
    true = as_float_array(true, "true", shape=(None, None, 2))
    if predicted.shape != true.shape:
        raise ValueError(f"predicted and true must have the same shape (n, m, 2); got predicted "
                         f"{predicted.shape} and true {true.shape}")
    return np.linalg.norm(predicted - true, axis=-1)


def ade(predicted, true) -> float:
    """Average displacement error over all objects and all predicted steps."""
    return float(displacement_errors(predicted, true).mean())


def fde(predicted, true) -> float:
    """Final displacement error: mean distance at the last predicted step."""
    return float(displacement_errors(predicted, true)[:, -1].mean())


def error_per_step(predicted, true) -> np.ndarray:
    """Mean displacement error at each step of the horizon, shape ``(m,)``."""
    return displacement_errors(predicted, true).mean(axis=0)


def evaluate_windows(predictors: Mapping[str, object], observed, future):
    """Score predictors on given windows; returns a ``pandas.DataFrame``.

    One row per predictor: ``ADE``, ``FDE`` and the mean error at each step ``t+1 .. t+m``.
    Each predictor needs ``predict(observed (n, k, 2), horizon) -> (n, horizon, 2)``.
    """
    import pandas as pd

    observed = as_float_array(observed, "observed", shape=(None, None, 2))
    future = as_float_array(future, "future", shape=(None, None, 2))
    if len(observed) != len(future):
        raise ValueError(f"observed and future must hold the same number of windows; got "
                         f"{len(observed)} and {len(future)}")
    if not predictors:
        raise ValueError("predictors: expected a dict {name: predictor}, got an empty one")
    horizon = future.shape[1]
    rows = {}
    for name, predictor in predictors.items():
        if not hasattr(predictor, "predict"):
            raise ValueError(f"predictors[{name!r}]: expected an object with predict(observed, horizon), "
                             f"got {type(predictor).__name__}")
        predicted = np.asarray(predictor.predict(observed, horizon))
        if predicted.shape != future.shape:
            raise ValueError(f"predictors[{name!r}].predict returned shape {predicted.shape}, expected "
                             f"{future.shape} (n, horizon, 2)")
        per_step = error_per_step(predicted, future)
        rows[name] = {"ADE": float(per_step.mean()), "FDE": float(per_step[-1]),
                      **{f"t+{j + 1}": float(e) for j, e in enumerate(per_step)}}
    table = pd.DataFrame.from_dict(rows, orient="index")
    table.index.name = "predictor"
    table.attrs["n_windows"] = len(observed)
    return table


def evaluate(predictors: Mapping[str, object], trajectories: Sequence, k: int = 8, m: int = 12):
    """Cut ``trajectories`` into (k, m) windows and score every predictor on them.

    Works on any trajectories from ``course_utils.data`` (UCY, TUD, synthetic, or your own file
    loaded with ``load_trajectories``).  Returns the table of ``evaluate_windows``; its
    ``attrs["n_windows"]`` says how many windows were scored.
    """
    from .data import make_windows

    k = check_positive_int(k, "k")
    m = check_positive_int(m, "m")
    windows = make_windows(trajectories, k, m)
    if len(windows) == 0:
        raise ValueError(f"trajectories: none is long enough for a window of {k} + {m} positions")
    return evaluate_windows(predictors, windows.observed, windows.future)
