"""course_utils.backend: the one module that speaks to a particular Keras backend.

The default backend (TensorFlow) is tested in-process; JAX in a subprocess in which
``import tensorflow`` fails, which proves the course's Keras code needs no TensorFlow there.
"""
import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from course_utils import backend, rnn
from course_utils.notebook import quiet_tensorflow

quiet_tensorflow()
from keras import ops  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def test_value_and_grad_of_a_known_function():
    value, grads = backend.value_and_grad(lambda a, b, unused: ops.sum(a * b) + ops.sum(a ** 2),
                                          [np.array([1.0, 2.0], np.float32),
                                           np.array([3.0, -1.0], np.float32),
                                           np.ones(4, np.float32)])
    assert value == pytest.approx(1 * 3 + 2 * -1 + 1 + 4)
    assert np.allclose(grads[0], [3 + 2, -1 + 4]) and np.allclose(grads[1], [1, 2])
    assert np.array_equal(grads[2], np.zeros(4)), "an input the value ignores has gradient zero"


def test_value_and_grad_keeps_float64_and_returns_aux():
    (value, aux), (g,) = backend.value_and_grad(lambda a: (ops.sum(a ** 3), 2 * a),
                                                [np.array([0.5, 2.0])], has_aux=True)
    assert value == pytest.approx(0.125 + 8.0)
    assert g.dtype == np.float64 and np.allclose(g, [0.75, 12.0], rtol=1e-14)
    assert isinstance(aux, np.ndarray) and np.allclose(aux, [1.0, 4.0])


def test_value_and_grad_rejects_bad_arguments():
    with pytest.raises(ValueError, match="fn: expected a function"):
        backend.value_and_grad("x ** 2", [np.ones(2)])
    with pytest.raises(ValueError, match="inputs: expected a non-empty list"):
        backend.value_and_grad(lambda a: ops.sum(a), [])
    with pytest.raises(ValueError, match=r"inputs\[0\]: expected a floating-point array"):
        backend.value_and_grad(lambda a: ops.sum(a), [np.arange(3)])
    with pytest.raises(ValueError, match="has_aux=True"):
        backend.value_and_grad(lambda a: ops.sum(a), [np.ones(2)], has_aux=True)


def test_batches_cover_every_example_once_per_epoch_and_reshuffle():
    x = np.arange(10.0)
    plain = [b for b in backend.batches((x, 2 * x), 4)]
    assert [len(b[0]) for b in plain] == [4, 4, 2]
    assert np.array_equal(np.concatenate([b[0] for b in plain]), x), "no seed: the order is kept"
    data = backend.batches((x, 2 * x), 4, shuffle_seed=3)
    epochs = [np.concatenate([np.asarray(b[0]) for b in data]) for _ in range(2)]
    for order in epochs:
        assert sorted(order) == list(x)
    assert not np.array_equal(epochs[0], epochs[1]), "a new order every epoch"
    again = np.concatenate([np.asarray(b[0]) for b in backend.batches((x, 2 * x), 4, shuffle_seed=3)])
    assert np.array_equal(again, epochs[0]), "the same seed, the same order"
    first = next(iter(data))
    assert np.array_equal(np.asarray(first[1]), 2 * np.asarray(first[0])), "pairs stay together"


def test_batches_and_seed_reject_bad_arguments():
    with pytest.raises(ValueError, match="same number of examples"):
        backend.batches((np.ones(3), np.ones(4)), 2)
    with pytest.raises(ValueError, match="batch_size"):
        backend.batches((np.ones(3),), 0)
    with pytest.raises(ValueError, match="tuple of arrays"):
        backend.batches(np.ones(3), 2)
    for bad in (-1, 1.5, True, "0"):
        with pytest.raises(ValueError, match="seed"):
            backend.seed(bad)


def test_default_backend_is_tensorflow_and_accelerators_is_a_list():
    assert backend.name() == "tensorflow"
    assert isinstance(backend.accelerators(), list)


def _tensorflow_references(path: Path) -> list[str]:
    """``import tensorflow`` / ``from tensorflow ...`` statements in a Python file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if a.name.split(".")[0] == "tensorflow"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "tensorflow":
            found.append(node.module)
    return found


def test_tensorflow_is_imported_only_by_the_backend_module():
    """The course's model code is backend-neutral: TensorFlow-only calls live in backend.py."""
    files = sorted((ROOT / "course_utils").glob("*.py")) + sorted((ROOT / "notebooks" / "src").glob("*.py"))
    offenders = {str(p.relative_to(ROOT)): refs for p in files
                 if p.name != "backend.py" and (refs := _tensorflow_references(p))}
    assert offenders == {}


SCRIPT = textwrap.dedent(r"""
    import os, sys
    sys.modules["tensorflow"] = None      # `import tensorflow` now fails: this backend must not need it
    os.environ["JAX_PLATFORMS"] = "cpu"
    import numpy as np
    from course_utils import backend, data, gradients, models, rnn, training, experiments
    assert backend.name() == os.environ["KERAS_BACKEND"]

    # autodiff through the Keras twin of the NumPy RNN equals hand-written BPTT
    p = rnn.init_params(2, 5, 3, seed=0)
    x = np.random.default_rng(0).normal(size=(4, 6, 2))
    out, cache = rnn.forward(p, x)
    dout = np.random.default_rng(1).normal(size=out.shape)
    ref = rnn.backward(p, cache, dout)
    yk, gk = rnn.keras_forward_and_grads(p, x, dout)
    assert np.abs(yk - out).max() < 1e-5
    assert max(np.abs(gk[k] - ref[k]).max() for k in rnn.PARAM_NAMES) < 1e-5

    # gradient norms through a Keras cell equal the NumPy RNN's
    p["h0"][:] = 0.0
    layer, dense = rnn.to_keras(p)
    norms = gradients.autodiff_state_gradient_norms(layer, x, head=dense)["h"]
    assert np.allclose(norms, gradients.state_gradient_norms(p, x), rtol=1e-4)

    # training: a small forecaster learns, twice the same with the same seed
    windows = data.make_windows(data.generate_synthetic(40, seed=0), 8, 12)
    losses = []
    for _ in range(2):
        f = models.KerasForecaster.build("lstm", units=8, seed=0)
        result = training.fit(f, windows, windows, epochs=3, batch_size=64, seed=0)
        losses.append(result.history["loss"])
    assert losses[0] == losses[1], losses
    assert losses[0][-1] < losses[0][0], losses

    # the Ensemble of notebooks 06-07
    ens = experiments.Ensemble({"a": {"cell": "gru", "units": 4}}, seeds=(0, 1), out_steps=2)
    xs = np.random.default_rng(2).normal(size=(32, 5, 2)).astype("float32")
    ys = np.random.default_rng(3).normal(size=(32, 2, 2)).astype("float32")
    ens.fit((xs, ys), (xs, ys), epochs=2, batch_size=16, record=False)
    print("BACKEND-OK", type(backend.batches((xs, ys), 8)).__name__)
""")


@pytest.mark.slow
@pytest.mark.parametrize("name,package,why", [
    ("jax", "jax", "JAX is not installed (it is pinned in requirements.txt)"),
    ("torch", "torch", "PyTorch is not installed (not pinned: `pip install torch` in .venv to check this backend)")])
def test_the_course_code_runs_without_tensorflow(name, package, why):
    pytest.importorskip(package, reason=why)
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         cwd=ROOT, env={**os.environ, "KERAS_BACKEND": name}, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "BACKEND-OK ArrayBatches" in out.stdout


def test_float64_on_jax_without_x64_is_a_clear_error():
    script = textwrap.dedent("""
        import os, numpy as np
        os.environ["KERAS_BACKEND"] = "jax"
        from course_utils import backend
        from keras import ops
        try:
            backend.value_and_grad(lambda a: ops.sum(a ** 2), [np.ones(2)])
        except ValueError as e:
            print("ERROR:", e)
    """)
    pytest.importorskip("jax")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}, timeout=300)
    assert "ERROR: inputs: float64 arrays on the JAX backend need" in out.stdout, out.stderr[-2000:]


def test_keras_outputs_equal_the_numpy_forward_pass():
    p = rnn.init_params(3, 4, 2, seed=5)
    x = np.random.default_rng(5).normal(size=(2, 7, 3))
    layer, dense = rnn.to_keras(p, dtype="float64")
    out = rnn.keras_outputs(layer, dense, x, tuple(p[k] for k in rnn.PARAM_NAMES))
    assert np.allclose(np.asarray(out), rnn.forward(p, x)[0], atol=1e-12)
