"""Exercise checkers for notebook 02 (the RNN by hand in NumPy).

Same conventions as ``course_utils.checks``: each checker returns a ``CheckResult``
that shows as one friendly message (✅ / ⏳ / ❌ with expected vs given and a hint) and
never raises for a wrong answer; ``bool(result)`` is True only when the answer is right.

- ``check_bptt_step(bptt_step)``        exercise 1: one step of backpropagation through time
- ``check_wrong_param(answer)``         exercise 2a: which gradient does the buggy backward get wrong?
- ``check_fixed_backward(backward)``    exercise 2b: the repaired backward pass
- ``check_param_count(answer)``         exercise 3: how many numbers does Keras count?
"""
from __future__ import annotations

import traceback

import numpy as np

from . import rnn
from .checks import CheckResult, _describe, _not_yet, _ok, _placeholder_or_none, _wrong, check_array, check_number

__all__ = ["check_bptt_step", "check_wrong_param", "check_fixed_backward", "check_param_count",
           "reference_bptt_step", "BUGGY_PARAM"]

#: the parameter whose gradient ``buggy_backward`` of notebook 02 gets wrong
BUGGY_PARAM = "U"


def _call(func, name: str, hint: str, args, case: int):
    """Call a learner's function; return (result, None) or (None, CheckResult) if it raised."""
    try:
        return func(*args), None
    except NotImplementedError:
        return None, _not_yet(name, hint)
    except Exception as exc:  # a learner's bug: report it, never re-raise
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        return None, _wrong(f"`{name}` raised {type(exc).__name__}: {exc} (line {frame.lineno}) "
                            f"on test case {case}.", hint)


def _check_function_early(func, name: str, hint: str) -> CheckResult | None:
    early = _placeholder_or_none(func, name, hint)
    if early is not None:
        return early
    if not callable(func):
        return _wrong(f"`{name}` should be a function, got {_describe(func)}.", hint)
    return None


# --------------------------------------------------------------------------- exercise 1
def reference_bptt_step(dh, h_t, h_prev, x_t, U):
    """One step of BPTT for a tanh RNN (the answer to exercise 1).

    dh (batch, H): dL/dh_t, everything that reaches h_t (from y_t and from a_{t+1});
    h_t, h_prev (batch, H); x_t (batch, d_in); U (H, H).
    Returns ``(dW_t, dU_t, db_t, dh_prev)``: this step's contributions to the
    gradients of W (d_in, H), U (H, H), b (H,) and dL/dh_{t-1} through a_t (batch, H).
    """
    da = dh * (1.0 - h_t ** 2)
    return x_t.T @ da, h_prev.T @ da, da.sum(axis=0), da @ U.T


def _bptt_cases(seed: int = 0):
    rng = np.random.default_rng(seed)
    cases = []
    for batch, d_in, hidden in [(1, 1, 1), (4, 2, 3), (5, 3, 6)]:
        h_prev = np.tanh(rng.normal(0, 1, (batch, hidden)))
        h_t = np.tanh(rng.normal(0, 1, (batch, hidden)))
        cases.append((rng.normal(0, 1, (batch, hidden)), h_t, h_prev,
                      rng.normal(0, 1, (batch, d_in)), rng.normal(0, 0.5, (hidden, hidden))))
    return cases


def check_bptt_step(func) -> CheckResult:
    """Exercise 1: ``bptt_step(dh, h_t, h_prev, x_t, U) -> (dW_t, dU_t, db_t, dh_prev)`` (tanh)."""
    name = "bptt_step"
    hint = ("first go back through tanh: da = dh * tanh'(a_t), and tanh'(a_t) can be written with h_t alone; "
            "then each weight's gradient is its input, transposed, times da (summed over the batch for b), "
            "and dh_prev goes back through U (transposed).")
    early = _check_function_early(func, name, hint)
    if early is not None:
        return early
    labels = ("dW_t", "dU_t", "db_t", "dh_prev")
    for number, args in enumerate(_bptt_cases(), start=1):
        got, failed = _call(func, name, hint, args, number)
        if failed is not None:
            return failed
        if got is None:
            return _wrong(f"`{name}` returned None. Did you forget `return dW_t, dU_t, db_t, dh_prev`?", hint)
        if not isinstance(got, (tuple, list)) or len(got) != 4:
            return _wrong(f"`{name}` should return 4 arrays (dW_t, dU_t, db_t, dh_prev), got "
                          f"{_describe(got) if not isinstance(got, (tuple, list)) else f'{len(got)} values'}.",
                          hint)
        want = reference_bptt_step(*args)
        for label, g, w in zip(labels, got, want):
            res = check_array(g, w, name=f"{label} (test case {number})", hint=hint, atol=1e-9, rtol=1e-7)
            if not res:
                if g is not None and np.shape(g) == np.shape(w) and label in ("dW_t", "dU_t"):
                    other = want[0] if label == "dU_t" else want[1]
                    if np.shape(other) == np.shape(w) and np.allclose(g, other):
                        return _wrong(f"{label} (test case {number}) is the gradient of the other matrix.",
                                      "W multiplies x_t, U multiplies h_prev: each gets its own input times da.")
                return res
    return _ok("One BPTT step: the local derivative tanh' = 1 - h_t^2, then one matrix product per "
               "parameter and one (with U transposed) to go back in time.")


# --------------------------------------------------------------------------- exercise 2
def check_wrong_param(answer) -> CheckResult:
    """Exercise 2a: the name of the parameter whose gradient ``buggy_backward`` gets wrong."""
    name = "wrong_param"
    hint = "run gradient_check on the buggy backward and look for the parameter whose error is near 1."
    early = _placeholder_or_none(answer, name, hint)
    if early is not None:
        return early
    if not isinstance(answer, str):
        return _wrong(f"`{name}` should be a parameter name as a string such as \"W\", got {_describe(answer)}.",
                      hint)
    given = answer.strip().strip("'\"")
    if given not in rnn.PARAM_NAMES:
        return _wrong(f"`{name}` should be one of {', '.join(rnn.PARAM_NAMES)}, got {answer!r}.", hint)
    if given != BUGGY_PARAM:
        return _wrong(f"the gradient of {given!r} is right; expected another parameter, got {given!r}.", hint)
    return _ok(f"Only the gradient of {BUGGY_PARAM!r} fails the check: its error is near 1, the others' "
               "are far below 1e-6. Now find the line that computes it.")


def _backward_cases(seed: int = 0):
    rng = np.random.default_rng(seed)
    cases = []
    for batch, steps, d_in, hidden, d_out in [(1, 1, 1, 2, 1), (3, 5, 2, 4, 3), (2, 7, 3, 5, 2)]:
        p = rnn.init_params(d_in, hidden, d_out, seed=int(rng.integers(1000)))
        p = {k: v + 0.3 * rng.normal(0, 1, v.shape) for k, v in p.items()}
        x = rng.normal(0, 1, (batch, steps, d_in))
        _, cache = rnn.forward(p, x)
        hs = np.ascontiguousarray(cache["h"].transpose(1, 0, 2))   # (batch, time + 1, H), hs[:, 0] = h0
        dys = rng.normal(0, 1, (batch, steps, d_out))
        cases.append((p, x, hs, dys))
    return cases


def check_fixed_backward(func) -> CheckResult:
    """Exercise 2b: ``fixed_backward(params, x, hs, dys) -> grads`` agrees with ``course_utils.rnn.backward``.

    The arguments are those of the notebook's ``rnn_backward``: ``x (batch, time, d_in)``,
    ``hs (batch, time + 1, H)`` with ``hs[:, 0] = h0`` and ``hs[:, t + 1] = h_t``, and
    ``dys (batch, time, d_out)``; tanh activation.
    """
    name = "fixed_backward"
    hint = ("look at the line that computes the gradient the check flagged, and at the forward pass "
            "a_t = x_t W + h_{t-1} U + b: which hidden state does U multiply?")
    early = _check_function_early(func, name, hint)
    if early is not None:
        return early
    for number, (p, x, hs, dys) in enumerate(_backward_cases(), start=1):
        args = ({k: v.copy() for k, v in p.items()}, x.copy(), hs.copy(), dys.copy())
        got, failed = _call(func, name, hint, args, number)
        if failed is not None:
            return failed
        if got is None:
            return _wrong(f"`{name}` returned None. Did you forget `return grads`?", hint)
        if not isinstance(got, dict):
            return _wrong(f"`{name}` should return a dict of gradients like params, got {_describe(got)}.", hint)
        missing = [k for k in rnn.PARAM_NAMES if k not in got]
        if missing:
            return _wrong(f"`{name}` returned no gradient for {', '.join(map(repr, missing))}.", hint)
        _, cache = rnn.forward(p, x)
        want = rnn.backward(p, cache, dys)
        for key in rnn.PARAM_NAMES:
            res = check_array(got[key], want[key], name=f"grads[{key!r}] (test case {number})",
                              hint=hint, atol=1e-9, rtol=1e-7)
            if not res:
                return res
    return _ok("Your backward pass agrees with course_utils.rnn.backward for every parameter, h0 included.")


# --------------------------------------------------------------------------- exercise 3
def check_param_count(answer, d_in: int = 2, hidden: int = 32, d_out: int = 24) -> CheckResult:
    """Exercise 3: how many parameters does Keras report for SimpleRNN(hidden) + Dense(d_out)?"""
    keras_count = d_in * hidden + hidden * hidden + hidden + hidden * d_out + d_out
    hint = (f"W is ({d_in}, {hidden}), U is ({hidden}, {hidden}), b is ({hidden},), V is ({hidden}, {d_out}), "
            f"c is ({d_out},); Keras's SimpleRNN has no learnable h0.")
    if isinstance(answer, (int, np.integer)) and not isinstance(answer, bool) and answer == keras_count + hidden:
        return _wrong(f"`n_params` is {answer}: that counts h0 too ({hidden} numbers), which our NumPy RNN "
                      f"learns but Keras's SimpleRNN does not have. Expected {keras_count}.", hint)
    return check_number(answer, keras_count, name="n_params", integer=True, atol=0, rtol=0, hint=hint,
                        success=f"{keras_count} = d_in*H + H*H + H + H*d_out + d_out; model.count_params() "
                                "says the same.")
