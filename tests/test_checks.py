"""The exercise checkers answer every kind of wrong input with a message, never a traceback."""
import numpy as np
import pytest

from course_utils import checks


def right_displacements(xy):
    return np.diff(xy, axis=0)


def right_cv(observed, horizon):
    v = observed[:, -1] - observed[:, -2]
    return observed[:, -1:] + np.arange(1, horizon + 1)[None, :, None] * v[:, None]


def right_ade(p, t):
    return np.linalg.norm(p - t, axis=-1).mean()


def test_correct_answers_pass():
    assert checks.check_displacements(right_displacements)
    assert checks.check_constant_velocity(right_cv)
    assert checks.check_ade(right_ade)
    assert checks.check_window_count(11)
    assert "Correct" in repr(checks.check_window_count(11))


@pytest.mark.parametrize("answer, fragment", [
    (..., "Not yet"),
    (None, "is None"),
    ("eleven", "should be a number"),
    (float("nan"), "is NaN"),
    (11.5, "whole number"),
    (12, "expected 11"),
])
def test_number_checker_messages(answer, fragment):
    result = checks.check_window_count(answer)
    assert not result and fragment in result.message


def test_function_checker_messages():
    def raises(observed, horizon):
        raise NotImplementedError

    def crashes(observed, horizon):
        return observed[99]

    def wrong_shape(observed, horizon):
        return observed

    def nan(observed, horizon):
        return np.full((len(observed), horizon, 2), np.nan)

    def off_by_one(observed, horizon):
        return right_cv(observed, horizon) + 1

    cases = {raises: "Not yet", crashes: "raised IndexError", wrong_shape: "has shape",
             nan: "NaN", off_by_one: "different values", ...: "Not yet", None: "is None",
             "text": "should be a function", (lambda o, h: None): "is None"}
    for answer, fragment in cases.items():
        result = checks.check_constant_velocity(answer)
        assert not result, answer
        assert fragment in result.message, (answer, result.message)
        assert "Hint" in result.message


def test_array_checker_messages():
    expected = np.arange(6.0).reshape(3, 2)
    assert checks.check_array(expected.copy(), expected)
    assert "has shape (2, 3)" in checks.check_array(expected.reshape(2, 3), expected).message
    assert "should be a NumPy array" in checks.check_array("abc", expected).message
    assert "should be a NumPy array of numbers" in checks.check_array([["a", "b"]] * 3, expected).message
    assert "Not yet" in checks.check_array(..., expected).message
    bad = expected.copy()
    bad[1, 1] = 99
    assert "at index (1, 1)" in checks.check_array(bad, expected).message
