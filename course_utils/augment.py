"""Trajectory data augmentation: new, plausible training windows from the ones we have.

The article's remedy for "deep models need much data" is data augmentation.  For trajectories
the transformations are geometric.  Each function takes windows of positions ``xy (n, T, 2)``
(metres, one row per time step: ``observed`` and ``future`` concatenated, e.g. ``T = 8 + 12``)
and returns windows of the same shape; window ``i`` of the output is made from window ``i`` of
the input only (trajectories are never mixed).  Transformations act about each window's first
position, so a window stays where it was.

Which are physically valid, and why:

- **rotation** (any angle): the ground has no preferred direction for a walker, so a rotated
  path is as plausible as the original.  Speeds and turn angles are unchanged.  (Not valid
  where the scene has a layout — a street, a corridor — and positions are absolute.)
- **reflection** (mirror image): a left turn becomes a right turn; walkers turn both ways.
  Speeds are unchanged, turn angles change sign.  (Not valid where a side is special,
  e.g. people keeping to the right.)
- **scaling** by a factor near 1 (default 0.8–1.2): with the same time step, every speed is
  multiplied by the factor — a slower or faster walker on the same path.  Valid within the
  range of human walking speeds; a factor of 3 would make runners out of walkers.
- **small noise**: position jitter of a few centimetres, like annotation or detector noise.
  Valid at the level of the real measurement noise, no more.
- **time reversal**: the same path walked the other way.  A smooth path reversed is smooth,
  with the same speeds; a speed-up becomes a slow-down.  Valid for single-walker kinematics,
  **not** for behaviour where the cause comes first: reversed, a walker would step aside
  *after* passing someone, or set off before the light turned green.  Off by default.

All random choices come from a NumPy ``Generator`` passed in (reproducible).
"""
from __future__ import annotations

import numpy as np

from .validation import as_float_array

__all__ = ["rotate", "reflect", "scale", "add_noise", "reverse", "random_augment", "speeds", "turn_angles"]


def _windows(xy, name: str = "xy") -> np.ndarray:
    xy = as_float_array(xy, name, shape=(None, None, 2))
    if xy.shape[1] < 1:
        raise ValueError(f"{name}: expected at least one position per window, got shape {xy.shape}")
    return xy


def _per_window(value, n: int, name: str) -> np.ndarray:
    arr = as_float_array(np.broadcast_to(np.asarray(value, dtype=float), (n,)) if np.ndim(value) == 0 else value,
                         name, shape=(n,), allow_empty=True)
    return arr


def rotate(xy, angles) -> np.ndarray:
    """Rotate each window counter-clockwise by ``angles`` (radians; a number or ``(n,)``) about its first position."""
    xy = _windows(xy)
    angles = _per_window(angles, len(xy), "angles")
    c, s = np.cos(angles)[:, None], np.sin(angles)[:, None]
    rel = xy - xy[:, :1]
    out = np.stack([c * rel[..., 0] - s * rel[..., 1], s * rel[..., 0] + c * rel[..., 1]], axis=-1)
    return out + xy[:, :1]


def reflect(xy, axis_angles=0.0) -> np.ndarray:
    """Mirror each window across the line through its first position at ``axis_angles`` (radians).

    ``axis_angles=0`` mirrors across the horizontal line (y -> -y relative to the start).
    """
    xy = _windows(xy)
    phi = _per_window(axis_angles, len(xy), "axis_angles")
    c, s = np.cos(2 * phi)[:, None], np.sin(2 * phi)[:, None]
    rel = xy - xy[:, :1]
    out = np.stack([c * rel[..., 0] + s * rel[..., 1], s * rel[..., 0] - c * rel[..., 1]], axis=-1)
    return out + xy[:, :1]


def scale(xy, factors) -> np.ndarray:
    """Scale each window about its first position by ``factors`` (positive; a number or ``(n,)``)."""
    xy = _windows(xy)
    factors = _per_window(factors, len(xy), "factors")
    if np.any(factors <= 0):
        raise ValueError(f"factors: expected positive scale factors, got minimum {factors.min():g}")
    return xy[:, :1] + factors[:, None, None] * (xy - xy[:, :1])


def add_noise(xy, std: float, rng: np.random.Generator) -> np.ndarray:
    """Add independent Gaussian noise of standard deviation ``std`` (same unit as ``xy``) to every position."""
    xy = _windows(xy)
    if not (np.isfinite(std) and std >= 0):
        raise ValueError(f"std: expected a non-negative number (same unit as xy), got {std!r}")
    _check_rng(rng)
    return xy + rng.normal(0.0, std, size=xy.shape)


def reverse(xy) -> np.ndarray:
    """Reverse time in every window: the last position comes first."""
    return _windows(xy)[:, ::-1].copy()


def _check_rng(rng):
    if not isinstance(rng, np.random.Generator):
        raise ValueError(f"rng: expected a numpy.random.Generator (np.random.default_rng(seed)), "
                         f"got {type(rng).__name__}")


def random_augment(xy, rng: np.random.Generator, *, rotation: bool = True, reflection: bool = True,
                   scaling: tuple[float, float] | None = (0.8, 1.2), noise: float = 0.0,
                   reversal: bool = False) -> np.ndarray:
    """A random, independent transformation of every window ``xy (n, T, 2)``; returns ``(n, T, 2)``.

    Per window: a rotation by an angle uniform in [-pi, pi) (``rotation``), a mirror image with
    probability 1/2 (``reflection``), a scale factor uniform in ``scaling`` (None: no scaling),
    position noise of standard deviation ``noise``, and time reversal with probability 1/2
    (``reversal``; off by default — see the module docstring for when it is valid).
    """
    xy = _windows(xy)
    _check_rng(rng)
    n = len(xy)
    out = xy
    if reversal:
        flip = rng.random(n) < 0.5
        out = np.where(flip[:, None, None], out[:, ::-1], out)
        out = out - out[:, :1] + xy[:, :1]          # keep each window's start where it was
    if reflection:
        mirror = rng.random(n) < 0.5
        out = np.where(mirror[:, None, None], reflect(out, 0.0), out)
    if rotation:
        out = rotate(out, rng.uniform(-np.pi, np.pi, size=n))
    if scaling is not None:
        lo, hi = scaling
        if not (0 < lo <= hi):
            raise ValueError(f"scaling: expected (low, high) with 0 < low <= high, got {scaling!r}")
        out = scale(out, rng.uniform(lo, hi, size=n))
    if noise:
        out = add_noise(out, noise, rng)
    return np.ascontiguousarray(out)


def speeds(xy) -> np.ndarray:
    """Step lengths ``(n, T - 1)``: the distance covered between consecutive positions."""
    xy = _windows(xy)
    return np.linalg.norm(np.diff(xy, axis=1), axis=-1)


def turn_angles(xy) -> np.ndarray:
    """Signed turn angle (radians, counter-clockwise positive) between consecutive steps, ``(n, T - 2)``."""
    xy = _windows(xy)
    d = np.diff(xy, axis=1)
    cross = d[:, :-1, 0] * d[:, 1:, 1] - d[:, :-1, 1] * d[:, 1:, 0]
    dot = np.sum(d[:, :-1] * d[:, 1:], axis=-1)
    return np.arctan2(cross, dot)
