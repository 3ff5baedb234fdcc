#!/usr/bin/env python3
"""The course benchmark: execute every notebook in a fresh kernel, measure time and memory.

    make bench                       # all notebooks
    python bench/run.py 01 03        # only these numbers

For each notebook it reports the headline figures it defines (a dict named ``HEADLINE`` in the
notebook, e.g. ADEs, MOTA/IDF1, a gradient-check error), the wall time of a full top-to-bottom run (kernel start included)
and the peak resident memory of the kernel process, checks them against the course budget
(90 s and 1.5 GB per notebook on a 2-core CPU), prints a table and writes the same figures to
``bench/results.json`` under the key ``"notebooks"`` (other keys in that file belong to the
other benchmarks, e.g. ``bench/rnn_speed.py``, and are kept).  Each notebook runs in its own
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


def run_one(path: Path) -> dict:
    """Execute one notebook (in this process's child kernel) and return its figures."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    # After the notebook's own cells, read its headline figures: a dict named HEADLINE, if it defines one.
    nb.cells.append(nbformat.v4.new_code_cell(
        "import json as _json; print('HEADLINE=' + _json.dumps(globals().get('HEADLINE', {}), default=float))"))
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    wall = time.perf_counter() - start
    # The kernel was our child and has been waited for: its peak RSS is in RUSAGE_CHILDREN (KiB on Linux).
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    text = "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.get("output_type") == "stream")
    headline = json.loads(text.split("HEADLINE=", 1)[1]) if "HEADLINE=" in text else {}
    return {"wall_s": round(wall, 1), "peak_mb": round(peak_mb), "headline": headline}


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[1] == "--one":
        print(json.dumps(run_one(Path(argv[2]))))
        return 0
    wanted = set(argv[1:])
    books = sorted(p for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")
                   if not wanted or p.name[:2] in wanted)
    if not books:
        print("no notebooks found")
        return 1
    figures = {}
    print(f"{'notebook':<44} {'wall (s)':>9} {'peak (MB)':>10}  within budget")
    for book in books:
        proc = subprocess.run([sys.executable, __file__, "--one", str(book)], capture_output=True, text=True,
                              env={**os.environ, "PYTHONWARNINGS": "ignore"})
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

    previous = results_file.load().get("notebooks", {}).get("per_notebook", {})
    merged = {**previous, **figures} if wanted else figures
    results_file.save("notebooks", {
        "measured": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "budget": {"per_notebook_s": BUDGET_S, "per_notebook_mb": BUDGET_MB, "course_s": COURSE_BUDGET_S},
        "per_notebook": merged,
        "total_wall_s": round(sum(f.get("wall_s", 0) for f in merged.values()), 1),
    })
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0 if all(f.get("within_budget") for f in figures.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
