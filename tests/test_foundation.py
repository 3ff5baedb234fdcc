"""Package-level checks: validation helpers, notebook set-up, environment files agree, layout."""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from course_utils import validation
from course_utils.notebook import seed_everything, setup

ROOT = Path(__file__).resolve().parents[1]


def _pins(lines):
    return sorted(l.strip() for l in lines if l.strip() and not l.strip().startswith("#"))


def test_environment_yml_pins_agree_with_requirements():
    reqs = _pins((ROOT / "requirements.txt").read_text().splitlines())
    env = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(env) if line.strip() == "- pip:")
    pip_lines = [re.sub(r"^\s*-\s*", "", l) for l in env[start + 1:] if l.strip().startswith("-")]
    assert _pins(pip_lines) == reqs
    assert any(re.match(r"\s*-\s*python=3\.11", l) for l in env)
    assert all("==" in r for r in reqs), "requirements.txt pins every package exactly"


def test_installed_versions_match_the_pins():
    from importlib.metadata import version, PackageNotFoundError
    for line in _pins((ROOT / "requirements.txt").read_text().splitlines()):
        name, pinned = line.split("==")
        try:
            assert version(name) == pinned, name
        except PackageNotFoundError:
            pytest.fail(f"{name} is pinned in requirements.txt but not installed")


def test_package_metadata_uses_ranges_not_pins():
    text = (ROOT / "pyproject.toml").read_text()
    deps = re.search(r"dependencies = \[(.*?)\]", text, re.S).group(1)
    assert "==" not in deps


def test_import_is_light():
    # importing course_utils must not import TensorFlow (it is loaded lazily where needed)
    code = "import sys, course_utils, course_utils.data, course_utils.baselines, course_utils.metrics, " \
           "course_utils.checks; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


def test_setup_silences_tensorflow_import():
    code = ("import course_utils; course_utils.setup(); import tensorflow as tf, keras; "
            "keras.layers.Dense(2)(tf.zeros((1, 3))); print('done')")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TF_", "KERAS_"))}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "done"
    assert out.stderr.strip() == "", f"TensorFlow printed: {out.stderr[:500]}"


def test_seed_everything_reproduces_numpy():
    seed_everything(7)
    a = np.random.rand(3)
    seed_everything(7)
    assert np.array_equal(a, np.random.rand(3))
    with pytest.raises(ValueError, match="seed"):
        seed_everything(-1)


def test_setup_runs():
    setup(seed=1)


def test_validation_messages():
    with pytest.raises(ValueError, match=r"x: expected shape \(n, 8, 2\), got shape \(3, 7, 2\)"):
        validation.as_float_array(np.zeros((3, 7, 2)), "x", shape=(None, 8, 2))
    with pytest.raises(ValueError, match="x: expected numbers"):
        validation.as_float_array([["a"]], "x")
    with pytest.raises(ValueError, match="empty"):
        validation.as_float_array(np.zeros((0, 2)), "x", shape=(None, 2))
    with pytest.raises(ValueError, match="NaN/inf"):
        validation.as_float_array([1.0, np.inf], "x")
    with pytest.raises(ValueError, match="expected an integer >= 1, got bool"):
        validation.check_positive_int(True, "n")
    assert validation.check_positive_int(np.int64(3), "n") == 3


def test_layout_the_user_asked_for():
    for path in ["notebooks", "course_utils", "data", "tests", "environment.yml", "README.md",
                 "data/README.md", "pyproject.toml", ".ci/run", "Makefile"]:
        assert (ROOT / path).exists(), path
    ci = (ROOT / ".ci/run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make test" in ci and "make test" in readme and "make lab" in readme


def test_notebooks_are_numbered_and_built_from_sources():
    books = sorted(p.stem for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    sources = sorted(p.stem for p in (ROOT / "notebooks" / "src").glob("[0-9][0-9]_*.py"))
    assert books == sources
    assert [int(b[:2]) for b in books] == list(range(len(books)))
