#!/usr/bin/env python3
"""Build the course notebooks from their percent-format sources and execute them.

    python tools/build_notebooks.py            # every notebooks/src/NN_*.py
    python tools/build_notebooks.py 01 02      # only those numbers

Each ``notebooks/src/NN_name.py`` (jupytext percent format) becomes
``notebooks/NN_name.ipynb``, executed top to bottom in a fresh ``python3`` kernel with
the repository's ``notebooks/`` folder as working directory, outputs stored.
Teachers may also edit the .ipynb directly in JupyterLab; jupytext keeps the pair
in sync (``jupytext --sync``) if you prefer to edit the script.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "notebooks" / "src"
OUT = ROOT / "notebooks"


def build(src: Path, timeout: int = 600) -> float:
    nb = jupytext.read(src)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata.pop("jupytext", None)
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(OUT)}})
    client.execute()
    seconds = time.perf_counter() - start
    for cell in nb.cells:       # keep files small and diffs quiet
        cell.metadata.pop("execution", None)
    target = OUT / (src.stem + ".ipynb")
    nbformat.write(nb, target)
    return seconds


def main(argv: list[str]) -> int:
    wanted = set(argv[1:])
    sources = sorted(p for p in SRC.glob("[0-9][0-9]_*.py") if not wanted or p.name[:2] in wanted)
    if not sources:
        print(f"no notebook sources found under {SRC} matching {sorted(wanted) or 'all'}")
        return 1
    for src in sources:
        seconds = build(src)
        print(f"{src.stem}: executed in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
