"""The student edition: solutions removed, stubs answered with "Not yet", nothing crashes."""
import ast
import re
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import make_student  # noqa: E402


def solution_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and "solution" in c.metadata.get("tags", [])]


def body_lines(source):
    """The lines of a solution that are its answer: function bodies (minus docstrings) and assignments."""
    tree = ast.parse(source)
    lines = source.splitlines()
    keep = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            body = node.body[1:] if ast.get_docstring(node) is not None else node.body
            for stmt in body:
                keep += lines[stmt.lineno - 1:stmt.end_lineno]
        else:
            keep += lines[node.lineno - 1:node.end_lineno]
    return [l.strip() for l in keep if l.strip() and not l.strip().startswith("#")]


def test_stub_source_keeps_signatures_and_removes_answers():
    source = 'def f(x, y=2):\n    """Doc."""\n    z = x + y\n    return z * 2\n\nanswer = 30 - 20 + 1\nprint(answer)\n'
    stub = make_student.stub_source(source)
    assert "def f(x, y=2):" in stub and '"""Doc."""' in stub
    assert "raise NotImplementedError" in stub and "answer = ...  # your turn" in stub
    assert "x + y" not in stub and "30 - 20" not in stub and "print" not in stub
    namespace = {}
    exec(stub, namespace)
    with pytest.raises(NotImplementedError, match="Your turn"):
        namespace["f"](1)
    assert namespace["answer"] is Ellipsis


def test_student_edition_has_no_solution_text(tmp_path):
    written = make_student.build(tmp_path / "student")
    teacher = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert [p.name for p in written] == [p.name for p in teacher]
    n_solutions = 0
    for t_path, s_path in zip(teacher, written):
        t_nb, s_nb = nbformat.read(t_path, 4), nbformat.read(s_path, 4)
        assert len(t_nb.cells) == len(s_nb.cells)
        student_text = "\n".join(c.source for c in solution_cells(s_nb))
        for cell in solution_cells(t_nb):
            n_solutions += 1
            for line in body_lines(cell.source):
                assert line not in student_text, f"{t_path.name}: solution line survived: {line!r}"
        for cell in solution_cells(s_nb):
            assert cell.outputs == [] and cell.execution_count is None
        # everything that is not a solution is copied unchanged
        for t_cell, s_cell in zip(t_nb.cells, s_nb.cells):
            if "solution" not in t_cell.metadata.get("tags", []):
                assert t_cell.source == s_cell.source
    assert n_solutions >= 4


@pytest.mark.slow
def test_checkers_answer_the_stubs_with_not_yet(tmp_path):
    from nbclient import NotebookClient

    written = make_student.build(tmp_path / "student")
    checked = 0
    for path in written:
        nb = nbformat.read(path, 4)
        if not solution_cells(nb):
            continue
        # the whole student notebook runs top to bottom, as a student would run it
        NotebookClient(nb, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(ROOT / "notebooks")}}).execute()
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert not any(o.output_type == "error" for o in cell.outputs), (path.name, cell.source)
            if "check" in cell.source and "solution" not in cell.metadata.get("tags", []) and re.search(r"checks\w*\.check_", cell.source):
                text = "".join(o.get("data", {}).get("text/plain", "") + o.get("text", "") for o in cell.outputs)
                assert "Not yet" in text, (path.name, cell.source, text)
                checked += 1
    assert checked >= 4
