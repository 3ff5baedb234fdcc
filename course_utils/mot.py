"""MOTChallenge files: ground truth, detections, sequence info, tracker output.

A MOTChallenge text file has one box per line, comma separated::

    frame, id, left, top, width, height, conf, x, y, z

in pixels, frames counted from 1, ``id`` = -1 in detection files (``det/det.txt``),
``conf`` = 1 in MOT15 ground truth (later benchmarks use 0 for "ignore this box").
Only the first six fields are required; missing ``conf`` reads as 1 and missing
``x, y, z`` as -1.

The tracker side of the course (``course_utils.tracking``) works with *corner* boxes
``[x1, y1, x2, y2]`` (SORT's convention); :func:`detections_by_frame` converts.
Images are read by ``course_utils.video``, not here.
"""
from __future__ import annotations

import configparser
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .validation import as_float_array

__all__ = [
    "MOT_COLUMNS", "read_mot", "read_seqinfo", "detections_by_frame", "write_mot",
    "mot_frame", "trajectories_by_id", "xywh_to_xyxy", "xyxy_to_xywh",
]

MOT_COLUMNS = ["frame", "id", "left", "top", "width", "height", "conf", "x", "y", "z"]
_DEFAULTS = [None, None, None, None, None, None, 1.0, -1.0, -1.0, -1.0]


def _check_path(path) -> Path:
    path = Path(os.fspath(path))
    if not path.is_file():
        raise FileNotFoundError(f"MOTChallenge file not found: {str(path)!r}")
    return path


def read_mot(path, *, n_frames: int | None = None) -> pd.DataFrame:
    """Read a MOTChallenge ``gt.txt`` or ``det.txt`` into a DataFrame.

    Returns one row per box with columns :data:`MOT_COLUMNS` (``frame`` and ``id`` as
    int, the rest float, pixels), sorted by ``frame`` then ``id`` (files are not
    always sorted by frame).  Blank lines are skipped.

    Raises ``FileNotFoundError`` naming the path if it is missing, and ``ValueError``
    naming the file and line for a line that does not hold 6 to 10 numbers, a
    non-integer or < 1 frame, a non-integer id, a NaN/inf value, or a negative width
    or height.  With ``n_frames`` (a sequence's ``seqLength``), a frame beyond it is an
    error too ("outside the sequence's frame range").
    """
    path = _check_path(path)
    rows: list[list[float]] = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            text = line.strip()
            if not text:
                continue
            fields = [f for f in text.replace(",", " ").split()]
            where = f"{path}, line {lineno}"
            if not 6 <= len(fields) <= 10:
                raise ValueError(f"{where}: expected 6 to 10 comma-separated numbers "
                                 f"(frame, id, left, top, width, height[, conf, x, y, z]), "
                                 f"got {len(fields)}: {text[:80]!r}")
            try:
                values = [float(f) for f in fields]
            except ValueError:
                raise ValueError(f"{where}: expected numbers, got {text[:80]!r}") from None
            if not all(np.isfinite(values)):
                raise ValueError(f"{where}: holds NaN or infinity: {text[:80]!r}")
            frame, ident = values[0], values[1]
            if frame != int(frame) or (frame < 1 and n_frames is None):
                raise ValueError(f"{where}: frame must be an integer >= 1, got {fields[0]!r}")
            if n_frames is not None and not 1 <= frame <= n_frames:
                raise ValueError(f"{where}: frame {fields[0]} is outside the sequence's frame range "
                                 f"1..{n_frames} (seqLength in seqinfo.ini)")
            if ident != int(ident):
                raise ValueError(f"{where}: id must be an integer, got {fields[1]!r}")
            if values[4] < 0 or values[5] < 0:
                raise ValueError(f"{where}: width and height must be >= 0, got "
                                 f"width={values[4]:g}, height={values[5]:g}")
            values += _DEFAULTS[len(values):]
            rows.append(values)
    data = np.asarray(rows, dtype=np.float64).reshape(-1, 10)
    return mot_frame(data)


def mot_frame(rows) -> pd.DataFrame:
    """MOTChallenge rows ``(n, 6..10)`` (array, list or DataFrame) -> DataFrame.

    Columns :data:`MOT_COLUMNS`, sorted by frame then id.  Missing ``conf`` is 1,
    missing ``x, y, z`` are -1.  Negative width/height -> ``ValueError``.
    """
    if isinstance(rows, pd.DataFrame):
        missing = [c for c in MOT_COLUMNS[:6] if c not in rows.columns]
        if missing:
            raise ValueError(f"rows: DataFrame lacks MOTChallenge column(s) {missing}; "
                             f"expected columns {MOT_COLUMNS}")
        df = rows.copy()
        for col, default in zip(MOT_COLUMNS[6:], _DEFAULTS[6:]):
            if col not in df.columns:
                df[col] = default
        df = df[MOT_COLUMNS]
        arr = as_float_array(df.to_numpy(dtype=np.float64), "rows", ndim=2, allow_empty=True)
    else:
        arr = as_float_array(rows, "rows", ndim=2, allow_empty=True)
        if arr.size == 0:
            arr = arr.reshape(0, 10)
        if not 6 <= arr.shape[1] <= 10:
            raise ValueError(f"rows: expected shape (n, 6..10) of MOTChallenge rows "
                             f"(frame, id, left, top, width, height, ...), got shape {arr.shape}")
        if arr.shape[1] < 10:
            pad = np.tile(np.asarray(_DEFAULTS[arr.shape[1]:], dtype=np.float64), (len(arr), 1))
            arr = np.hstack([arr, pad])
    if (arr[:, 4:6] < 0).any():
        i = int(np.argwhere(arr[:, 4:6] < 0)[0, 0])
        raise ValueError(f"rows: width and height must be >= 0, row {i} has "
                         f"width={arr[i, 4]:g}, height={arr[i, 5]:g}")
    df = pd.DataFrame(arr, columns=MOT_COLUMNS)
    df["frame"] = df["frame"].astype(np.int64)
    df["id"] = df["id"].astype(np.int64)
    return df.sort_values(["frame", "id"], kind="stable").reset_index(drop=True)


def read_seqinfo(seq_dir) -> dict:
    """Read ``seq_dir/seqinfo.ini`` -> ``{'name', 'imDir', 'frameRate', 'seqLength',
    'imWidth', 'imHeight', 'imExt'}`` (numbers as int; frame rate in frames/s, sizes
    in pixels).  Missing file -> ``FileNotFoundError``; missing ``[Sequence]`` section
    or key -> ``ValueError``."""
    path = Path(os.fspath(seq_dir)) / "seqinfo.ini"
    if not path.is_file():
        raise FileNotFoundError(f"seqinfo.ini not found: {str(path)!r}")
    parser = configparser.ConfigParser()
    parser.optionxform = str  # keep camelCase keys
    parser.read(path, encoding="utf-8")
    if "Sequence" not in parser:
        raise ValueError(f"{path}: expected a [Sequence] section, got sections {parser.sections()}")
    sec = parser["Sequence"]
    info: dict = {}
    for key in ("name", "imDir", "frameRate", "seqLength", "imWidth", "imHeight", "imExt"):
        if key not in sec:
            raise ValueError(f"{path}: [Sequence] lacks the key {key!r}")
        info[key] = sec[key].strip()
    for key in ("frameRate", "seqLength", "imWidth", "imHeight"):
        try:
            info[key] = int(float(info[key]))
        except ValueError:
            raise ValueError(f"{path}: {key} should be a number, got {info[key]!r}") from None
    return info


def xywh_to_xyxy(boxes) -> np.ndarray:
    """``(n, 4)`` boxes ``[left, top, width, height]`` -> ``[x1, y1, x2, y2]`` (pixels)."""
    b = as_float_array(boxes, "boxes", shape=(None, 4), allow_empty=True).copy()
    b[:, 2:4] += b[:, 0:2]
    return b


def xyxy_to_xywh(boxes) -> np.ndarray:
    """``(n, 4)`` boxes ``[x1, y1, x2, y2]`` -> ``[left, top, width, height]`` (pixels)."""
    b = as_float_array(boxes, "boxes", shape=(None, 4), allow_empty=True).copy()
    b[:, 2:4] -= b[:, 0:2]
    return b


def _as_frame(source) -> pd.DataFrame:
    if isinstance(source, (str, os.PathLike)):
        return read_mot(source)
    return mot_frame(source)


def detections_by_frame(source, *, min_score: float | None = None,
                        n_frames: int | None = None) -> dict[int, np.ndarray]:
    """Group detections (or ground truth) by frame, as SORT consumes them.

    ``source``: a path to a MOTChallenge file, a DataFrame from :func:`read_mot`, or
    rows ``(n, 6..10)``.  Returns ``{frame: (m, 5) array [x1, y1, x2, y2, score]}``
    (pixels; the score is the file's ``conf`` column) for *every* frame from 1 to
    ``n_frames`` (default: the last frame in the file), in increasing order; frames
    without detections hold an empty ``(0, 5)`` array.  ``min_score`` drops boxes whose
    score is below it.
    """
    df = _as_frame(source)
    if min_score is not None:
        df = df[df["conf"] >= float(min_score)]
    last = int(df["frame"].max()) if len(df) else 0
    if n_frames is not None:
        if isinstance(n_frames, bool) or not isinstance(n_frames, (int, np.integer)) or n_frames < 0:
            raise ValueError(f"n_frames: expected an integer >= 0, got {n_frames!r}")
        last = int(n_frames)
    frames = df["frame"].to_numpy()
    boxes = df[["left", "top", "width", "height", "conf"]].to_numpy(dtype=np.float64).copy()
    boxes[:, 2:4] += boxes[:, 0:2]
    out: dict[int, np.ndarray] = {}
    starts = np.searchsorted(frames, np.arange(1, last + 2))
    for f in range(1, last + 1):
        out[f] = boxes[starts[f - 1]:starts[f]]
    return out


def write_mot(rows, path, *, decimals: int = 2) -> Path:
    """Write MOTChallenge rows ``(n, 6..10)`` (array or DataFrame) to ``path``.

    Each line reads ``frame,id,left,top,width,height,conf,x,y,z`` with frame and id as
    integers and the box to ``decimals`` places (SORT writes 2).  Creates the parent
    folder.  Returns the path.
    """
    df = mot_frame(rows)
    path = Path(os.fspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fmt = f"{{:d}},{{:d}},{{:.{decimals}f}},{{:.{decimals}f}},{{:.{decimals}f}},{{:.{decimals}f}},{{:g}},{{:g}},{{:g}},{{:g}}\n"
    with open(path, "w", encoding="utf-8") as fh:
        for r in df.itertuples(index=False):
            fh.write(fmt.format(int(r.frame), int(r.id), r.left, r.top, r.width, r.height,
                                r.conf, r.x, r.y, r.z))
    return path


def trajectories_by_id(source) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Ground truth per object: ``{id: (frames (T,), boxes (T, 4) [cx, cy, w, h])}``.

    Box centres and sizes in pixels, frames increasing.  Use it to cut training
    windows for a learned motion model (``course_utils.tracking``).
    """
    df = _as_frame(source)
    out = {}
    for ident, g in df.groupby("id", sort=True):
        g = g.sort_values("frame")
        l, t, w, h = (g[c].to_numpy(dtype=np.float64) for c in ("left", "top", "width", "height"))
        out[int(ident)] = (g["frame"].to_numpy(), np.stack([l + w / 2, t + h / 2, w, h], axis=1))
    return out
