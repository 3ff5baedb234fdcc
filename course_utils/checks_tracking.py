"""Exercise checkers of notebook 05 (video tracking), built on ``course_utils.checks``.

- :func:`check_iou_matrix`: write the IoU of every pair of boxes;
- :func:`check_match`: Hungarian assignment on an IoU matrix, then the gate;
- :func:`check_max_age`: the smallest ``max_age`` that carries a walker through an occlusion
  (:func:`occlusion_scenario`).

Each returns a :class:`~course_utils.checks.CheckResult` (friendly message, never a traceback).
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

from .checks import CheckResult, _not_yet, _ok, _placeholder_or_none, _wrong, check_function, check_number

__all__ = ["check_iou_matrix", "check_match", "reference_match", "occlusion_scenario",
           "smallest_max_age", "check_max_age"]


# --------------------------------------------------------------------------- exercise 1
def _box_cases(seed: int = 5):
    rng = np.random.default_rng(seed)

    def boxes(n):
        xy = rng.uniform(0, 100, (n, 2))
        wh = rng.uniform(5, 60, (n, 2))
        return np.hstack([xy, xy + wh])

    a = boxes(4)
    return [
        (np.array([[0.0, 0, 2, 2]]), np.array([[1.0, 0, 3, 2], [2.0, 0, 4, 2], [5.0, 5, 6, 6]])),
        (a, a.copy()),                       # identical boxes: 1 on the diagonal
        (boxes(3), boxes(5)),
        (boxes(6), boxes(2)),
    ]


def check_iou_matrix(func) -> CheckResult:
    """Exercise 1: ``func(a (n, 4), b (m, 4)) -> (n, m)`` IoU of boxes ``[x1, y1, x2, y2]``."""
    from .tracking import iou_matrix
    return check_function(func, _box_cases(), iou_matrix, name="my_iou",
                          hint="intersection width = max(0, min(x2_a, x2_b) - max(x1_a, x1_b)), the same "
                               "for the height; IoU = intersection / (area_a + area_b - intersection). "
                               "Broadcast a[:, None, k] against b[None, :, k] to get all (n, m) pairs at once.",
                          success="IoU for every pair of boxes, like course_utils.tracking.iou_matrix.")


# --------------------------------------------------------------------------- exercise 2
def reference_match(iou, threshold: float) -> np.ndarray:
    """Matches ``(k, 2)`` ``[track, detection]``: the assignment that maximises the total IoU
    (``linear_sum_assignment``), then pairs with IoU < ``threshold`` dropped (SORT's gate);
    rows sorted by track."""
    iou = np.asarray(iou, dtype=float)
    if iou.size == 0:
        return np.empty((0, 2), dtype=int)
    rows, cols = linear_sum_assignment(-iou)
    keep = iou[rows, cols] >= threshold
    return np.stack([rows[keep], cols[keep]], axis=1).astype(int)


def _iou_cases(seed: int = 6):
    rng = np.random.default_rng(seed)
    m1 = np.array([[0.9, 0.35, 0.0], [0.4, 0.0, 0.2]])         # greedy would be fine here
    m2 = np.array([[0.6, 0.5], [0.5, 0.0]])                      # greedy takes 0.6, optimal 1.0
    m3 = rng.uniform(0, 1, (5, 4)) * (rng.random((5, 4)) < 0.5)
    m4 = np.full((2, 3), 0.1)                                    # everything outside the gate
    return [(m1, 0.3), (m2, 0.3), (m3, 0.3), (m4, 0.3), (m3, 0.7)]


def check_match(func) -> CheckResult:
    """Exercise 2: ``func(iou (n, m), threshold) -> (k, 2)`` matches ``[track, detection]``."""
    early = _placeholder_or_none(func, "match", "")
    if early is not None:
        return early
    if not callable(func):
        return _wrong(f"`match` should be a function, got {type(func).__name__}.")
    hint = ("rows, cols = linear_sum_assignment(-iou) maximises the total IoU (the minus sign: it "
            "minimises a cost); then keep only the pairs with iou[rows, cols] >= threshold and stack "
            "them as np.stack([rows, cols], axis=1).")
    for number, (iou, thr) in enumerate(_iou_cases(), start=1):
        try:
            got = func(iou.copy(), thr)
        except NotImplementedError:
            return _not_yet("match", hint)
        except Exception as exc:  # a learner's bug: report it
            return _wrong(f"`match` raised {type(exc).__name__}: {exc} on test case {number}.", hint)
        want = reference_match(iou, thr)
        try:
            got = np.asarray(got, dtype=int).reshape(-1, 2)
        except (TypeError, ValueError):
            return _wrong(f"`match` should return an array of [track, detection] pairs of shape (k, 2); "
                          f"on test case {number} it returned {type(got).__name__}.", hint)
        got = got[np.lexsort((got[:, 1], got[:, 0]))]
        if got.shape != want.shape or not np.array_equal(got, want):
            return _wrong(f"on test case {number} (IoU matrix\n{np.round(iou, 2)}\nthreshold {thr}) you "
                          f"matched {got.tolist()}, expected {want.tolist()}.", hint)
    return _ok("optimal assignment first, then the gate - exactly SORT's association.")


# --------------------------------------------------------------------------- exercise 3
def occlusion_scenario(hidden: int = 12, seed: int = 0):
    """A walker passes behind a pillar: no detection of it for ``hidden`` frames.

    Two walkers (boxes 40 x 100 px) cross a 640 x 480 scene for 60 frames: walker 1 walks right
    at 3 px/frame and is hidden in frames 21 .. 20 + ``hidden``; walker 2 walks left higher up.
    Detections carry 1 px of noise (seeded).  Returns ``(dets, gt)``: ``{frame: (m, 5)
    [x1, y1, x2, y2, score]}`` for frames 1..60 and the ground truth as MOTChallenge rows.
    """
    rng = np.random.default_rng(seed)
    dets, gt = {}, []
    for f in range(1, 61):
        boxes = []
        for ident, (x0, vx, y) in enumerate([(60.0, 3.0, 300.0), (560.0, -2.5, 120.0)], start=1):
            x = x0 + vx * f
            gt.append([f, ident, x, y, 40.0, 100.0, 1, -1, -1, -1])
            if ident == 1 and 21 <= f <= 20 + hidden:
                continue
            b = np.array([x, y, x + 40.0, y + 100.0]) + rng.normal(0, 1.0, 4)
            boxes.append(np.r_[b, 1.0])
        dets[f] = np.array(boxes).reshape(-1, 5)
    return dets, np.array(gt)


def smallest_max_age(motion: str = "kalman", hidden: int = 12, limit: int = 40):
    """The smallest ``max_age`` with which a tracker (SORT's other settings) keeps walker 1 of
    :func:`occlusion_scenario` on one track id; None if no value up to ``limit`` does."""
    from .tracking import KalmanBox, NoMotion, Tracker, run_tracker
    from .mot_metrics import evaluate_mot
    dets, gt = occlusion_scenario(hidden)
    for max_age in range(0, limit + 1):
        model = KalmanBox() if motion == "kalman" else NoMotion()
        rows = run_tracker(dets, Tracker(model, max_age=max_age))
        if _walker_ids(gt, rows) == 1 and evaluate_mot(gt, rows)["IDSW"] == 0:
            return max_age
    return None


def _walker_ids(gt, rows) -> int:
    """How many track ids covered walker 1 (IoU >= 0.5)."""
    from .tracking import iou_matrix
    ids = set()
    for g in gt[gt[:, 1] == 1]:
        r = rows[rows[:, 0] == g[0]]
        if len(r) == 0:
            continue
        gb = np.r_[g[2:4], g[2:4] + g[4:6]][None]
        rb = np.hstack([r[:, 2:4], r[:, 2:4] + r[:, 4:6]])
        iou = iou_matrix(gb, rb)[0]
        if iou.max() >= 0.5:
            ids.add(int(r[np.argmax(iou), 1]))
    return len(ids)


def check_max_age(answer) -> CheckResult:
    """Exercise 3: the smallest ``max_age`` for which the Kalman tracker keeps walker 1's identity
    through its 12-frame occlusion in :func:`occlusion_scenario`."""
    hint = ("loop over max_age = 0, 1, 2, ... ; run run_tracker(dets, Tracker(KalmanBox(), max_age=max_age)) "
            "and count the track ids that covered walker 1 (or the ID switches of evaluate_mot). A track "
            "is deleted when it has gone more than max_age frames without a detection.")
    return check_number(answer, float(smallest_max_age("kalman")), name="smallest_max_age", integer=True,
                        hint=hint,
                        success="a track must be allowed to coast through every hidden frame (max_age >= "
                                "the occlusion's length), and its prediction must still overlap the "
                                "walker when it reappears - the Kalman filter's does, a box that stands "
                                "still (NoMotion) does not, whatever max_age.")
