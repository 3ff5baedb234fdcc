"""Input validation shared by every module: clear errors at the boundary.

Every public function of ``course_utils`` checks what it is given with these helpers,
so a learner sees "expected observed of shape (n, k, 2), got (8, 2)" instead of a
broadcasting error three calls deeper.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

__all__ = ["as_float_array", "check_shape", "check_positive_int", "check_seed", "check_finite"]


def _describe(value) -> str:
    if value is None:
        return "None"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"[:120]


def as_float_array(value, name: str, *, ndim: int | None = None,
                   shape: Sequence[int | None] | None = None,
                   allow_nan: bool = False, allow_empty: bool = False,
                   dtype=np.float64) -> np.ndarray:
    """Convert ``value`` to a float array and check its shape.

    ``shape`` may use ``None`` for "any size", e.g. ``(None, None, 2)`` for
    ``(n, k, 2)``.  Raises ``ValueError`` naming ``name``, what was expected and
    what was given.
    """
    if value is None:
        raise ValueError(f"{name}: expected an array, got None")
    try:
        arr = np.asarray(value, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected numbers, got {_describe(value)} ({exc})") from None
    if shape is not None:
        ndim = len(shape)
    if ndim is not None and arr.ndim != ndim:
        want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")" if shape else f"{ndim} dimensions"
        raise ValueError(f"{name}: expected shape {want}, got shape {arr.shape}")
    if shape is not None:
        for axis, (want, got) in enumerate(zip(shape, arr.shape)):
            if want is not None and want != got:
                pretty = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
                raise ValueError(f"{name}: expected shape {pretty}, got shape {arr.shape} "
                                 f"(axis {axis} should have size {want})")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name}: got an empty array of shape {arr.shape}")
    if not allow_nan:
        check_finite(arr, name)
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds NaN or infinity."""
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name}: holds {int(bad.sum())} NaN/inf value(s), first at index {where}")


def check_shape(arr: np.ndarray, name: str, shape: Sequence[int | None]) -> None:
    """Check an existing array's shape (``None`` = any size)."""
    as_float_array(arr, name, shape=shape, allow_nan=True, allow_empty=True)


def check_seed(value, name: str = "seed") -> int:
    """Return a random seed as int if it is a non-negative integer, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name}: expected a non-negative integer, got {value!r}")
    return int(value)


def check_positive_int(value, name: str, *, minimum: int = 1) -> int:
    """Return ``value`` as int if it is an integer >= ``minimum``, else raise ``ValueError``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name}: expected an integer >= {minimum}, got {value}")
    return int(value)
