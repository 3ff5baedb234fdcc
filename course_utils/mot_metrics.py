"""Multi-object tracking metrics (MOTA, MOTP, IDF1, ID switches, ...) through ``motmetrics``.

One function, :func:`evaluate_mot`, scores tracker output against ground truth the way
the MOTChallenge does for 2D boxes: per frame, ground-truth and tracker boxes may be
paired when their IoU is at least ``iou`` (0.5), pairs are found by ``motmetrics``
(Hungarian matching with the CLEAR-MOT rules for keeping earlier pairs), and the
usual scores are computed from the accumulated events.

NumPy 2 compatibility: ``motmetrics`` 1.4 calls ``np.asfarray``, which NumPy 2.0
removed.  :func:`_motmetrics` is the *one* place that repairs it: it gives the module
``motmetrics.distances`` (the only non-test module that calls it) its own view of NumPy
that has ``asfarray``; NumPy itself is not modified.  ``tests/test_tracking.py`` fails
if the repair stops working.

``motmetrics`` is imported lazily (on the first call), so ``import course_utils`` stays
fast.  HOTA is not computed: ``motmetrics`` 1.4 does not have it and TrackEval is not
part of the course environment.
"""
from __future__ import annotations

import os
import types

import numpy as np
import pandas as pd

__all__ = ["evaluate_mot", "metrics_table", "METRIC_NAMES"]

#: Keys of the dict returned by :func:`evaluate_mot`, in display order.
METRIC_NAMES = ["MOTA", "MOTP", "IDF1", "IDP", "IDR", "IDSW", "FP", "FN", "MT", "PT", "ML",
                "Frag", "Precision", "Recall", "GT", "Frames"]

_MM_NAMES = {  # motmetrics name -> ours
    "mota": "MOTA", "motp": "MOTP", "idf1": "IDF1", "idp": "IDP", "idr": "IDR",
    "num_switches": "IDSW", "num_false_positives": "FP", "num_misses": "FN",
    "mostly_tracked": "MT", "partially_tracked": "PT", "mostly_lost": "ML",
    "num_fragmentations": "Frag", "precision": "Precision", "recall": "Recall",
    "num_unique_objects": "GT", "num_frames": "Frames",
}

_MM = None


class _NumpyWithAsfarray(types.ModuleType):
    """NumPy as seen by ``motmetrics.distances``: every attribute is NumPy's, plus
    ``asfarray`` (removed in NumPy 2.0) defined as NumPy 1 did."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def asfarray(a, dtype=np.float64):
        dtype = np.dtype(dtype)
        if not np.issubdtype(dtype, np.inexact):
            dtype = np.dtype(np.float64)
        return np.asarray(a, dtype=dtype)


def _motmetrics():
    """Import ``motmetrics`` once and apply the NumPy-2 repair (the only place it is done)."""
    global _MM
    if _MM is None:
        try:
            import motmetrics
            import motmetrics.distances
        except ImportError as exc:  # pragma: no cover - part of the course environment
            raise ImportError("evaluate_mot needs the package 'motmetrics' "
                              "(pip install 'course-utils[tracking]')") from exc
        if not hasattr(np, "asfarray"):  # NumPy >= 2.0
            motmetrics.distances.np = _NumpyWithAsfarray("numpy_with_asfarray")
        _MM = motmetrics
    return _MM


def _to_mm_frame(rows, name: str) -> pd.DataFrame:
    """Rows / DataFrame / path -> motmetrics' DataFrame indexed by (FrameId, Id)."""
    from .mot import mot_frame, read_mot
    if isinstance(rows, (str, os.PathLike)):
        df = read_mot(rows)
    else:
        try:
            df = mot_frame(rows)
        except ValueError as exc:
            raise ValueError(f"{name}: {exc}") from None
    out = pd.DataFrame({
        "FrameId": df["frame"].to_numpy(), "Id": df["id"].to_numpy(),
        "X": df["left"].to_numpy(), "Y": df["top"].to_numpy(),
        "Width": df["width"].to_numpy(), "Height": df["height"].to_numpy(),
        "Confidence": df["conf"].to_numpy(),
    })
    if out.duplicated(["FrameId", "Id"]).any():
        dup = out[out.duplicated(["FrameId", "Id"])].iloc[0]
        raise ValueError(f"{name}: id {int(dup.Id)} appears twice in frame {int(dup.FrameId)}; "
                         f"each id may own at most one box per frame")
    return out.set_index(["FrameId", "Id"])


def evaluate_mot(gt_rows, hyp_rows, iou: float = 0.5, *, name: str = "sequence") -> dict:
    """Score tracker output against ground truth with ``motmetrics``.

    ``gt_rows``, ``hyp_rows``: MOTChallenge rows ``(n, 6..10)`` (array), a DataFrame
    from ``course_utils.mot.read_mot`` or a path to a MOTChallenge file; boxes are
    ``left, top, width, height`` in pixels.  Ground-truth rows with ``conf`` < 1 are
    ignored, as ``motmetrics``' MOTChallenge evaluation does.  A tracker box and a
    ground-truth box can be paired when their IoU >= ``iou``.

    Returns a dict with (fractions in [0, 1] unless said otherwise):

    - ``MOTA`` = 1 - (FN + FP + IDSW) / number of ground-truth boxes (can be negative)
    - ``MOTP`` = mean IoU of the paired boxes (MOTChallenge's convention: higher is
      better; ``motmetrics`` itself reports 1 - this)
    - ``IDF1``, ``IDP``, ``IDR``: identity F1, precision, recall
    - ``IDSW``, ``FP``, ``FN``, ``Frag``: counts of ID switches, false positives,
      misses, fragmentations
    - ``MT``, ``PT``, ``ML``: objects tracked >= 80 %, between, <= 20 % of their life
    - ``Precision``, ``Recall`` (of boxes), ``GT`` (objects), ``Frames``
    """
    if isinstance(iou, bool) or not isinstance(iou, (int, float, np.floating)) or not 0 < iou <= 1:
        raise ValueError(f"iou: expected a number in (0, 1], got {iou!r}")
    mm = _motmetrics()
    gt = _to_mm_frame(gt_rows, "gt_rows")
    gt = gt[gt["Confidence"] >= 1]
    hyp = _to_mm_frame(hyp_rows, "hyp_rows")
    if len(gt) == 0:
        raise ValueError("gt_rows: no ground-truth boxes (with conf >= 1) to score against")
    acc = mm.utils.compare_to_groundtruth(gt, hyp, "iou", distth=1.0 - float(iou))
    mh = mm.metrics.create()
    summary = mh.compute(acc, metrics=list(_MM_NAMES), name=name)
    out = {}
    for mm_name, ours in _MM_NAMES.items():
        value = summary[mm_name].iloc[0]
        if ours in ("IDSW", "FP", "FN", "MT", "PT", "ML", "Frag", "GT", "Frames"):
            out[ours] = int(value)
        else:
            out[ours] = float(value)
    out["MOTP"] = 1.0 - out["MOTP"] if np.isfinite(out["MOTP"]) else float("nan")
    return {k: out[k] for k in METRIC_NAMES}


def metrics_table(results: dict, *, percent: bool = True, decimals: int = 1) -> pd.DataFrame:
    """``{name: evaluate_mot(...)}`` -> DataFrame, one row per name, columns
    :data:`METRIC_NAMES`; fractions shown as percentages rounded to ``decimals``."""
    df = pd.DataFrame.from_dict(results, orient="index")[METRIC_NAMES]
    if percent:
        for col in ("MOTA", "MOTP", "IDF1", "IDP", "IDR", "Precision", "Recall"):
            df[col] = (100 * df[col].astype(float)).round(decimals)
    return df
