#!/usr/bin/env python3
"""The course benchmark: execute every notebook in a fresh kernel, measure time and memory.

    make bench                       # all notebooks
    python bench/run.py 01 03        # only these numbers
    python bench/run.py --backend jax   # on Keras's JAX backend (e.g. on a GPU machine without TensorFlow)

For each notebook it reports the headline figures it defines (a dict named ``HEADLINE`` in the
notebook, e.g. ADEs, MOTA/IDF1, a gradient-check error), the wall time of a full top-to-bottom run (kernel start included)
and the peak resident memory of the kernel process, checks them against the course budget
(90 s and 1.5 GB per notebook on a 2-core CPU), measures an idle JupyterLab server (on Binder the
server and one kernel share 2 GB), prints a table and writes the same figures to
``bench/results.json`` under the key ``"notebooks"`` (``"notebooks_jax"`` etc. for another backend; other keys in
that file belong to the other benchmarks, e.g. ``bench/rnn_speed.py``, and are kept).  Each notebook runs in its own
child process so that the peak memory of one kernel is not mixed with another's.
"""
from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_file  # noqa: E402  (bench/results_file.py)

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results.json"
BUDGET_S = 90.0
BUDGET_MB = 1536.0
COURSE_BUDGET_S = 480.0
BINDER_MB = 2048.0


def run_one(path: Path) -> dict:
    """Execute one notebook (in this process's child kernel) and return its figures."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # After the notebook's own cells, read its headline figures: a dict named HEADLINE, if it defines one.
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _json, sys as _sys\n"
        "if 'keras' in _sys.modules:  # only notebooks that use Keras; importing it here would add to the peak\n"
        "    from course_utils import backend as _backend\n"
        "    print('DEVICES=' + _json.dumps([_backend.name(), _backend.accelerators()]))\n"
        "print('HEADLINE=' + _json.dumps(globals().get('HEADLINE', {}), default=float))"))
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    wall = time.perf_counter() - start
    # The kernel was our child and has been waited for: its peak RSS is in RUSAGE_CHILDREN (KiB on Linux).
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    headline = json.loads(text.split("HEADLINE=", 1)[1]) if "HEADLINE=" in text else {}
    backend, gpus = (json.loads(text.split("DEVICES=", 1)[1].splitlines()[0]) if "DEVICES=" in text
                     else (None, []))
    return {"wall_s": round(wall, 1), "peak_mb": round(peak_mb), "headline": headline,
            "backend": backend, "gpus": gpus}


def server_memory_mb() -> float | None:
    """Resident memory of an idle JupyterLab server (what runs beside the kernel on Binder), in MB.

    Starts ``jupyter lab`` headless on a free loopback port, loads the Lab page once, measures the
    server's RSS with psutil, and stops it by its process id.  None if it did not come up in 60 s.
    """
    import socket
    import tempfile
    import urllib.request

    import psutil

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    token = "bench"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "JUPYTER_CONFIG_DIR": f"{tmp}/cfg", "JUPYTER_RUNTIME_DIR": f"{tmp}/rt"}
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               f"--ServerApp.token={token}", f"--ServerApp.root_dir={ROOT}"]
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    url = f"http://127.0.0.1:{port}/lab?token={token}"
                    urllib.request.urlopen(url, timeout=5).read()
                    break
                except OSError:
                    time.sleep(0.5)
            else:
                return None
            time.sleep(2)
            return psutil.Process(proc.pid).memory_info().rss / 2**20
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--one":
        print(json.dumps(run_one(Path(argv[2]))))
        return 0
    args = argv[1:]
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if "--backend" in args:
        i = args.index("--backend")
        if i + 1 >= len(args) or args[i + 1] not in ("tensorflow", "jax", "torch"):
            print("--backend: expected tensorflow, jax or torch")
            return 2
        backend = args[i + 1]
        del args[i:i + 2]
    results_key = "notebooks" if backend == "tensorflow" else f"notebooks_{backend}"
    wanted = set(args)
    books = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
                   if not wanted or p.name[:2] in wanted)
    if not books:
        print("no notebooks found")
        return 1
    figures = {}
    print(f"{'notebook':<44} {'wall (s)':>9} {'peak (MB)':>10}  within budget")
    for book in books:
        proc = subprocess.run([sys.executable, __file__, "--one", str(book)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONWARNINGS": "ignore", "KERAS_BACKEND": backend})
        if proc.returncode != 0:
            print(f"{book.stem:<44} FAILED\n{proc.stderr[-2000:]}")
            figures[book.stem] = {"error": proc.stderr[-500:]}
            continue
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        result["within_budget"] = result["wall_s"] <= BUDGET_S and result["peak_mb"] <= BUDGET_MB
        figures[book.stem] = result
        print(f"{book.stem:<44} {result['wall_s']:>9.1f} {result['peak_mb']:>10d}  "
              f"{'yes' if result['within_budget'] else 'NO'}")
        for key, value in result["headline"].items():
            print(f"    {key}: {value}")
    ok = [f for f in figures.values() if "wall_s" in f]
    total = round(sum(f["wall_s"] for f in ok), 1)
    print(f"{'total':<44} {total:>9.1f} {max((f['peak_mb'] for f in ok), default=0):>10d}  "
          f"{'yes' if total <= COURSE_BUDGET_S else 'NO'} (course budget {COURSE_BUDGET_S:.0f} s)")

    # Binder gives the whole container 2 GB: the JupyterLab server plus the running kernel.
    server_mb = server_memory_mb()
    largest = max((f["peak_mb"] for f in ok), default=0)
    if server_mb is not None:
        print(f"Binder: JupyterLab server {server_mb:.0f} MB + largest kernel {largest} MB = "
              f"{server_mb + largest:.0f} MB of {BINDER_MB:.0f} MB")

    previous = results_file.load().get(results_key, {}).get("per_notebook", {})
    merged = {**previous, **figures} if wanted else figures
    gpus = sorted({g for f in ok for g in f["gpus"]})
    print(f"Keras backend {backend}; GPU: {', '.join(gpus) if gpus else 'none'}")
    results_file.save(results_key, {
        "measured": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "backend": backend, "gpus": gpus,
        "budget": {"per_notebook_s": BUDGET_S, "per_notebook_mb": BUDGET_MB, "course_s": COURSE_BUDGET_S},
        "per_notebook": merged,
        "total_wall_s": round(sum(f.get("wall_s", 0) for f in merged.values()), 1),
        "jupyterlab_server_mb": None if server_mb is None else round(server_mb),
    })
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0 if all(f.get("within_budget") for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
