"""Keras 3 runs on several backends; the course's Keras notebook must run on JAX too.

The stored outputs come from TensorFlow (the default backend), so here the notebook is only
executed, top to bottom, with ``KERAS_BACKEND=jax``: every cell must run without error.
(Numbers differ slightly between backends, so they are not compared.)
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "notebooks" / "03_keras_lstm_forecasting.ipynb"

RUNNER = r"""
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell("import keras; print('BACKEND=' + keras.backend.backend())"))
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print([o.get("text", "") for o in nb.cells[-1].outputs][0].strip())
"""


@pytest.mark.slow
@pytest.mark.skipif(not NOTEBOOK.exists(), reason="notebook 03 not present")
def test_notebook_03_runs_on_the_jax_backend():
    pytest.importorskip("jax", reason="JAX is not installed (it is pinned in requirements.txt)")
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"}
    out = subprocess.run([sys.executable, "-c", RUNNER, str(NOTEBOOK), str(NOTEBOOK.parent)],
                         capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("BACKEND=jax")
