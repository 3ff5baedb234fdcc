"""Tests for course_utils.checks_rnn: right answers pass, every kind of wrong answer gets its message."""
import numpy as np
import pytest

from course_utils import checks_rnn, rnn


def test_bptt_step_reference_agrees_with_backward():
    """The exercise's answer, applied step by step, reproduces rnn.backward."""
    p = rnn.init_params(2, 4, 3, seed=0)
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (3, 5, 2))
    dys = rng.normal(0, 1, (3, 5, 3))
    _, cache = rnn.forward(p, x)
    h = cache["h"]
    grads = {"W": 0, "U": 0, "b": 0}
    dh_next = np.zeros((3, 4))
    for t in range(4, -1, -1):
        dh = dys[:, t] @ p["V"].T + dh_next
        dW, dU, db, dh_next = checks_rnn.reference_bptt_step(dh, h[t + 1], h[t], x[:, t], p["U"])
        grads["W"], grads["U"], grads["b"] = grads["W"] + dW, grads["U"] + dU, grads["b"] + db
    want = rnn.backward(p, cache, dys)
    for k in grads:
        np.testing.assert_allclose(grads[k], want[k], atol=1e-12)
    np.testing.assert_allclose(dh_next.sum(0), want["h0"], atol=1e-12)


def correct_backward(params, x, hs, dys):
    _, cache = rnn.forward(params, x)
    return rnn.backward(params, cache, dys)


def buggy_backward(params, x, hs, dys):
    grads = correct_backward(params, x, hs, dys)
    grads["U"] = grads["U"] * 1.5
    return grads


def raising(*args):
    raise KeyError("oops")


def not_implemented(*args):
    raise NotImplementedError


@pytest.mark.parametrize("checker, right", [
    (checks_rnn.check_bptt_step, checks_rnn.reference_bptt_step),
    (checks_rnn.check_fixed_backward, correct_backward),
])
def test_function_checkers(checker, right):
    assert checker(right)
    msg = repr(checker(...))
    assert "Not yet" in msg and not checker(...)
    assert "None" in repr(checker(None))
    assert "should be a function" in repr(checker(42))
    r = checker(raising)
    assert not r and "KeyError" in repr(r) and "oops" in repr(r)
    assert "Not yet" in repr(checker(not_implemented))
    assert "return" in repr(checker(lambda *a: None))


def test_bptt_step_wrong_answers():
    ref = checks_rnn.reference_bptt_step
    assert "4 arrays" in repr(checks_rnn.check_bptt_step(lambda *a: ref(*a)[:3]))
    assert "shape" in repr(checks_rnn.check_bptt_step(lambda *a: (ref(*a)[0].T,) + ref(*a)[1:]))

    def nan_step(*a):
        dW, dU, db, dh = ref(*a)
        return dW, dU, db * np.nan, dh
    assert "NaN" in repr(checks_rnn.check_bptt_step(nan_step))

    def no_derivative(dh, h_t, h_prev, x_t, U):
        return x_t.T @ dh, h_prev.T @ dh, dh.sum(0), dh @ U.T
    r = checks_rnn.check_bptt_step(no_derivative)
    assert not r and "expected" in repr(r) and "Hint" in repr(r)

    def swapped(*a):
        dW, dU, db, dh = ref(*a)
        return dU, dW, db, dh
    # the first case has d_in == H == 1, so swapped matrices are caught as "the other matrix" there
    assert "other matrix" in repr(checks_rnn.check_bptt_step(swapped))


def test_fixed_backward_wrong_answers():
    r = checks_rnn.check_fixed_backward(buggy_backward)
    assert not r and "grads['U']" in repr(r)
    assert "dict" in repr(checks_rnn.check_fixed_backward(lambda *a: [1, 2]))
    assert "'h0'" in repr(checks_rnn.check_fixed_backward(
        lambda *a: {k: v for k, v in correct_backward(*a).items() if k != "h0"}))


def test_wrong_param_checker():
    assert checks_rnn.check_wrong_param("U")
    assert checks_rnn.check_wrong_param(" 'U' ")
    assert "Not yet" in repr(checks_rnn.check_wrong_param(...))
    assert "string" in repr(checks_rnn.check_wrong_param(3))
    assert "one of" in repr(checks_rnn.check_wrong_param("Q"))
    assert "is right" in repr(checks_rnn.check_wrong_param("W"))
    assert "None" in repr(checks_rnn.check_wrong_param(None))


def test_param_count_checker():
    assert checks_rnn.check_param_count(2 * 32 + 32 * 32 + 32 + 32 * 24 + 24)
    r = checks_rnn.check_param_count(1912 + 32)
    assert not r and "h0" in repr(r)
    assert not checks_rnn.check_param_count(1000)
    assert "Not yet" in repr(checks_rnn.check_param_count(...))
    assert "number" in repr(checks_rnn.check_param_count("1912"))
    assert "NaN" in repr(checks_rnn.check_param_count(float("nan")))
    assert checks_rnn.check_param_count(2 * 4 + 16 + 4 + 4 + 1, d_in=2, hidden=4, d_out=1)
