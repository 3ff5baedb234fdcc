"""Every exercise checker of every notebook answers bad answers with a message, never a traceback."""
import importlib
import inspect
import math

import numpy as np
import pytest

from course_utils.checks import CheckResult

MODULES = ["course_utils.checks", "course_utils.checks_rnn", "course_utils.checks_keras",
           "course_utils.checks_video", "course_utils.checks_tracking", "course_utils.checks_experiments"]
HELPERS = {"check_array", "check_number", "check_function"}      # generic building blocks, tested elsewhere


def checkers():
    found = []
    for name in MODULES:
        module = importlib.import_module(name)
        for attr, func in vars(module).items():
            if attr.startswith("check_") and attr not in HELPERS and inspect.isfunction(func) \
                    and func.__module__ == module.__name__:
                found.append(pytest.param(func, id=f"{name.rsplit('.', 1)[1]}.{attr}"))
    return found


BAD = {
    "placeholder": (..., "Not yet"),
    "None": (None, "None"),
    "wrong type": ("some text", None),
    "NaN": (math.nan, None),
    "wrong shape": (np.zeros((3, 3, 3, 3)), None),
}


def test_every_module_has_checkers():
    assert len(checkers()) >= 15


@pytest.mark.parametrize("func", checkers())
@pytest.mark.parametrize("case", list(BAD))
def test_checker_answers_bad_input_with_a_message(func, case):
    answer, fragment = BAD[case]
    result = func(answer)
    assert isinstance(result, CheckResult), f"{func.__name__}({case}) returned {type(result).__name__}"
    assert not result.passed
    assert result.message.strip()
    if fragment:
        assert fragment in result.message, result.message
