"""The course about itself: the headline figures the stored notebooks show, and their sections.

Every executed notebook 01–07 defines a dict ``HEADLINE`` of the figures it teaches (ADE/FDE,
MOTA/IDF1, accuracies, ...) in a cell that ends with the bare name, so the stored ``.ipynb`` holds
the dict's ``repr`` as that cell's output.  Notebook 08 (FAQ) quotes these figures by *reading the
stored notebooks* rather than copying numbers into its prose, so its answers always agree with what
notebooks 01–07 show; ``bench/run.py`` collects the same dicts by re-running the notebooks.

    read_headline("notebooks/06_overfitting_and_data.ipynb")   # -> {"cv_ade_synthetic_test": 0.92, ...}

    evidence = Evidence("notebooks")         # every stored 01-07, read once
    evidence.get("06", "augmentation_ade")    # the value, or None when not (yet) measured
    evidence.table([("06", "augmentation_ade", "LSTM(64) + augmentation, test ADE (m)")])
    evidence.quoted                           # {"06": {"augmentation_ade": 0.878}}: what was quoted

and, for links between notebooks, :func:`heading_anchors` lists the anchors JupyterLab gives the
headings of a stored notebook (``"## 3. Data hunger, measured"`` -> ``"3.-Data-hunger,-measured"``).

Only the standard library is imported here (pandas lazily, in :meth:`Evidence.table`).
"""
from __future__ import annotations

import ast
import json
import math
import re
from pathlib import Path

__all__ = ["COURSE_NOTEBOOKS", "read_headline", "find_notebook", "heading_anchors", "heading_anchor",
           "format_value", "not_measured", "Evidence"]

COURSE_NOTEBOOKS = ("01", "02", "03", "04", "05", "06", "07")   # the notebooks that define a HEADLINE

_NAMES = {"nan": math.nan, "inf": math.inf, "True": True, "False": False, "None": None}


class _Literals(ast.NodeTransformer):
    """Make a repr that ``ast.literal_eval`` refuses evaluable: ``nan``/``inf`` and ``np.float64(x)``."""

    def visit_Name(self, node):
        if node.id in _NAMES:
            return ast.copy_location(ast.Constant(_NAMES[node.id]), node)
        return node

    def visit_Call(self, node):
        # NumPy 2 prints scalars as np.float64(0.5), np.int64(3), np.True_: keep the number inside
        self.generic_visit(node)
        name = ast.unparse(node.func)
        if len(node.args) == 1 and not node.keywords and re.fullmatch(r"(np|numpy)\.\w+|float|int|bool", name):
            return node.args[0]
        return node

    def visit_Attribute(self, node):
        name = ast.unparse(node)
        if name in ("np.True_", "numpy.True_", "np.False_", "numpy.False_", "np.nan", "np.inf"):
            value = {"True_": True, "False_": False, "nan": math.nan, "inf": math.inf}[node.attr]
            return ast.copy_location(ast.Constant(value), node)
        return node


def _parse_literal(text: str):
    """The Python value of a printed ``repr`` (dicts, lists, numbers, strings, None, nan, inf)."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        tree = _Literals().visit(ast.parse(text.strip(), mode="eval"))
        return ast.literal_eval(tree)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else (value or "")


def read_headline(path, name: str = "HEADLINE") -> dict:
    """The dict ``name`` (default ``HEADLINE``) as shown by a stored, executed notebook.

    Parameters
    ----------
    path : path of a ``.ipynb`` file (JSON, nbformat 4) that was executed and saved with outputs
    name : the variable; its defining cell is the last code cell with a line ``name = ...`` and its
        value is that cell's displayed result (``text/plain``), parsed with ``ast.literal_eval``

    Returns
    -------
    dict : e.g. ``{"cv_ade_fde_zara1": [0.427, 0.952], ...}`` (keys and values as displayed)

    Raises
    ------
    FileNotFoundError : no file at ``path``
    ValueError : the file is not a notebook, no cell defines ``name``, the cell has no displayed
        result (not executed, or it does not end with the bare name), or the result is not a dict;
        the message names the file
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook not found: {path} (build it with tools/build_notebooks.py)")
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"name: expected a Python variable name, got {name!r}")
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path.name}: not a readable notebook ({exc})") from None
    defines = re.compile(rf"^{re.escape(name)}\s*(:[^=]*)?=(?!=)", re.MULTILINE)
    cell = next((c for c in reversed(cells)
                 if c.get("cell_type") == "code" and defines.search(_text(c.get("source")))), None)
    if cell is None:
        raise ValueError(f"{path.name}: no code cell defines {name} (expected a line '{name} = ...')")
    shown = [_text(o.get("data", {}).get("text/plain")) for o in cell.get("outputs", [])
             if o.get("output_type") == "execute_result"]
    if not shown:
        raise ValueError(f"{path.name}: the cell that defines {name} shows no result; it must end with the "
                         f"bare name {name} and the notebook must be executed (tools/build_notebooks.py)")
    try:
        value = _parse_literal(shown[-1])
    except (ValueError, SyntaxError) as exc:
        raise ValueError(f"{path.name}: the displayed {name} is not a Python literal ({exc}): "
                         f"{shown[-1][:200]!r}") from None
    if not isinstance(value, dict):
        raise ValueError(f"{path.name}: expected {name} to be a dict, got {type(value).__name__}")
    return value


def find_notebook(number: str, notebooks_dir=".") -> Path:
    """The stored notebook ``NN_*.ipynb`` in ``notebooks_dir`` (``number`` like ``"06"``)."""
    number = str(number)
    if not re.fullmatch(r"\d\d", number):
        raise ValueError(f"number: expected two digits such as '06', got {number!r}")
    folder = Path(notebooks_dir)
    found = sorted(folder.glob(f"{number}_*.ipynb"))
    if not found:
        raise FileNotFoundError(f"no notebook {number}_*.ipynb in {folder}")
    return found[0]


def heading_anchor(heading: str) -> str:
    """The anchor JupyterLab gives a markdown heading: its text with spaces replaced by ``-``.

    ``"## 9. Tuning `max_age` with each motion model"`` -> ``"9.-Tuning-max_age-with-each-motion-model"``
    (the ``#`` marks, inline-code backticks and bold/italic asterisks are not part of the text).
    """
    text = re.sub(r"^#+\s*", "", heading.strip())
    text = text.replace("`", "").replace("*", "")
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)      # [label](url) -> label
    return text.strip().replace(" ", "-")


def heading_anchors(path) -> list[str]:
    """The anchors of every markdown heading of a stored notebook, in order (fenced code ignored)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"notebook not found: {path}")
    anchors = []
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        fenced = False
        for line in _text(cell.get("source")).splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and re.match(r"^#{1,6} ", line):
                anchors.append(heading_anchor(line))
    return anchors


def not_measured(number: str) -> str:
    """What a missing figure reads as: ``"not yet measured: run notebook 06"``."""
    return f"not yet measured: run notebook {number}"


def format_value(value) -> str:
    """A headline value for a table: ``[0.427, 0.952]`` -> ``"0.427 / 0.952"``, ``6.0`` -> ``"6"``."""
    if isinstance(value, (list, tuple)):
        return " / ".join(format_value(v) for v in value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))                      # a count stored as a float: 6.0 -> "6"
    return str(value)


class Evidence:
    """The ``HEADLINE`` dicts of the stored notebooks, read once, and a record of what was quoted.

    Parameters
    ----------
    notebooks_dir : the folder of the stored notebooks (``"."`` inside ``notebooks/``)
    numbers : which notebooks to read (default 01–07)

    Attributes
    ----------
    headlines : ``{"01": {...}, ...}``; a notebook that is missing, or whose HEADLINE cannot be
        read, maps to ``{}`` and its reason is in ``problems``
    problems : ``{"06": "no notebook 06_*.ipynb in ..."}``
    quoted : ``{number: {key: value or None}}``, every figure :meth:`get` was asked for, in order
        (``None``: not measured) — notebook 08 shows it at its end so that a test can check that
        08 was built after the notebooks it quotes
    """

    def __init__(self, notebooks_dir=".", numbers=COURSE_NOTEBOOKS):
        self.notebooks_dir = Path(notebooks_dir)
        self.headlines: dict[str, dict] = {}
        self.problems: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.quoted: dict[str, dict] = {}
        for number in numbers:
            try:
                path = find_notebook(number, self.notebooks_dir)
                self.names[number] = path.stem
                self.headlines[number] = read_headline(path)
            except (FileNotFoundError, ValueError) as exc:
                self.headlines[number] = {}
                self.problems[number] = str(exc)

    def get(self, number: str, key: str):
        """The value of ``HEADLINE[key]`` in notebook ``number``, or None if it is not there (recorded)."""
        if number not in self.headlines:
            raise ValueError(f"number: expected one of {sorted(self.headlines)}, got {number!r}")
        value = self.headlines[number].get(key)
        self.quoted.setdefault(number, {})[key] = value
        return value

    def status(self) -> str:
        """One line per notebook: its HEADLINE was read, or why not."""
        lines = []
        for number in self.headlines:
            if number in self.problems:
                lines.append(f"{number}: {not_measured(number)} ({self.problems[number]})")
            else:
                lines.append(f"{number}: HEADLINE read from {self.names[number]}.ipynb")
        return "\n".join(lines)

    def table(self, rows):
        """A table of quoted figures: ``rows`` of ``(number, key, what)``; missing ones say so.

        Returns a ``pandas.DataFrame`` with columns ``figure`` (``what``), ``value`` (formatted by
        :func:`format_value`, or ``"not yet measured: run notebook NN"``) and ``from`` (the notebook's
        number and the HEADLINE key, e.g. ``"06 · augmentation_ade"``).
        """
        import pandas as pd

        out = []
        for number, key, what in rows:
            value = self.get(number, key)
            out.append({"figure": what,
                        "value": not_measured(number) if value is None else format_value(value),
                        "from": f"{number} · {key}"})
        return pd.DataFrame(out).set_index("figure")
