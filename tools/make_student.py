#!/usr/bin/env python3
"""Build the student edition: the notebooks with every solution replaced by a "your turn" stub.

    python tools/make_student.py [OUTPUT_DIR]        # default: student/  (make student)

Cells tagged ``solution`` (cell metadata ``tags``) are rewritten:

- a function definition keeps its name, signature and docstring; its body becomes
  ``raise NotImplementedError("Your turn: ...")``;
- an assignment ``name = <expression>`` becomes ``name = ...  # your turn``;
- anything else in the cell is removed.

Their outputs are cleared; every other cell (and its stored output) is copied unchanged.  The
checkers in ``course_utils.checks`` answer such stubs with a friendly "Not yet" message, so a
student notebook still runs top to bottom.
"""
from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "notebooks"

STUB_MESSAGE = "Your turn: replace this line with your code, then run the checker cell below."


def _targets(node: ast.Assign) -> list[str]:
    names = []
    for target in node.targets:
        elements = target.elts if isinstance(target, (ast.Tuple, ast.List)) else [target]
        names += [e.id for e in elements if isinstance(e, ast.Name)]
    return names


def stub_source(source: str) -> str:
    """The student version of one solution cell's source."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise ValueError(f"solution cell does not parse as Python ({exc}):\n{source}") from None
    lines = source.splitlines()
    out: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            header_end = node.body[0].lineno - 1          # lines before the first body statement
            header = lines[node.lineno - 1 - len(node.decorator_list):header_end]
            indent = " " * node.body[0].col_offset
            docstring = ast.get_docstring(node, clean=False)
            out += header
            if docstring is not None:
                first = node.body[0]
                out += lines[first.lineno - 1:first.end_lineno]
            out.append(f'{indent}raise NotImplementedError("{STUB_MESSAGE}")')
            out.append("")
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            names = _targets(node) if isinstance(node, ast.Assign) else (
                [node.target.id] if isinstance(node.target, ast.Name) else [])
            out += [f"{name} = ...  # your turn" for name in names]
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out) + "\n"


def build(output: Path) -> list[Path]:
    """Write the student edition of every notebook into ``output``; return the written paths."""
    if output.resolve() == SOURCE.resolve():
        raise ValueError("the student edition must not overwrite the teacher's notebooks/")
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    written = []
    for path in sorted(SOURCE.glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and "solution" in cell.metadata.get("tags", []):
                cell.source = stub_source(cell.source)
                cell.outputs = []
                cell.execution_count = None
        nb.metadata["course_edition"] = "student"
        target = output / path.name
        nbformat.write(nb, target)
        written.append(target)
    return written


def main(argv: list[str]) -> int:
    output = Path(argv[1]) if len(argv) > 1 else ROOT / "student"
    written = build(output)
    print(f"student edition: {len(written)} notebooks written to {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
