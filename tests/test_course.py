"""course_utils.course: reading the HEADLINE figures of stored notebooks; notebook 08 agrees with them."""
from __future__ import annotations

import math
import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest

from course_utils import course

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
FAQ = "08"


def write_notebook(path: Path, cells) -> Path:
    """A notebook of (source, shown) code cells; ``shown`` is the displayed text/plain or None."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Title"))
    for count, (source, shown) in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(source, execution_count=count)
        if shown is not None:
            cell.outputs = [nbformat.v4.new_output("execute_result", data={"text/plain": shown},
                                                   execution_count=count)]
        nb.cells.append(cell)
    nbformat.write(nb, path)
    return path


# --- read_headline -------------------------------------------------------------------------------

def test_read_headline_returns_the_displayed_dict(tmp_path):
    path = write_notebook(tmp_path / "01_demo.ipynb", [
        ("x = 1\nx", "1"),
        ("HEADLINE = {'ade': [0.427, 0.952], 'mota': 62.7}\nHEADLINE",
         "{'ade': [0.427, 0.952],\n 'mota': 62.7}"),
    ])
    assert course.read_headline(path) == {"ade": [0.427, 0.952], "mota": 62.7}


def test_read_headline_takes_the_last_defining_cell_and_other_names(tmp_path):
    path = write_notebook(tmp_path / "08_demo.ipynb", [
        ("HEADLINE = {'a': 1}\nHEADLINE", "{'a': 1}"),
        ("HEADLINE = {'a': 2}\nHEADLINE", "{'a': 2}"),
        ("QUOTED = {'01': {'k': None}}\nQUOTED", "{'01': {'k': None}}"),
        ("HEADLINE == 3", "False"),                      # a comparison does not define it
    ])
    assert course.read_headline(path) == {"a": 2}
    assert course.read_headline(path, name="QUOTED") == {"01": {"k": None}}


def test_read_headline_parses_nan_inf_and_numpy_scalars(tmp_path):
    shown = "{'loss': inf, 'gap': nan, 'n': np.int64(3), 'ade': np.float64(0.5), 'ok': np.True_, 'neg': -inf}"
    path = write_notebook(tmp_path / "07_demo.ipynb", [("HEADLINE = make()\nHEADLINE", shown)])
    value = course.read_headline(path)
    assert value["loss"] == math.inf and math.isnan(value["gap"]) and value["neg"] == -math.inf
    assert value["n"] == 3 and value["ade"] == 0.5 and value["ok"] is True


def test_read_headline_missing_file_names_it(tmp_path):
    missing = tmp_path / "06_absent.ipynb"
    with pytest.raises(FileNotFoundError, match="06_absent.ipynb"):
        course.read_headline(missing)


@pytest.mark.parametrize("cells, message", [
    ([("x = 1\nx", "1")], "no code cell defines HEADLINE"),
    ([("HEADLINE = {'a': 1}", None)], "shows no result"),
    ([("HEADLINE = [1, 2]\nHEADLINE", "[1, 2]")], "expected HEADLINE to be a dict"),
    ([("HEADLINE = thing()\nHEADLINE", "<Thing object at 0x7f>")], "not a Python literal"),
])
def test_read_headline_bad_notebooks_raise_value_error_naming_the_file(tmp_path, cells, message):
    path = write_notebook(tmp_path / "05_bad.ipynb", cells)
    with pytest.raises(ValueError, match=re.escape("05_bad.ipynb") + ".*" + re.escape(message)):
        course.read_headline(path)


def test_read_headline_rejects_a_file_that_is_not_a_notebook_and_a_bad_name(tmp_path):
    text = tmp_path / "04_text.ipynb"
    text.write_text("not json")
    with pytest.raises(ValueError, match="04_text.ipynb.*not a readable notebook"):
        course.read_headline(text)
    path = write_notebook(tmp_path / "03_ok.ipynb", [("HEADLINE = {}\nHEADLINE", "{}")])
    with pytest.raises(ValueError, match="name"):
        course.read_headline(path, name="not a name")


# --- helpers ---------------------------------------------------------------------------------------

def test_find_notebook(tmp_path):
    write_notebook(tmp_path / "02_rnn.ipynb", [])
    assert course.find_notebook("02", tmp_path).name == "02_rnn.ipynb"
    with pytest.raises(FileNotFoundError, match="03"):
        course.find_notebook("03", tmp_path)
    with pytest.raises(ValueError, match="two digits"):
        course.find_notebook("3", tmp_path)


@pytest.mark.parametrize("heading, anchor", [
    ("## 3. Data hunger, measured", "3.-Data-hunger,-measured"),
    ("## 9. Tuning `max_age` with each motion model", "9.-Tuning-max_age-with-each-motion-model"),
    ("# 08 · FAQ and next steps", "08-·-FAQ-and-next-steps"),
    ("### **Bold** [link](x.ipynb) here", "Bold-link-here"),
])
def test_heading_anchor(heading, anchor):
    assert course.heading_anchor(heading) == anchor


def test_heading_anchors_skip_fenced_code(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Title\n\n```python\n# a comment\n```\n## 1. First part"),
                nbformat.v4.new_code_cell("# not a heading")]
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    assert course.heading_anchors(path) == ["Title", "1.-First-part"]
    with pytest.raises(FileNotFoundError):
        course.heading_anchors(tmp_path / "missing.ipynb")


@pytest.mark.parametrize("value, text", [([0.427, 0.952], "0.427 / 0.952"), (62.7, "62.7"), (6.0, "6"),
                                         (True, "True"), ("x", "x")])
def test_format_value(value, text):
    assert course.format_value(value) == text


def test_evidence_records_what_is_quoted_and_what_is_missing(tmp_path):
    write_notebook(tmp_path / "01_a.ipynb", [("HEADLINE = {'ade': 0.5}\nHEADLINE", "{'ade': 0.5}")])
    write_notebook(tmp_path / "02_b.ipynb", [("x = 1\nx", "1")])            # no HEADLINE
    evidence = course.Evidence(tmp_path, numbers=("01", "02", "03"))
    assert evidence.get("01", "ade") == 0.5
    assert evidence.get("01", "fde") is None
    assert evidence.get("03", "ade") is None
    assert evidence.quoted == {"01": {"ade": 0.5, "fde": None}, "03": {"ade": None}}
    status = evidence.status()
    assert "01: HEADLINE read from 01_a.ipynb" in status
    assert "02: not yet measured: run notebook 02" in status and "03: not yet measured" in status
    table = evidence.table([("01", "ade", "ADE (m)"), ("02", "ade", "ADE again")])
    assert list(table["value"]) == ["0.5", "not yet measured: run notebook 02"]
    with pytest.raises(ValueError, match="number"):
        evidence.get("09", "ade")


# --- the stored notebooks --------------------------------------------------------------------------

STORED = {n: p for n in course.COURSE_NOTEBOOKS for p in sorted(NOTEBOOKS.glob(f"{n}_*.ipynb"))[:1]}


@pytest.mark.parametrize("number", sorted(STORED))
def test_every_stored_notebook_defines_a_readable_headline(number):
    headline = course.read_headline(STORED[number])
    assert headline, f"{STORED[number].name}: HEADLINE is empty"
    assert all(isinstance(k, str) for k in headline)


def _faq_notebook() -> Path:
    found = sorted(NOTEBOOKS.glob(f"{FAQ}_*.ipynb"))
    if not found:
        pytest.skip("notebook 08 is not stored yet")
    return found[0]


def test_faq_notebook_was_built_after_the_notebooks_it_quotes():
    """Every figure 08 shows as read from notebook NN still equals NN's stored HEADLINE."""
    faq = _faq_notebook()
    quoted = course.read_headline(faq, name="QUOTED")
    assert quoted, "notebook 08 quotes nothing"
    stale = []
    for number, figures in quoted.items():
        current = course.read_headline(STORED[number]) if number in STORED else {}
        for key, value in figures.items():
            if current.get(key) != value:
                stale.append(f"{number} {key}: 08 shows {value!r}, notebook {number} now shows {current.get(key)!r}")
    assert not stale, ("notebook 08 is older than the notebooks it quotes; rebuild it last "
                       "(python tools/build_notebooks.py 08):\n" + "\n".join(stale))


def test_faq_notebook_headline_is_readable():
    headline = course.read_headline(_faq_notebook())
    assert headline["cv_ade_fde_zara1_live"] == [0.427, 0.952]
    assert headline["gradcheck_below_1e-6"] is True


def test_faq_notebook_links_point_to_existing_notebooks_and_headings():
    faq = _faq_notebook()
    nb = nbformat.read(faq, as_version=4)
    links = [m for cell in nb.cells if cell.cell_type == "markdown"
             for m in re.finditer(r"\]\((\d\d_[a-z0-9_]+\.ipynb)(?:#([^)\s]+))?\)", cell.source)]
    assert len(links) > 20
    problems = []
    for link in links:
        target = NOTEBOOKS / link.group(1)
        if not target.exists():
            problems.append(f"{link.group(1)}: no such notebook")
        elif link.group(2) and unquote(link.group(2)) not in course.heading_anchors(target):
            problems.append(f"{link.group(1)}#{link.group(2)}: no such heading")
    assert not problems, "\n".join(problems)
