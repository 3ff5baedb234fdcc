"""Self-grading exercise checkers: friendly, specific feedback, never a traceback.

Each exercise in a notebook ends with a call such as ``checks.check_window_count(answer)``.
The checker returns a ``CheckResult`` that shows as one short message in the notebook:

- ``✅ Correct ...`` when the answer is right;
- ``⏳ Not yet ...`` for an untouched placeholder (``...``) or ``None``;
- ``❌ ...`` with what was expected, what was given and a hint otherwise
  (wrong type, wrong shape, NaN, wrong values, a function that raises).

``bool(result)`` is True only for a correct answer, so tests can assert on it.
"""
from __future__ import annotations

import traceback
from dataclasses import dataclass
from typing import Callable

import numpy as np

__all__ = ["CheckResult", "check_array", "check_number", "check_function",
           "check_displacements", "check_constant_velocity", "check_ade", "check_window_count"]


@dataclass
class CheckResult:
    """The outcome of a checker: ``passed`` and a ``message`` for the learner."""
    passed: bool
    message: str

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        return self.message

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython display
        printer.text(self.message)


def _ok(message: str) -> CheckResult:
    return CheckResult(True, "✅ Correct! " + message)


def _not_yet(name: str, hint: str) -> CheckResult:
    return CheckResult(False, f"⏳ Not yet: `{name}` is still the placeholder. Your turn! Hint: {hint}")


def _wrong(message: str, hint: str = "") -> CheckResult:
    return CheckResult(False, "❌ " + message + (f" Hint: {hint}" if hint else ""))


def _describe(value) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    text = repr(value)
    return f"{type(value).__name__} {text[:60] + ('…' if len(text) > 60 else '')}"


def _placeholder_or_none(answer, name: str, hint: str) -> CheckResult | None:
    if answer is Ellipsis or answer is NotImplemented:
        return _not_yet(name, hint)
    if answer is None:
        return _wrong(f"`{name}` is None. Did you forget to `return` the result or to assign it?", hint)
    return None


def check_array(answer, expected, *, name: str = "answer", hint: str = "",
                atol: float = 1e-6, rtol: float = 1e-6, success: str = "") -> CheckResult:
    """Compare an array answer with the expected array: placeholder, type, shape, NaN, values."""
    early = _placeholder_or_none(answer, name, hint)
    if early is not None:
        return early
    expected = np.asarray(expected, dtype=float)
    if isinstance(answer, (str, bytes, dict, set)) or callable(answer):
        return _wrong(f"`{name}` should be a NumPy array of shape {expected.shape}, got {_describe(answer)}.", hint)
    try:
        given = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        return _wrong(f"`{name}` should be a NumPy array of numbers, got {_describe(answer)}.", hint)
    if given.shape != expected.shape:
        return _wrong(f"`{name}` has shape {given.shape}, expected {expected.shape}.", hint)
    if np.isnan(given).any():
        where = tuple(int(i) for i in np.argwhere(np.isnan(given))[0])
        return _wrong(f"`{name}` holds NaN (first at index {where}).", hint)
    if not np.allclose(given, expected, atol=atol, rtol=rtol):
        diff = np.abs(given - expected)
        where = tuple(int(i) for i in np.unravel_index(np.argmax(diff), diff.shape)) if diff.ndim else ()
        return _wrong(f"`{name}` has the right shape {given.shape} but different values: at index {where} "
                      f"expected {expected[where]:.4g}, got {given[where]:.4g}.", hint)
    return _ok(success or f"`{name}` matches (shape {given.shape}).")


def check_number(answer, expected: float, *, name: str = "answer", hint: str = "",
                 atol: float = 1e-6, rtol: float = 1e-6, integer: bool = False, success: str = "") -> CheckResult:
    """Compare a single number with the expected one."""
    early = _placeholder_or_none(answer, name, hint)
    if early is not None:
        return early
    if isinstance(answer, bool) or not isinstance(answer, (int, float, np.integer, np.floating)) and not (
            isinstance(answer, np.ndarray) and answer.shape == ()):
        return _wrong(f"`{name}` should be a number, got {_describe(answer)}.", hint)
    value = float(answer)
    if np.isnan(value):
        return _wrong(f"`{name}` is NaN.", hint)
    if integer and value != round(value):
        return _wrong(f"`{name}` should be a whole number, got {value:g}.", hint)
    if not np.isclose(value, expected, atol=atol, rtol=rtol):
        return _wrong(f"`{name}` is {value:.6g}, expected {expected:.6g}.", hint)
    return _ok(success or f"`{name}` = {value:.6g}.")


def check_function(func, cases, reference: Callable, *, name: str = "your function", hint: str = "",
                   atol: float = 1e-6, success: str = "") -> CheckResult:
    """Call a learner's function on test ``cases`` (tuples of arguments) and compare with ``reference``."""
    early = _placeholder_or_none(func, name, hint)
    if early is not None:
        return early
    if not callable(func):
        return _wrong(f"`{name}` should be a function, got {_describe(func)}.", hint)
    for number, args in enumerate(cases, start=1):
        try:
            got = func(*args)
        except NotImplementedError:
            return _not_yet(name, hint)
        except Exception as exc:  # a learner's bug: report it, never re-raise
            frame = traceback.extract_tb(exc.__traceback__)[-1]
            return _wrong(f"`{name}` raised {type(exc).__name__}: {exc} (line {frame.lineno}) on test case "
                          f"{number}.", hint)
        result = check_array(got, reference(*args), name=f"{name}(...) on test case {number}",
                             hint=hint, atol=atol)
        if not result:
            return result
    return _ok(success or f"`{name}` agrees with the reference on {len(cases)} test cases.")


# --------------------------------------------------------------------------- notebook 01

def _cases_observed(seed: int = 0):
    rng = np.random.default_rng(seed)
    return [(np.cumsum(rng.normal(0, 1, (n, k, 2)), axis=1), horizon)
            for n, k, horizon in [(1, 2, 1), (3, 8, 12), (5, 4, 3)]]


def check_displacements(func) -> CheckResult:
    """Notebook 01, exercise 1: ``func(xy (T, 2)) -> (T-1, 2)`` displacements."""
    rng = np.random.default_rng(1)
    cases = [(rng.normal(0, 1, (t, 2)),) for t in (2, 5, 20)]
    return check_function(func, cases, lambda xy: np.diff(xy, axis=0), name="displacements",
                          hint="each row is the next position minus this one: xy[1:] - xy[:-1].",
                          success="Displacements are the differences of consecutive positions.")


def check_constant_velocity(func) -> CheckResult:
    """Notebook 01, exercise 2: ``func(observed (n, k, 2), horizon) -> (n, horizon, 2)``."""
    from .baselines import ConstantVelocity
    return check_function(func, _cases_observed(), ConstantVelocity().predict, name="constant_velocity",
                          hint="velocity = observed[:, -1] - observed[:, -2]; the j-th prediction is "
                               "last + j * velocity for j = 1..horizon (np.arange(1, horizon + 1)).",
                          success="Your constant-velocity predictor matches course_utils.baselines.ConstantVelocity.")


def check_ade(func) -> CheckResult:
    """Notebook 01, exercise 3: ``func(predicted (n, m, 2), true (n, m, 2)) -> float``."""
    from .metrics import ade
    rng = np.random.default_rng(2)
    cases = [(rng.normal(0, 1, (n, m, 2)), rng.normal(0, 1, (n, m, 2))) for n, m in [(1, 1), (4, 12), (7, 3)]]
    return check_function(func, cases, ade, name="my_ade",
                          hint="take the Euclidean distance per position (np.linalg.norm(..., axis=-1)), "
                               "then the mean over objects and steps.",
                          success="ADE = mean Euclidean distance over every predicted position.")


def check_window_count(answer, length: int = 30, k: int = 8, m: int = 12) -> CheckResult:
    """Notebook 01, exercise 4: how many (k, m) windows does a trajectory of ``length`` positions give?"""
    from .data import count_windows
    return check_number(answer, count_windows(length, k, m), name="n_windows", integer=True,
                        hint=f"a window needs k + m = {k + m} consecutive positions and slides by one; "
                             f"count its possible first positions.",
                        success="length - (k + m) + 1 windows, as make_windows cuts them.")
