"""Exercise checkers for notebooks 06 (overfitting and data) and 07 (vanishing and exploding gradients).

Same conventions as ``course_utils.checks``: each checker returns a ``CheckResult`` that shows as one
friendly message (✅ / ⏳ / ❌ with expected vs given and a hint) and never raises for a wrong answer;
``bool(result)`` is True only when the answer is right.

Notebook 06
- ``check_rotate_windows(func)``     write a rotation of trajectory windows about their first position
- ``check_generalisation_gap(func)`` the gap between validation and training loss at the kept epoch
- ``check_invalid_augmentation(answer)``  which augmentation breaks cause and effect?

Notebook 07
- ``check_jacobian_step(func)``      one step's Jacobian diag(1 - h_t^2) U^T of a tanh RNN
- ``check_vanishing_steps(answer, factor)``  how many steps until a gradient is a millionth of its size
- ``check_clip_global(func)``        clipping a dict of gradients by their global norm
"""
from __future__ import annotations

import numpy as np

from . import augment, rnn
from .checks import CheckResult, _ok, _placeholder_or_none, _wrong, check_function, check_number

__all__ = ["check_rotate_windows", "check_generalisation_gap", "check_invalid_augmentation",
           "check_jacobian_step", "check_vanishing_steps", "check_clip_global"]


# --------------------------------------------------------------------------- notebook 06
def check_rotate_windows(func) -> CheckResult:
    """Notebook 06: ``func(xy (n, T, 2), angle) -> (n, T, 2)``, rotated counter-clockwise about each first position."""
    rng = np.random.default_rng(6)
    cases = [(np.cumsum(rng.normal(0, 1, (n, t, 2)), axis=1), angle)
             for n, t, angle in [(1, 3, np.pi / 2), (4, 20, 0.3), (2, 5, -2.0)]]
    return check_function(func, cases, augment.rotate, name="rotate_windows",
                          hint="subtract each window's first position (xy[:, :1]), rotate with "
                               "x' = cos·x − sin·y, y' = sin·x + cos·y, then add the first position back.",
                          success="Rotations about the start keep every speed and every turn angle.")


def _reference_gap(history):
    val = np.asarray(history["val_loss"], dtype=float)
    best = int(np.argmin(val))
    return float(val[best] - np.asarray(history["loss"], dtype=float)[best])


def check_generalisation_gap(func) -> CheckResult:
    """Notebook 06: ``func(history) -> float``: validation minus training loss at the lowest-validation epoch."""
    cases = [({"loss": [1.0, 0.5, 0.2, 0.1], "val_loss": [1.1, 0.7, 0.6, 0.8]},),
             ({"loss": [0.9, 0.8], "val_loss": [0.95, 0.85]},),
             ({"loss": [0.3, 0.2, 0.1], "val_loss": [0.4, 0.4, 0.5]},)]
    return check_function(func, cases, _reference_gap, name="generalisation_gap",
                          hint="find the epoch with the smallest val_loss (np.argmin), then take "
                               "val_loss[best] - loss[best] at that same epoch.",
                          success="The gap is measured where early stopping would stop.")


_AUGMENTATIONS = ("rotation", "reflection", "scaling", "noise", "reversal")


def check_invalid_augmentation(answer) -> CheckResult:
    """Notebook 06: which augmentation is not physically valid for walkers who avoid each other?"""
    hint = f"one of {', '.join(repr(a) for a in _AUGMENTATIONS)}: which one makes an effect come before its cause?"
    early = _placeholder_or_none(answer, "invalid_augmentation", hint)
    if early is not None:
        return early
    if not isinstance(answer, str) or answer.strip().lower() not in _AUGMENTATIONS:
        return _wrong(f"`invalid_augmentation` should be one of {', '.join(repr(a) for a in _AUGMENTATIONS)}, "
                      f"got {answer!r}.", hint)
    if answer.strip().lower() != "reversal":
        return _wrong(f"{answer!r} keeps cause before effect: a rotated, mirrored, scaled or jittered avoidance "
                      "manoeuvre is still a plausible one.", hint)
    return _ok("Reversed in time, a walker would step aside *after* passing the other one.")


# --------------------------------------------------------------------------- notebook 07
def _reference_jacobian(h_t, U):
    return (1.0 - h_t ** 2)[:, None] * U.T


def check_jacobian_step(func) -> CheckResult:
    """Notebook 07: ``func(h_t (H,), U (H, H)) -> (H, H)``, the Jacobian diag(1 - h_t^2) U^T."""
    rng = np.random.default_rng(7)
    cases = [(np.tanh(rng.normal(0, 1, h)), rng.normal(0, 1, (h, h))) for h in (1, 3, 6)]
    return check_function(func, cases, _reference_jacobian, name="jacobian_step",
                          hint="d h_t[i] / d h_{t-1}[j] = (1 - h_t[i]**2) * U[j, i]: scale the rows of U.T by "
                               "(1 - h_t**2), e.g. (1 - h_t**2)[:, None] * U.T.",
                          success="One step back multiplies the gradient by diag(1 - h_t²) Uᵀ.")


def check_vanishing_steps(answer, factor: float = 0.76, ratio: float = 1e-6) -> CheckResult:
    """Notebook 07: the smallest n with ``factor ** n <= ratio``."""
    expected = int(np.ceil(np.log(ratio) / np.log(factor)))
    return check_number(answer, expected, name="n_steps", integer=True,
                        hint=f"solve {factor} ** n = {ratio:g} for n with logarithms, then round up.",
                        success=f"{factor} ** {expected} ≈ {factor ** expected:.1e}: what happened {expected} steps "
                                "back reaches the loss a million times weaker than what happened last.")


def check_clip_global(func) -> CheckResult:
    """Notebook 07: ``func(grads: dict, max_norm) -> dict`` clipped by the global norm."""
    hint = ("the global norm is sqrt of the sum of squares of every entry of every array; if it is larger than "
            "max_norm, multiply every array by max_norm / norm.")
    early = _placeholder_or_none(func, "clip_global", hint)
    if early is not None:
        return early
    if not callable(func):
        return _wrong(f"`clip_global` should be a function, got {type(func).__name__}.", hint)
    rng = np.random.default_rng(8)
    cases = [({"W": rng.normal(0, 3, (2, 3)), "b": rng.normal(0, 3, 3)}, 1.0),
             ({"U": rng.normal(0, 0.01, (4, 4))}, 1.0),
             ({"V": rng.normal(0, 1, (5, 2)), "c": np.zeros(2)}, 2.5)]
    for number, (grads, max_norm) in enumerate(cases, start=1):
        expected, _ = rnn.clip_by_global_norm(grads, max_norm)
        wrapped = check_function(lambda g=grads, m=max_norm: _as_list(func(g, m), list(g)),
                                 [()], lambda g=grads, m=max_norm: _as_list(expected, list(g)),
                                 name="clip_global", hint=hint)
        if not wrapped:
            return CheckResult(False, wrapped.message.replace("test case 1", f"test case {number}"))
    return _ok("Clipping keeps the direction of the gradient and caps its length (rnn.clip_by_global_norm).")


def _as_list(grads, names):
    if not isinstance(grads, dict):
        raise TypeError(f"expected a dict of arrays, got {type(grads).__name__}")
    missing = [n for n in names if n not in grads]
    if missing:
        raise KeyError(f"the returned dict has no entry {missing[0]!r}")
    return np.concatenate([np.asarray(grads[n], dtype=float).ravel() for n in names])
