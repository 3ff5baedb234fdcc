"""Keras 3 runs on several backends; every notebook must run on JAX too, without TensorFlow.

The stored outputs come from TensorFlow (the default backend), so here each notebook is only
executed, top to bottom, with ``KERAS_BACKEND=jax`` and ``import tensorflow`` made to fail (a stub
package first on the kernel's path): every cell must run without error.  This is the set-up of a
GPU machine that has JAX with CUDA but no TensorFlow.  (Numbers differ slightly between backends,
so they are not compared.)
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))

RUNNER = r"""
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import sys, keras; print('BACKEND=' + keras.backend.backend(), 'TF-LOADED=' + str('tensorflow' in sys.modules and sys.modules['tensorflow'] is not None and hasattr(sys.modules['tensorflow'], 'constant')))"))
NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
print([o.get("text", "") for o in nb.cells[-1].outputs][0].strip())
"""

NO_TENSORFLOW = 'raise ModuleNotFoundError("No module named \'tensorflow\' (blocked by tests/test_backends.py)")\n'


@pytest.mark.slow
@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=[p.stem[:2] for p in NOTEBOOKS])
def test_notebook_runs_on_jax_without_tensorflow(notebook, tmp_path):
    pytest.importorskip("jax", reason="JAX is not installed (it is pinned in requirements.txt)")
    stub = tmp_path / "no_tf" / "tensorflow"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(NO_TENSORFLOW)
    path = os.pathsep.join([str(stub.parent), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu", "PYTHONPATH": path}
    out = subprocess.run([sys.executable, "-c", RUNNER, str(notebook), str(notebook.parent)],
                         capture_output=True, text=True, env=env, timeout=900)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip().endswith("BACKEND=jax TF-LOADED=False")
