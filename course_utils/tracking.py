"""Tracking by detection: association, motion models, track management (SORT and beyond).

Boxes are *corner* boxes ``[x1, y1, x2, y2]`` in pixels (SORT's convention);
detections per frame are ``(m, 4)`` or ``(m, 5)`` arrays ``[x1, y1, x2, y2(, score)]``
as made by ``course_utils.mot.detections_by_frame`` or :func:`simulate_detections`
(the score is carried along, never used for association).

The pieces, each replaceable:

- :func:`iou_matrix`, :func:`centre_distance_matrix` and :func:`associate`: which
  detection belongs to which track (gated, solved with
  ``scipy.optimize.linear_sum_assignment``; unmatched tracks and detections returned
  explicitly).
- Motion models with one interface (:class:`MotionModel`): :class:`NoMotion` (last box),
  :class:`KalmanBox` (SORT's constant-velocity Kalman filter on centre, area and aspect
  ratio, vectorised over tracks) and :class:`LSTMMotion` (any learned
  ``predict_displacement`` from the last k boxes, e.g. :class:`NumpyLSTM`).
- :class:`Tracker`: SORT's track management (tentative -> confirmed after ``min_hits``,
  coasting on the motion model's prediction for up to ``max_age`` missed frames,
  deletion) and :func:`run_tracker`, which returns MOTChallenge rows.
- :func:`synthetic_scene` and :func:`simulate_detections` for controlled experiments.

SORT: A. Bewley, Z. Ge, L. Ott, F. Ramos, B. Upcroft, "Simple Online and Realtime
Tracking", ICIP 2016 (github.com/abewley/sort).
"""
from __future__ import annotations

from typing import Callable, Iterable, Mapping

import numpy as np
from scipy.optimize import linear_sum_assignment

from .validation import as_float_array, check_positive_int

__all__ = [
    "iou_matrix", "centre_distance_matrix", "associate",
    "MotionModel", "NoMotion", "KalmanBox", "LSTMMotion",
    "constant_velocity_displacement", "DisplacementPredictor", "NumpyLSTM",
    "numpy_lstm_forward", "lstm_weights", "motion_windows",
    "Tracker", "run_tracker", "synthetic_scene", "simulate_detections",
    "boxes_to_cxcywh", "cxcywh_to_boxes",
]

_EMPTY_INT = np.empty(0, dtype=np.intp)


# --------------------------------------------------------------------------- boxes
def _check_boxes(boxes, name: str) -> np.ndarray:
    """``(n, >=4)`` corner boxes -> float ``(n, 4)``; negative width/height -> ValueError."""
    b = as_float_array(boxes, name, ndim=2, allow_empty=True)
    if b.size == 0:
        return b.reshape(0, 4)
    if b.shape[1] < 4:
        raise ValueError(f"{name}: expected shape (n, 4) boxes [x1, y1, x2, y2] "
                         f"(or (n, 5) with a score), got shape {b.shape}")
    b = b[:, :4]
    neg = (b[:, 2] < b[:, 0]) | (b[:, 3] < b[:, 1])
    if neg.any():
        i = int(np.flatnonzero(neg)[0])
        raise ValueError(f"{name}: boxes must be [x1, y1, x2, y2] with x2 >= x1 and y2 >= y1 "
                         f"(non-negative width and height); box {i} is {b[i].tolist()} "
                         f"(width {b[i, 2] - b[i, 0]:g}, height {b[i, 3] - b[i, 1]:g})")
    return b


def boxes_to_cxcywh(boxes) -> np.ndarray:
    """``(n, 4)`` ``[x1, y1, x2, y2]`` -> ``(n, 4)`` ``[cx, cy, w, h]`` (pixels)."""
    b = np.asarray(boxes, dtype=np.float64)
    w = b[..., 2] - b[..., 0]
    h = b[..., 3] - b[..., 1]
    return np.stack([b[..., 0] + w / 2, b[..., 1] + h / 2, w, h], axis=-1)


def cxcywh_to_boxes(c) -> np.ndarray:
    """``(n, 4)`` ``[cx, cy, w, h]`` -> ``(n, 4)`` ``[x1, y1, x2, y2]`` (pixels)."""
    c = np.asarray(c, dtype=np.float64)
    half = c[..., 2:4] / 2
    return np.concatenate([c[..., 0:2] - half, c[..., 0:2] + half], axis=-1)


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of checked corner boxes a (n, 4), b (m, 4) -> (n, m); no validation."""
    ix1 = np.maximum(a[:, None, 0], b[None, :, 0])
    iy1 = np.maximum(a[:, None, 1], b[None, :, 1])
    ix2 = np.minimum(a[:, None, 2], b[None, :, 2])
    iy2 = np.minimum(a[:, None, 3], b[None, :, 3])
    inter = np.maximum(ix2 - ix1, 0.0) * np.maximum(iy2 - iy1, 0.0)
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    out = np.zeros_like(inter)
    np.divide(inter, union, out=out, where=union > 0)
    return out


def iou_matrix(boxes_a, boxes_b) -> np.ndarray:
    """Intersection over union of every pair: ``(n, 4)`` x ``(m, 4)`` -> ``(n, m)`` in [0, 1].

    Boxes ``[x1, y1, x2, y2]`` in pixels (extra columns, e.g. a score, are ignored).
    Two boxes of zero area have IoU 0.  Negative width or height -> ``ValueError``.
    Vectorised: no Python loop over pairs.
    """
    return _iou(_check_boxes(boxes_a, "boxes_a"), _check_boxes(boxes_b, "boxes_b"))


def centre_distance_matrix(boxes_a, boxes_b) -> np.ndarray:
    """Euclidean distance between box centres, ``(n, 4)`` x ``(m, 4)`` -> ``(n, m)`` pixels."""
    a = _check_boxes(boxes_a, "boxes_a")
    b = _check_boxes(boxes_b, "boxes_b")
    ca = (a[:, 0:2] + a[:, 2:4]) / 2
    cb = (b[:, 0:2] + b[:, 2:4]) / 2
    return np.sqrt(((ca[:, None, :] - cb[None, :, :]) ** 2).sum(-1))


def _solve(score: np.ndarray, allowed: np.ndarray, maximise: bool, gating: str = "after"):
    """Optimal one-to-one assignment on ``score`` keeping only ``allowed`` pairs.

    ``gating="after"`` (SORT): solve on the full matrix, then drop the chosen pairs
    that are not allowed (both partners become unmatched).  ``gating="before"``:
    only allowed pairs compete in the solve.  Returns matches (k, 2) [row, col],
    unmatched rows, unmatched cols.
    """
    n, m = score.shape
    if n == 0 or m == 0 or not allowed.any():
        return np.empty((0, 2), dtype=np.intp), np.arange(n), np.arange(m)
    if gating == "after":
        cost = -score if maximise else score
    else:
        # A gated-out pair costs as much as leaving both unmatched, so the solver
        # optimises the total over allowed pairs only.
        if maximise:
            cost = np.where(allowed, -score, 0.0)
        else:
            big = float(score[allowed].max()) + 1.0
            cost = np.where(allowed, score - big, 0.0)
    rows, cols = linear_sum_assignment(cost)
    keep = allowed[rows, cols]
    rows, cols = rows[keep], cols[keep]
    um_rows = np.ones(n, dtype=bool)
    um_rows[rows] = False
    um_cols = np.ones(m, dtype=bool)
    um_cols[cols] = False
    return (np.stack([rows, cols], axis=1).astype(np.intp), np.flatnonzero(um_rows),
            np.flatnonzero(um_cols))


def _check_gating(gating) -> str:
    if gating not in ("after", "before"):
        raise ValueError(f"gating: expected 'after' (SORT: solve, then drop pairs outside the "
                         f"gate) or 'before' (only pairs inside the gate compete), got {gating!r}")
    return gating


def associate(track_boxes, det_boxes, *, metric: str = "iou", iou_threshold: float = 0.3,
              max_distance: float | None = None, gating: str = "after"):
    """Assign detections to tracks, one to one.

    ``track_boxes (n, 4)``: the motion model's predicted boxes; ``det_boxes (m, 4)`` (or
    ``(m, 5)`` with a score): this frame's detections; ``[x1, y1, x2, y2]`` pixels.

    - ``metric="iou"``: a pair is allowed when IoU >= ``iou_threshold``; among allowed
      pairs the total IoU is maximised.
    - ``metric="centre"``: a pair is allowed when the centres are at most
      ``max_distance`` pixels apart (and, if ``iou_threshold`` > 0, IoU >=
      ``iou_threshold`` too); the total centre distance is minimised.

    Pairs outside the gate are never matched.  The assignment is solved with
    ``scipy.optimize.linear_sum_assignment``; ``gating="after"`` (SORT's way, the
    default) solves on the full matrix and then rejects chosen pairs outside the gate
    (leaving both partners unmatched); ``gating="before"`` lets only pairs inside the
    gate compete, which can match a track that "after" leaves unmatched.

    Returns ``(matches, unmatched_tracks, unmatched_dets)``: ``matches (k, 2)`` int rows
    ``[track_index, det_index]``, then the indices of tracks and of detections left
    without a partner (each sorted).
    """
    a = _check_boxes(track_boxes, "track_boxes")
    b = _check_boxes(det_boxes, "det_boxes")
    thr = _check_fraction(iou_threshold, "iou_threshold")
    gating = _check_gating(gating)
    if metric == "iou":
        iou = _iou(a, b)
        return _solve(iou, iou >= thr, maximise=True, gating=gating)
    if metric == "centre":
        if max_distance is None or not np.isfinite(max_distance) or max_distance <= 0:
            raise ValueError(f"max_distance: metric='centre' needs a positive gate in pixels, "
                             f"got {max_distance!r}")
        ca = (a[:, 0:2] + a[:, 2:4]) / 2
        cb = (b[:, 0:2] + b[:, 2:4]) / 2
        dist = np.sqrt(((ca[:, None, :] - cb[None, :, :]) ** 2).sum(-1))
        allowed = dist <= max_distance
        if thr > 0:
            allowed &= _iou(a, b) >= thr
        return _solve(dist, allowed, maximise=False, gating=gating)
    raise ValueError(f"metric: expected 'iou' or 'centre', got {metric!r}")


def _check_fraction(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)) \
            or not 0 <= value <= 1:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


# --------------------------------------------------------------------------- motion models
def _take(state: dict, idx) -> dict:
    return {k: v[idx] for k, v in state.items()}


def _concat(a: dict, b: dict) -> dict:
    return {k: np.concatenate([a[k], b[k]], axis=0) for k in a}


class MotionModel:
    """The interface every motion model follows (all methods act on all tracks at once).

    A model holds parameters only; the per-track state is a dict of arrays whose first
    axis is the track (``n`` tracks), owned by the :class:`Tracker`, which selects and
    concatenates it row-wise.

    - ``init(boxes (m, 4)) -> state`` for m new tracks started from detections
    - ``predict(state) -> (state, boxes (n, 4))``: advance every track one frame; the
      boxes are where the tracks are expected in the new frame
    - ``update(state, rows (k,), boxes (k, 4)) -> state``: correct tracks ``rows`` with
      their matched detections
    - ``boxes(state) -> (n, 4)``: current estimate of every track's box

    Boxes ``[x1, y1, x2, y2]`` in pixels.
    """

    name = "motion model"

    def init(self, boxes: np.ndarray) -> dict:  # pragma: no cover - interface
        raise NotImplementedError

    def predict(self, state: dict):  # pragma: no cover - interface
        raise NotImplementedError

    def update(self, state: dict, rows: np.ndarray, boxes: np.ndarray) -> dict:  # pragma: no cover
        raise NotImplementedError

    def boxes(self, state: dict) -> np.ndarray:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class NoMotion(MotionModel):
    """No motion: a track is predicted where it was last seen (its last box)."""

    name = "none (last box)"

    def init(self, boxes):
        return {"box": np.array(boxes, dtype=np.float64).reshape(-1, 4)}

    def predict(self, state):
        return state, state["box"]

    def update(self, state, rows, boxes):
        state["box"][rows] = boxes
        return state

    def boxes(self, state):
        return state["box"]


def _z_from_boxes(b: np.ndarray) -> np.ndarray:
    """[x1, y1, x2, y2] -> SORT's measurement [u, v, s, r] (centre, area, aspect w/h)."""
    w = b[:, 2] - b[:, 0]
    h = b[:, 3] - b[:, 1]
    return np.stack([b[:, 0] + w / 2, b[:, 1] + h / 2, w * h, w / h], axis=1)


def _boxes_from_x(x: np.ndarray) -> np.ndarray:
    """SORT's state [u, v, s, r, ...] -> [x1, y1, x2, y2] (NaN where s * r < 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.sqrt(x[:, 2] * x[:, 3])
        h = x[:, 2] / w
    return np.stack([x[:, 0] - w / 2, x[:, 1] - h / 2, x[:, 0] + w / 2, x[:, 1] + h / 2], axis=1)


class KalmanBox(MotionModel):
    """SORT's constant-velocity Kalman filter, vectorised over tracks, in NumPy.

    State ``x = [u, v, s, r, du, dv, ds]`` (7,): box centre (pixels), area (pixels²),
    aspect ratio w/h (constant), and the velocities of u, v, s (per frame).
    Measurement ``z = [u, v, s, r]``.  Noise settings are SORT's (on top of filterpy's
    identity defaults):

    - ``R = diag(1, 1, 10, 10)`` (measurement noise)
    - ``P0 = diag(10, 10, 10, 10, 1e4, 1e4, 1e4)`` (unknown initial velocities)
    - ``Q = diag(1, 1, 1, 1, 0.01, 0.01, 1e-4)`` (process noise)

    ``predict`` also zeroes the area velocity where it would make the area negative,
    and ``update`` uses the Joseph form, both exactly as SORT with filterpy does.
    State arrays: ``x (n, 7)``, ``P (n, 7, 7)``.
    """

    name = "Kalman (constant velocity)"

    def __init__(self):
        F = np.eye(7)
        F[0, 4] = F[1, 5] = F[2, 6] = 1.0
        self.F = F
        self.H = np.eye(4, 7)
        self.R = np.diag([1.0, 1.0, 10.0, 10.0])
        self.P0 = np.diag([10.0, 10.0, 10.0, 10.0, 1e4, 1e4, 1e4])
        self.Q = np.diag([1.0, 1.0, 1.0, 1.0, 0.01, 0.01, 1e-4])
        self._I = np.eye(7)

    def init(self, boxes):
        b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        x = np.zeros((len(b), 7))
        x[:, :4] = _z_from_boxes(b)
        return {"x": x, "P": np.broadcast_to(self.P0, (len(b), 7, 7)).copy()}

    def predict(self, state):
        x, P = state["x"], state["P"]
        shrink = x[:, 6] + x[:, 2] <= 0
        if shrink.any():
            x[shrink, 6] = 0.0
        x = x @ self.F.T
        P = self.F @ P @ self.F.T + self.Q
        state = {"x": x, "P": P}
        return state, _boxes_from_x(x)

    def update(self, state, rows, boxes):
        if len(rows) == 0:
            return state
        z = _z_from_boxes(np.asarray(boxes, dtype=np.float64).reshape(-1, 4))
        x, P = state["x"][rows], state["P"][rows]
        S = P[:, :4, :4] + self.R                           # H P H' + R
        K = P[:, :, :4] @ np.linalg.inv(S)                  # P H' S^-1      (k, 7, 4)
        x = x + (K @ (z - x[:, :4])[:, :, None])[:, :, 0]
        I_KH = np.broadcast_to(self._I, P.shape).copy()
        I_KH[:, :, :4] -= K                                 # I - K H
        P = I_KH @ P @ I_KH.transpose(0, 2, 1) + K @ self.R @ K.transpose(0, 2, 1)
        state["x"][rows] = x
        state["P"][rows] = P
        return state

    def boxes(self, state):
        return _boxes_from_x(state["x"])


def constant_velocity_displacement(centres) -> np.ndarray:
    """Baseline ``predict_displacement``: repeat the last step.

    ``centres (n, k, d)`` -> ``(n, d)`` = ``centres[:, -1] - centres[:, -2]`` (zeros if k < 2).
    """
    c = np.asarray(centres, dtype=np.float64)
    if c.shape[1] < 2:
        return np.zeros((c.shape[0], c.shape[2]))
    return c[:, -1] - c[:, -2]


class LSTMMotion(MotionModel):
    """A learned motion model: the next displacement from the last ``k`` boxes.

    ``predict_displacement(history (n, k, dims)) -> (n, dims)`` is any callable (a
    :class:`DisplacementPredictor` around a :class:`NumpyLSTM`, a Keras model wrapped
    in a function, :func:`constant_velocity_displacement`); it is called *once per
    frame for all tracks*.  ``dims = 2``: history of box centres ``[cx, cy]``, the box
    keeps its size; ``dims = 4``: ``[cx, cy, w, h]``.  Pixels, one row per frame, the
    newest last.

    State: ``hist (n, k, 4)`` ``[cx, cy, w, h]``, the newest last.  A new track's
    history is its first box repeated (zero velocity).  ``predict`` appends the
    prediction; ``update`` replaces that newest entry with the matched detection, so
    a coasting track keeps rolling its own predictions forward.
    """

    name = "LSTM"

    def __init__(self, predict_displacement: Callable, k: int = 8, dims: int = 2,
                 *, min_size: float = 1.0):
        if not callable(predict_displacement):
            raise ValueError(f"predict_displacement: expected a callable (n, k, dims) -> (n, dims), "
                             f"got {type(predict_displacement).__name__}")
        self.predict_displacement = predict_displacement
        self.k = check_positive_int(k, "k")
        if dims not in (2, 4):
            raise ValueError(f"dims: expected 2 (centres) or 4 (centres and sizes), got {dims!r}")
        self.dims = dims
        self.min_size = float(min_size)

    def __repr__(self):
        return f"LSTMMotion(k={self.k}, dims={self.dims})"

    def init(self, boxes):
        c = boxes_to_cxcywh(np.asarray(boxes, dtype=np.float64).reshape(-1, 4))
        return {"hist": np.repeat(c[:, None, :], self.k, axis=1)}

    def predict(self, state):
        hist = state["hist"]
        n = hist.shape[0]
        if n == 0:
            return state, np.empty((0, 4))
        disp = np.asarray(self.predict_displacement(hist[:, :, :self.dims]), dtype=np.float64)
        if disp.shape != (n, self.dims):
            raise ValueError(f"predict_displacement: expected output of shape ({n}, {self.dims}) "
                             f"for input of shape {hist[:, :, :self.dims].shape}, got {disp.shape}")
        new = hist[:, -1].copy()
        new[:, :self.dims] += disp
        np.maximum(new[:, 2:4], self.min_size, out=new[:, 2:4])
        hist = np.concatenate([hist[:, 1:], new[:, None, :]], axis=1)
        return {"hist": hist}, cxcywh_to_boxes(new)

    def update(self, state, rows, boxes):
        state["hist"][rows, -1] = boxes_to_cxcywh(np.asarray(boxes, dtype=np.float64).reshape(-1, 4))
        return state

    def boxes(self, state):
        return cxcywh_to_boxes(state["hist"][:, -1])


# --------------------------------------------------------------------------- NumPy LSTM
def lstm_weights(model_or_weights) -> list[np.ndarray]:
    """Weights of ``LSTM(units)`` [+ ``Dense(out)``] as float64 arrays, checked.

    Accepts a Keras model (anything with ``get_weights()``) or the list it returns:
    ``[kernel (d, 4u), recurrent_kernel (u, 4u), bias (4u,)]`` optionally followed by
    ``[dense_kernel (u, o), dense_bias (o,)]``.  Keras's gate order is i, f, c, o.
    """
    w = model_or_weights.get_weights() if hasattr(model_or_weights, "get_weights") else model_or_weights
    w = [np.asarray(a, dtype=np.float64) for a in w]
    if len(w) not in (3, 5):
        raise ValueError(f"weights: expected 3 arrays (one LSTM) or 5 (LSTM + Dense), got {len(w)}")
    kernel, rec, bias = w[:3]
    if kernel.ndim != 2 or kernel.shape[1] % 4:
        raise ValueError(f"weights[0]: expected the LSTM kernel of shape (d, 4*units), got {kernel.shape}")
    u = kernel.shape[1] // 4
    if rec.shape != (u, 4 * u):
        raise ValueError(f"weights[1]: expected the recurrent kernel of shape ({u}, {4 * u}), got {rec.shape}")
    if bias.shape != (4 * u,):
        raise ValueError(f"weights[2]: expected the LSTM bias of shape ({4 * u},), got {bias.shape}")
    if len(w) == 5:
        dk, db = w[3:]
        if dk.ndim != 2 or dk.shape[0] != u or db.shape != (dk.shape[1],):
            raise ValueError(f"weights[3:5]: expected a Dense kernel ({u}, o) and bias (o,), "
                             f"got {dk.shape} and {db.shape}")
    return w


def numpy_lstm_forward(weights, x) -> np.ndarray:
    """Forward pass of Keras's ``LSTM(units)`` (+ optional ``Dense``) in NumPy.

    ``weights``: see :func:`lstm_weights` (a Keras model or its ``get_weights()``);
    ``x (n, T, d)``.  Returns the Dense output ``(n, o)``, or the last hidden state
    ``(n, units)`` if there is no Dense.  Keras's defaults: sigmoid gates, tanh cell,
    zero initial state, ``return_sequences=False``; gate order i, f, c, o::

        z_t = x_t W + h_{t-1} U + b;  i, f, g, o = sigmoid, sigmoid, tanh, sigmoid of z_t's quarters
        c_t = f * c_{t-1} + i * g;    h_t = o * tanh(c_t)
    """
    w = _gates_ifog(lstm_weights(weights))
    x = as_float_array(x, "x", ndim=3)
    return _lstm_forward(w, x)


def _gates_ifog(w):
    """Reorder the gate columns from Keras's (i, f, c, o) to (i, f, o, c): the three
    sigmoid gates side by side, so one call computes them all."""
    u = w[1].shape[0]
    order = np.r_[0:2 * u, 3 * u:4 * u, 2 * u:3 * u]
    return [w[0][:, order], np.ascontiguousarray(w[1][:, order]), w[2][order]] + list(w[3:])


def _lstm_forward(w, x):
    """LSTM(+Dense) forward on weights with gate columns (i, f, o, c) (see _gates_ifog)."""
    kernel, rec, bias = w[:3]
    if x.ndim != 3 or x.shape[2] != kernel.shape[0]:
        raise ValueError(f"x: expected shape (n, T, {kernel.shape[0]}) for this LSTM, got {x.shape}")
    n, T, _ = x.shape
    u = rec.shape[0]
    xw = x @ kernel + bias                      # (n, T, 4u): input part of every step at once
    h = np.zeros((n, u))
    c = np.zeros((n, u))
    with np.errstate(over="ignore"):            # exp(-z) = inf for z << 0 gives sigmoid 0: right
        for t in range(T):
            z = xw[:, t] + h @ rec
            s = np.exp(-z[:, :3 * u])           # sigmoid of i, f, o: 1 / (1 + exp(-z))
            s += 1.0
            np.reciprocal(s, out=s)
            g = np.tanh(z[:, 3 * u:])           # candidate cell
            c = s[:, u:2 * u] * c + s[:, :u] * g    # f * c + i * g
            h = s[:, 2 * u:] * np.tanh(c)           # o * tanh(c)
    if len(w) == 5:
        return h @ w[3] + w[4]
    return h


class NumpyLSTM:
    """Callable ``(n, T, d) -> (n, o)``: a trained Keras LSTM(+Dense) run in NumPy.

    Built once from the weights (checked once), then called every frame without
    Keras's per-call overhead.
    """

    def __init__(self, model_or_weights):
        self.weights = lstm_weights(model_or_weights)
        self._w = _gates_ifog(self.weights)

    def __call__(self, x):
        return _lstm_forward(self._w, np.asarray(x, dtype=np.float64))


class DisplacementPredictor:
    """``predict_displacement`` for :class:`LSTMMotion` from a sequence model.

    Turns the last k positions ``(n, k, dims)`` into the k-1 steps between them
    divided by ``scale`` (pixels per unit), runs ``forward`` (e.g. a
    :class:`NumpyLSTM`, ``(n, k-1, dims) -> (n, dims)``) and multiplies by ``scale``.
    Train the model on windows from :func:`motion_windows` with the same ``scale``.
    """

    def __init__(self, forward: Callable, scale: float = 10.0):
        if not callable(forward):
            raise ValueError(f"forward: expected a callable, got {type(forward).__name__}")
        if not np.isfinite(scale) or scale <= 0:
            raise ValueError(f"scale: expected a positive number of pixels, got {scale!r}")
        self.forward = forward
        self.scale = float(scale)

    def __call__(self, positions):
        steps = np.diff(positions, axis=1) / self.scale
        return np.asarray(self.forward(steps), dtype=np.float64) * self.scale


def motion_windows(trajectories, k: int = 8, dims: int = 2, scale: float = 10.0):
    """Training pairs for a displacement model from ground-truth trajectories.

    ``trajectories``: ``{id: (frames (T,), boxes (T, 4) [cx, cy, w, h])}`` as returned by
    ``course_utils.mot.trajectories_by_id`` (only runs of consecutive frames are used).
    Returns ``X (N, k-1, dims)``: the k-1 steps between k consecutive positions, and
    ``Y (N, dims)``: the next step, both divided by ``scale`` (pixels) - the inputs
    and targets of :class:`DisplacementPredictor`.
    """
    k = check_positive_int(k, "k", minimum=2)
    if dims not in (2, 4):
        raise ValueError(f"dims: expected 2 or 4, got {dims!r}")
    xs, ys = [], []
    for ident, (frames, boxes) in trajectories.items():
        frames = np.asarray(frames)
        boxes = as_float_array(boxes, f"trajectories[{ident}] boxes", shape=(None, 4), allow_empty=True)
        # split into runs of consecutive frames
        breaks = np.flatnonzero(np.diff(frames) != 1) + 1
        for run in np.split(np.arange(len(frames)), breaks):
            pos = boxes[run, :dims]
            if len(pos) < k + 1:
                continue
            steps = np.diff(pos, axis=0) / scale                    # (L-1, dims)
            win = np.lib.stride_tricks.sliding_window_view(steps, (k, dims))[:, 0]  # (L-k, k, dims)
            xs.append(win[:, :k - 1])
            ys.append(win[:, k - 1])
    if not xs:
        return np.empty((0, k - 1, dims)), np.empty((0, dims))
    return np.concatenate(xs), np.concatenate(ys)


# --------------------------------------------------------------------------- tracker
_ROW_TAIL = np.array([1.0, -1.0, -1.0, -1.0])


class Tracker:
    """Multi-object tracker with SORT's track management and a pluggable motion model.

    Every frame (:meth:`update`): predict every track's box with ``motion``;
    :func:`associate` detections to predictions (IoU >= ``iou_threshold``; with
    ``metric="centre"`` also centre distance <= ``max_distance`` pixels, and pass
    ``iou_threshold=0`` to gate on distance alone); correct matched
    tracks; start a new (tentative) track for every unmatched detection; delete tracks
    missed for more than ``max_age`` consecutive frames (they *coast* on the motion
    model's prediction until then and can be matched again).

    Output (SORT's rule): a track is reported in a frame if it was matched in that
    frame and either its current run of consecutive matches ("hit streak", counting
    the detection that started it as 0) is >= ``min_hits`` or the tracker is within
    its first ``min_hits`` frames.  With ``output_coasting=True`` confirmed tracks
    (``hits >= min_hits``) are also reported, at their predicted box, while coasting.

    Reported box (``output_box``): ``"estimate"`` (SORT) is the motion model's current
    estimate - for :class:`KalmanBox` the filtered box, which is smoother than the
    detection; for :class:`NoMotion` and :class:`LSTMMotion` the matched detection
    itself.  ``"detection"`` reports the matched detection for every motion model, so
    that motion models can be compared on association alone.

    Defaults are SORT's: ``KalmanBox()``, ``max_age=1``, ``min_hits=3``,
    ``iou_threshold=0.3``, ``gating="after"`` (see :func:`associate`); with them this
    tracker reproduces SORT's published output on TUD-Campus and TUD-Stadtmitte.
    """

    def __init__(self, motion: MotionModel | None = None, *, max_age: int = 1,
                 min_hits: int = 3, iou_threshold: float = 0.3, metric: str = "iou",
                 max_distance: float | None = None, gating: str = "after",
                 output_coasting: bool = False, output_box: str = "estimate"):
        self.motion = KalmanBox() if motion is None else motion
        for meth in ("init", "predict", "update", "boxes"):
            if not callable(getattr(self.motion, meth, None)):
                raise ValueError(f"motion: expected a motion model with init/predict/update/boxes, "
                                 f"got {type(self.motion).__name__} without {meth}()")
        self.max_age = check_positive_int(max_age, "max_age", minimum=0)
        self.min_hits = check_positive_int(min_hits, "min_hits", minimum=0)
        self.iou_threshold = _check_fraction(iou_threshold, "iou_threshold")
        if metric not in ("iou", "centre"):
            raise ValueError(f"metric: expected 'iou' or 'centre', got {metric!r}")
        if metric == "centre" and (max_distance is None or max_distance <= 0):
            raise ValueError(f"max_distance: metric='centre' needs a positive gate in pixels, "
                             f"got {max_distance!r}")
        self.metric = metric
        self.max_distance = max_distance
        self.gating = _check_gating(gating)
        self.output_coasting = bool(output_coasting)
        if output_box not in ("estimate", "detection"):
            raise ValueError(f"output_box: expected 'estimate' or 'detection', got {output_box!r}")
        self.output_box = output_box
        self.reset()

    def __repr__(self):
        return (f"Tracker(motion={self.motion!r}, max_age={self.max_age}, min_hits={self.min_hits}, "
                f"iou_threshold={self.iou_threshold}, metric={self.metric!r})")

    def reset(self) -> None:
        """Forget every track; the next frame is the first."""
        self.state = self.motion.init(np.empty((0, 4)))
        self.ids = np.empty(0, dtype=np.int64)
        self.hits = np.empty(0, dtype=np.int64)
        self.hit_streak = np.empty(0, dtype=np.int64)
        self.time_since_update = np.empty(0, dtype=np.int64)
        self.age = np.empty(0, dtype=np.int64)
        self.det_box = np.empty((0, 4))      # last matched detection of each track
        self.frame_count = 0
        self.last_frame: int | None = None
        self.next_id = 1

    @property
    def n_tracks(self) -> int:
        """Number of live tracks (tentative, confirmed and coasting)."""
        return len(self.ids)

    def update(self, dets, frame: int | None = None) -> np.ndarray:
        """Process one frame's detections ``(m, 4)`` or ``(m, 5)`` ``[x1, y1, x2, y2(, score)]``.

        ``frame``: the frame number (default: one after the last).  Frames must
        increase; a skipped frame number counts as frames without detections.
        Returns this call's MOTChallenge rows ``(r, 10)``
        ``[frame, id, left, top, width, height, 1, -1, -1, -1]``.
        """
        d = _check_boxes(dets, "dets")
        if len(d) and ((d[:, 2] <= d[:, 0]) | (d[:, 3] <= d[:, 1])).any():
            i = int(np.flatnonzero((d[:, 2] <= d[:, 0]) | (d[:, 3] <= d[:, 1]))[0])
            raise ValueError(f"dets: detection {i} has zero width or height: {d[i].tolist()}")
        if frame is None:
            frame = 1 if self.last_frame is None else self.last_frame + 1
        else:
            if isinstance(frame, bool) or not isinstance(frame, (int, np.integer)):
                raise ValueError(f"frame: expected an integer frame number, got {frame!r}")
            frame = int(frame)
            if self.last_frame is not None and frame <= self.last_frame:
                raise ValueError(f"frame: frames must come in increasing order, got frame {frame} "
                                 f"after frame {self.last_frame}")
        out = []
        if self.last_frame is not None:
            for skipped in range(self.last_frame + 1, frame):
                out.append(self._step(np.empty((0, 4)), skipped))
        out.append(self._step(d, frame))
        self.last_frame = frame
        return out[0] if len(out) == 1 else np.concatenate(out)

    def _step(self, dets: np.ndarray, frame: int) -> np.ndarray:
        self.frame_count += 1
        # 1. predict every track
        if len(self.ids):
            self.state, pred = self.motion.predict(self.state)
            self.age += 1
            self.hit_streak[self.time_since_update > 0] = 0
            self.time_since_update += 1
            bad = ~np.isfinite(pred).all(axis=1)
            if bad.any():       # SORT drops a track whose prediction is invalid
                keep = ~bad
                self._select(keep)
                pred = pred[keep]
        else:
            pred = np.empty((0, 4))
        # 2. associate
        if self.metric == "iou":
            iou = _iou(pred, dets)
            matches, _, um_dets = _solve(iou, iou >= self.iou_threshold, maximise=True,
                                         gating=self.gating)
        else:
            matches, _, um_dets = associate(pred, dets, metric="centre",
                                            iou_threshold=self.iou_threshold,
                                            max_distance=self.max_distance, gating=self.gating)
        # 3. correct matched tracks
        if len(matches):
            rows = matches[:, 0]
            self.state = self.motion.update(self.state, rows, dets[matches[:, 1]])
            self.time_since_update[rows] = 0
            self.hits[rows] += 1
            self.hit_streak[rows] += 1
            self.det_box[rows] = dets[matches[:, 1], :4]
        # 4. new tracks from unmatched detections
        if len(um_dets):
            m = len(um_dets)
            self.state = _concat(self.state, self.motion.init(dets[um_dets]))
            self.ids = np.concatenate([self.ids, np.arange(self.next_id, self.next_id + m)])
            self.next_id += m
            zeros = np.zeros(m, dtype=np.int64)
            self.hits = np.concatenate([self.hits, zeros])
            self.hit_streak = np.concatenate([self.hit_streak, zeros])
            self.time_since_update = np.concatenate([self.time_since_update, zeros])
            self.age = np.concatenate([self.age, zeros])
            self.det_box = np.concatenate([self.det_box, dets[um_dets, :4]])
        # 5. report
        show = (self.time_since_update < 1) & (
            (self.hit_streak >= self.min_hits) | (self.frame_count <= self.min_hits))
        if self.output_coasting:
            show |= (self.time_since_update >= 1) & (self.hits >= self.min_hits)
        rows_out = self._rows(show, frame)
        # 6. delete tracks missed too long
        dead = self.time_since_update > self.max_age
        if dead.any():
            self._select(~dead)
        return rows_out

    def _rows(self, show: np.ndarray, frame: int) -> np.ndarray:
        idx = np.flatnonzero(show)
        if len(idx) == 0:
            return np.empty((0, 10))
        b = self.motion.boxes(_take(self.state, idx))
        if self.output_box == "detection":
            seen = self.time_since_update[idx] == 0
            b = np.where(seen[:, None], self.det_box[idx], b)
        out = np.empty((len(idx), 10))
        out[:, 0] = frame
        out[:, 1] = self.ids[idx]
        out[:, 2:4] = b[:, 0:2]
        out[:, 4:6] = b[:, 2:4] - b[:, 0:2]
        out[:, 6:] = _ROW_TAIL
        return out

    def _select(self, keep: np.ndarray) -> None:
        self.state = _take(self.state, keep)
        self.ids = self.ids[keep]
        self.hits = self.hits[keep]
        self.hit_streak = self.hit_streak[keep]
        self.time_since_update = self.time_since_update[keep]
        self.age = self.age[keep]
        self.det_box = self.det_box[keep]


def run_tracker(dets_by_frame, tracker: Tracker) -> np.ndarray:
    """Run ``tracker`` over a sequence and return its MOTChallenge rows ``(n, 10)``.

    ``dets_by_frame``: ``{frame: (m, 4 or 5) boxes}`` (e.g. from
    ``course_utils.mot.detections_by_frame``), an iterable of ``(frame, boxes)`` pairs,
    or a list of per-frame arrays (frames 1, 2, ...).  Frames must increase (else
    ``ValueError``).  The tracker is reset first.  Rows:
    ``[frame, id, left, top, width, height, 1, -1, -1, -1]`` (pixels).
    """
    if not isinstance(tracker, Tracker):
        raise ValueError(f"tracker: expected a Tracker, got {type(tracker).__name__}")
    if isinstance(dets_by_frame, Mapping):
        items: Iterable = dets_by_frame.items()
    elif isinstance(dets_by_frame, (list, tuple)) and all(
            isinstance(x, np.ndarray) for x in dets_by_frame):
        items = enumerate(dets_by_frame, start=1)
    else:
        items = dets_by_frame
    tracker.reset()
    out = []
    for item in items:
        try:
            frame, dets = item
        except (TypeError, ValueError):
            raise ValueError("dets_by_frame: expected {frame: boxes}, (frame, boxes) pairs or a "
                             f"list of arrays, got an item {type(item).__name__}") from None
        r = tracker.update(dets, frame=frame)
        if len(r):
            out.append(r)
    return np.concatenate(out) if out else np.empty((0, 10))


# --------------------------------------------------------------------------- synthetic data
def synthetic_scene(n_objects: int = 20, n_frames: int = 200, *, image_size=(640, 480),
                    speed=(1.0, 4.0), width=(30.0, 60.0), aspect=(0.35, 0.5),
                    seed: int = 0) -> np.ndarray:
    """Ground truth of a synthetic video: boxes moving at constant velocity, bouncing
    off the image borders, all visible in every frame.

    ``speed`` (pixels/frame), ``width`` (pixels) and ``aspect`` (width / height) are
    drawn uniformly from their ranges per object.  Returns MOTChallenge rows
    ``(n_frames * n_objects, 10)`` ``[frame, id, left, top, width, height, 1, -1, -1, -1]``.
    """
    n_objects = check_positive_int(n_objects, "n_objects")
    n_frames = check_positive_int(n_frames, "n_frames")
    rng = np.random.default_rng(seed)
    W, H = float(image_size[0]), float(image_size[1])
    w = rng.uniform(*width, n_objects)
    h = np.minimum(w / rng.uniform(*aspect, n_objects), 0.9 * H)
    lo = np.stack([w / 2, h / 2], axis=1)
    hi = np.stack([W - w / 2, H - h / 2], axis=1)
    pos = rng.uniform(lo, hi)
    angle = rng.uniform(0, 2 * np.pi, n_objects)
    vel = rng.uniform(*speed, n_objects)[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    rows = np.empty((n_frames, n_objects, 10))
    for f in range(n_frames):
        rows[f, :, 0] = f + 1
        rows[f, :, 1] = np.arange(1, n_objects + 1)
        rows[f, :, 2] = pos[:, 0] - w / 2
        rows[f, :, 3] = pos[:, 1] - h / 2
        rows[f, :, 4] = w
        rows[f, :, 5] = h
        pos = pos + vel
        over, under = pos > hi, pos < lo          # bounce: reflect position and velocity
        pos = np.where(over, 2 * hi - pos, np.where(under, 2 * lo - pos, pos))
        vel = np.where(over | under, -vel, vel)
    rows[:, :, 6:] = _ROW_TAIL
    return rows.reshape(-1, 10)


def simulate_detections(gt_boxes_by_frame, *, miss_rate: float = 0.1, fp_rate: float = 0.5,
                        noise: float = 0.05, seed: int = 0, image_size=None) -> dict[int, np.ndarray]:
    """A simulated detector on known boxes, for controlled experiments (seeded).

    ``gt_boxes_by_frame``: ``{frame: (n, >=4) boxes [x1, y1, x2, y2, ...]}`` (e.g.
    ``detections_by_frame(gt_rows)``).  Each true box is missed with probability
    ``miss_rate``; kept boxes get Gaussian noise on every corner with standard
    deviation ``noise`` x the box's width (x) or height (y); each frame gets
    Poisson(``fp_rate``) false positives of a size drawn from the true boxes, placed
    uniformly in the image (``image_size = (width, height)`` pixels; default: the
    extent of all true boxes).  Scores: true ~ U(0.5, 1), false ~ U(0, 0.7).

    Returns ``{frame: (m, 5) [x1, y1, x2, y2, score]}`` for the same frames, rows shuffled.
    """
    miss_rate = _check_fraction(miss_rate, "miss_rate")
    if not np.isfinite(fp_rate) or fp_rate < 0:
        raise ValueError(f"fp_rate: expected a number >= 0 (false positives per frame), got {fp_rate!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise: expected a number >= 0 (fraction of box size), got {noise!r}")
    if not isinstance(gt_boxes_by_frame, Mapping):
        raise ValueError(f"gt_boxes_by_frame: expected {{frame: (n, 4) boxes}}, "
                         f"got {type(gt_boxes_by_frame).__name__}")
    gt = {f: _check_boxes(b, f"gt_boxes_by_frame[{f}]") for f, b in gt_boxes_by_frame.items()}
    allb = np.concatenate(list(gt.values())) if gt else np.empty((0, 4))
    if image_size is None:
        W = float(allb[:, 2].max()) if len(allb) else 1.0
        H = float(allb[:, 3].max()) if len(allb) else 1.0
    else:
        W, H = float(image_size[0]), float(image_size[1])
    sizes = allb[:, 2:4] - allb[:, 0:2] if len(allb) else np.array([[10.0, 10.0]])
    rng = np.random.default_rng(seed)
    out = {}
    for f, b in gt.items():
        keep = rng.random(len(b)) >= miss_rate
        t = b[keep].copy()
        wh = t[:, 2:4] - t[:, 0:2]
        t[:, 0:2] += rng.normal(0.0, 1.0, (len(t), 2)) * noise * wh
        t[:, 2:4] += rng.normal(0.0, 1.0, (len(t), 2)) * noise * wh
        t[:, 2:4] = np.maximum(t[:, 2:4], t[:, 0:2] + 1.0)        # keep >= 1 pixel
        n_fp = rng.poisson(fp_rate)
        s = sizes[rng.integers(0, len(sizes), n_fp)]
        x1 = rng.uniform(0, np.maximum(W - s[:, 0], 1.0))
        y1 = rng.uniform(0, np.maximum(H - s[:, 1], 1.0))
        fp = np.stack([x1, y1, x1 + s[:, 0], y1 + s[:, 1]], axis=1)
        scores = np.concatenate([rng.uniform(0.5, 1.0, len(t)), rng.uniform(0.0, 0.7, n_fp)])
        dets = np.concatenate([np.hstack([t, scores[:len(t), None]]),
                               np.hstack([fp, scores[len(t):, None]])])
        out[f] = dets[rng.permutation(len(dets))]
    return out
