"""Exercise checkers for notebook 03 (Keras LSTM forecasting), built on ``course_utils.checks``.

- ``check_batches_per_epoch(answer)``: how many gradient steps one epoch takes;
- ``check_normalise(func)``: observed positions -> displacements divided by a scale;
- ``check_canonical_frame(func)``: displacements rotated so that the last step points along +x.

Each returns a ``checks.CheckResult`` (friendly message; ``bool(result)`` is True when correct).
"""
from __future__ import annotations

import math

import numpy as np

from .checks import CheckResult, check_function, check_number

__all__ = ["check_batches_per_epoch", "check_normalise", "check_canonical_frame"]


def check_batches_per_epoch(answer, n_examples: int = 11852, batch_size: int = 32) -> CheckResult:
    """Notebook 03, exercise 1: gradient steps per epoch for ``n_examples`` and ``batch_size``."""
    return check_number(answer, math.ceil(n_examples / batch_size), name="n_batches", integer=True,
                        hint=f"batch_size is the number of examples in one batch; {n_examples} examples are "
                             f"cut into batches of {batch_size}, and the last, smaller batch counts too "
                             "(math.ceil).",
                        success="ceil(n / batch_size) batches per epoch: batch_size=32 means 32 examples "
                                "per batch, not 32 batches.")


def _windows(seed: int, shapes=((1, 2), (4, 8), (6, 5))):
    rng = np.random.default_rng(seed)
    return [np.cumsum(rng.normal(0.3, 1.0, (n, k, 2)), axis=1) for n, k in shapes]


def check_normalise(func) -> CheckResult:
    """Notebook 03, exercise 2: ``func(observed (n, k, 2), scale) -> (n, k - 1, 2)`` displacements / scale."""
    cases = [(obs, scale) for obs, scale in zip(_windows(3), (1.0, 0.5, 2.5))]
    return check_function(func, cases, lambda obs, scale: np.diff(obs, axis=1) / scale, name="normalise",
                          hint="take the differences of consecutive positions along the time axis "
                               "(observed[:, 1:] - observed[:, :-1]), then divide by scale.",
                          success="Displacements divided by a typical step: the network sees numbers of "
                                  "order 1, wherever the object is.")


def _canonical_reference(observed):
    from .models import canonical_angles, rotate
    return rotate(np.diff(observed, axis=1), -canonical_angles(observed))


def check_canonical_frame(func) -> CheckResult:
    """Notebook 03, exercise 3: ``func(observed (n, k, 2)) -> (n, k - 1, 2)`` displacements in the
    canonical frame (each window rotated so that its last displacement points along +x)."""
    return check_function(func, [(obs,) for obs in _windows(4)], _canonical_reference, name="canonical",
                          hint="angle = np.arctan2(dy, dx) of the last displacement of each window; rotate "
                               "every displacement by -angle: x' = cos(a) x + sin(a) y, "
                               "y' = -sin(a) x + cos(a) y (with a = angle[:, None]).",
                          success="In this frame every window's last step points along +x, with its length "
                                  "kept: the network no longer has to learn each walking direction separately.")
