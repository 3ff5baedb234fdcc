"""Exercise checkers for notebook 04 (from pixels to positions).

Same conventions as ``course_utils.checks``: each checker returns a ``CheckResult`` that shows
as one friendly message (✅ / ⏳ / ❌ with expected vs given and a hint) and never raises for a
wrong answer; ``bool(result)`` is True only when the answer is right.

- ``check_vector_length(answer)``      exercise 1: how many numbers is a 320x240 RGB frame?
- ``check_iou(iou)``                   exercise 2: intersection over union of two boxes
- ``check_precision_recall_f1(func)``  exercise 3: detection scores from tp, fp, fn counts
- ``check_soft_argmax(func)``          exercise 4: the centre of mass of a heat map
"""
from __future__ import annotations

import numpy as np

from .checks import CheckResult, check_function, check_number

__all__ = ["check_vector_length", "check_iou", "check_precision_recall_f1", "check_soft_argmax",
           "reference_iou", "reference_precision_recall_f1", "reference_soft_argmax"]


def check_vector_length(answer, width: int = 320, height: int = 240) -> CheckResult:
    """Exercise 1: the length of a ``width x height`` RGB frame flattened to one vector."""
    return check_number(answer, width * height * 3, name="n_numbers", integer=True,
                        hint="one number per pixel and per colour channel: width x height x 3.",
                        success=f"{width} x {height} pixels x 3 channels = {width * height * 3} numbers: "
                                f"frame.reshape(-1) or frame.size.")


def reference_iou(a, b) -> float:
    """IoU of two boxes ``(left, top, width, height)``."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    union = a[2] * a[3] + b[2] * b[3] - inter
    return float(inter / union) if union > 0 else 0.0


def check_iou(func) -> CheckResult:
    """Exercise 2: ``func(a, b) -> float``, IoU of two boxes ``(left, top, width, height)``."""
    cases = [
        ((0, 0, 10, 10), (0, 0, 10, 10)),      # identical: 1
        ((0, 0, 10, 10), (5, 0, 10, 10)),      # half overlap sideways: 50 / 150
        ((0, 0, 10, 10), (20, 20, 5, 5)),      # apart: 0
        ((0, 0, 10, 10), (10, 0, 10, 10)),     # touching edges: 0
        ((2, 3, 4, 8), (0, 0, 10, 10)),        # inside: 32 / 100
        ((10, 20, 30, 60), (25, 35, 30, 60)),  # a typical pedestrian pair
    ]
    return check_function(func, cases, reference_iou, name="iou",
                          hint="intersection width = max(0, min(right edges) - max(left edges)), the same "
                               "for heights; union = area a + area b - intersection. Boxes that only touch "
                               "or do not overlap have IoU 0 (watch the max(0, ...)).",
                          success="IoU = intersection / union; detections are usually matched at IoU >= 0.5.")


def reference_precision_recall_f1(tp, fp, fn):
    """``(precision, recall, f1)`` from counts; 0 where a denominator is 0."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return np.array([precision, recall, f1])


def check_precision_recall_f1(func) -> CheckResult:
    """Exercise 3: ``func(tp, fp, fn) -> (precision, recall, f1)``."""
    cases = [(264, 57, 95), (1, 3, 3), (10, 0, 0), (0, 5, 7), (0, 0, 4)]
    return check_function(func, cases, lambda *c: reference_precision_recall_f1(*c),
                          name="precision_recall_f1",
                          hint="precision = tp / (tp + fp) (how many detections are right), recall = "
                               "tp / (tp + fn) (how many people are found), F1 = 2 P R / (P + R); return 0 "
                               "instead of dividing by 0 (test cases 4 and 5 have no true positives).",
                          success="Precision, recall and F1 as course_utils.video.detection_scores computes them.")


def reference_soft_argmax(heat) -> np.ndarray:
    """The softmax-weighted mean pixel position ``(x, y)`` of a heat map ``(H, W)``; pixel
    ``(row, col)`` sits at ``(x, y) = (col, row)``."""
    heat = np.asarray(heat, float)
    p = np.exp(heat - heat.max())
    p /= p.sum()
    rows, cols = np.mgrid[0:heat.shape[0], 0:heat.shape[1]]
    return np.array([(p * cols).sum(), (p * rows).sum()])


def check_soft_argmax(func) -> CheckResult:
    """Exercise 4: ``func(heat (H, W)) -> (x, y)``, the soft-argmax of a heat map."""
    rng = np.random.default_rng(4)
    peak = np.full((5, 7), -10.0)
    peak[1, 4] = 10.0
    cases = [(np.zeros((3, 3)),), (peak,), (rng.normal(0, 1, (4, 6)),), (rng.normal(0, 3, (8, 8)),),
             (rng.normal(0, 1, (6, 6)) + 1000.0,)]
    return check_function(func, cases, reference_soft_argmax, name="soft_argmax", atol=1e-6,
                          hint="p = exp(heat) / exp(heat).sum() (subtract heat.max() first so exp does not "
                               "overflow: test case 5); then x = sum(p * column index), y = sum(p * row index) "
                               "(np.mgrid or np.indices give the indices).",
                          success="A flat heat map gives the middle, a sharp peak gives the peak's pixel: "
                                  "the CNN's SoftArgmax layer does this, differentiably.")
