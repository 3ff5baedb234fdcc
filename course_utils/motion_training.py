"""A learned motion model for the tracker: an LSTM that filters and predicts boxes (notebook 05).

SORT's Kalman filter does two jobs for every track: it *predicts* where the box will be in the
next frame (for association and while a person is hidden), and it *filters* the box it reports
(a weighted average of its prediction and the noisy detection).  :class:`LSTMBoxFilter` gives
both jobs to a small recurrent network trained on data:

- input: the last ``k`` boxes of a track (detections, or the tracker's own predictions for
  frames without one), as the ``k - 1`` steps between them in ``[cx, cy, w, h]``, divided by
  the newest box's height (so a person 300 px tall and one 100 px tall look alike), plus a
  flag per step: 1 if both ends were detections, 0 if either was padding or a prediction;
- output: the correction from the newest detection to the true box now, and the true box's
  step to the next frame (velocity), both in box heights (times :data:`TARGET_SCALE`).

Training pairs come from ground truth with realistic detector noise (:func:`filter_windows`):
real detections matched to a sequence's ground truth, and clean trajectories (UCY pedestrians,
synthetic ones, other ground truth) with residuals resampled from those real detections
(:func:`detection_residuals`, :func:`noisy_observations`).  :func:`train_box_filter` fits a
Keras ``LSTM(units) + Dense(8)`` and returns it as a NumPy :class:`~course_utils.tracking.NumpyLSTM`,
so that tracking needs no TensorFlow.

Boxes ``[cx, cy, w, h]`` are in pixels, one row per frame (25 frames/s on TUD).
"""
from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from .tracking import MotionModel, NumpyLSTM, boxes_to_cxcywh, cxcywh_to_boxes, iou_matrix
from .validation import as_float_array, check_positive_int

__all__ = [
    "TARGET_SCALE", "N_FEATURES", "LSTMBoxFilter", "lstm_step", "step_features",
    "matched_detections", "detection_residuals", "noisy_observations", "filter_sequences",
    "metres_to_boxes",
    "train_box_filter",
]

#: Targets (corrections and velocities in box heights) are multiplied by this for training.
TARGET_SCALE = 10.0


# --------------------------------------------------------------------------- the recurrent filter
N_FEATURES = 7


def lstm_step(weights, x, h, c):
    """One step of Keras's ``LSTM`` (+ ``Dense``) for a batch, in NumPy.

    ``weights``: ``[kernel (d, 4u), recurrent (u, 4u), bias (4u,), dense_kernel (u, o),
    dense_bias (o,)]`` (Keras's ``get_weights()``, gate order i, f, c, o); ``x (n, d)``
    inputs, ``h, c (n, u)`` the previous hidden and cell states.  Returns ``(y (n, o), h, c)``::

        z = x W + h U + b;  i, f, o = sigmoid(z_i, z_f, z_o);  g = tanh(z_c)
        c = f * c + i * g;  h = o * tanh(c);  y = h W_dense + b_dense
    """
    kernel, rec, bias, dk, db = weights
    u = rec.shape[0]
    z = x @ kernel + h @ rec + bias
    with np.errstate(over="ignore"):
        i = 1.0 / (1.0 + np.exp(-z[:, :u]))
        f = 1.0 / (1.0 + np.exp(-z[:, u:2 * u]))
        o = 1.0 / (1.0 + np.exp(-z[:, 3 * u:]))
    c = f * c + i * np.tanh(z[:, 2 * u:3 * u])
    h = o * np.tanh(c)
    return h @ dk + db, h, c


def step_features(z, z_last, observed, gap, first):
    """Network input for one frame of every track, ``(n, 7)``.

    ``z (n, 4)``: this frame's detection (ignored where not ``observed``), ``z_last (n, 4)``:
    the track's previous detection, ``[cx, cy, w, h]`` pixels; ``gap (n,)``: frames since that
    detection; ``first (n,)`` bool: the track starts here.  Features: the detection's move
    from ``z_last`` in units of ``z_last``'s height (0 when missed), the observed flag,
    ``gap / 10`` and the first-frame flag.
    """
    d = np.where(observed[:, None], (z - z_last) / z_last[:, 3:4], 0.0)
    return np.concatenate([d, observed[:, None].astype(np.float64), (gap / 10.0)[:, None],
                           first[:, None].astype(np.float64)], axis=1)


class LSTMBoxFilter(MotionModel):
    """Motion model: an LSTM that runs one step per frame per track - a learned Kalman filter.

    Like the Kalman filter, it keeps a state per track that summarises everything seen so
    far: here the LSTM's hidden and cell vectors ``h, c (n, units)``.  Each frame it reads what
    the detector saw (:func:`step_features`) and outputs, in units of the last detection's
    height (times :data:`TARGET_SCALE`):

    - the *correction* from the last detection to the true box now (the reported box), and
    - the *velocity*: the true box's step to the next frame (the predicted box is the
      reported box plus this step).

    While a track coasts (no detection) the network still runs, told "missed" and for how
    many frames: it moves the box on as it learned.  ``weights``: Keras ``LSTM(units) +
    Dense(8)`` weights (``model.get_weights()``, see :func:`train_box_filter`).

    Per frame the network runs once on the tracks matched in that frame (in :meth:`update`),
    once on the tracks that were not (in the next :meth:`predict`) and once on new tracks
    (in :meth:`init`).  State: ``h, c (n, units)``; ``z_last (n, 4)``, ``est (n, 4)``,
    ``vel (n, 4)`` ``[cx, cy, w, h]`` pixels; ``gap (n,)``; ``pending (n,)`` bool: no
    step run yet for the current frame.
    """

    name = "LSTM (learned filter)"

    def __init__(self, weights, *, min_size: float = 1.0):
        w = [np.asarray(a, dtype=np.float64) for a in
             (weights.get_weights() if hasattr(weights, "get_weights") else weights)]
        if len(w) != 5 or w[0].shape[0] != N_FEATURES or w[3].shape[1] != 8:
            raise ValueError(f"weights: expected LSTM(units) + Dense(8) weights for {N_FEATURES} "
                             f"input features (5 arrays), got shapes {[a.shape for a in w]}")
        self.weights = w
        self.units = w[1].shape[0]
        self.min_size = float(min_size)

    def __repr__(self):
        return f"LSTMBoxFilter(units={self.units})"

    def _step(self, st, rows, z, observed):
        """Run the network one frame for tracks ``rows`` (observed or missed) and store the result."""
        n = len(rows)
        first = st["gap"][rows] < 0
        gap = np.maximum(st["gap"][rows], 0) + 1.0
        z_last = np.where(first[:, None], z, st["z_last"][rows])
        x = step_features(z, z_last, observed, np.where(first, 0.0, gap), first)
        y, h, c = lstm_step(self.weights, x, st["h"][rows], st["c"][rows])
        z_new = np.where(observed[:, None], z, z_last)
        scale = z_new[:, 3:4] / TARGET_SCALE
        est = z_new + y[:, :4] * scale
        np.maximum(est[:, 2:4], self.min_size, out=est[:, 2:4])
        st["h"][rows], st["c"][rows] = h, c
        st["z_last"][rows] = z_new
        st["est"][rows] = est
        st["vel"][rows] = y[:, 4:] * scale
        st["gap"][rows] = np.where(observed, 0.0, gap)
        st["pending"][rows] = False
        return st

    def init(self, boxes):
        z = boxes_to_cxcywh(np.asarray(boxes, dtype=np.float64).reshape(-1, 4))
        n = len(z)
        st = {"h": np.zeros((n, self.units)), "c": np.zeros((n, self.units)), "z_last": z.copy(),
              "est": z.copy(), "vel": np.zeros_like(z), "gap": np.full(n, -1.0),
              "pending": np.zeros(n, dtype=bool)}
        if n:
            st = self._step(st, np.arange(n), z, np.ones(n, dtype=bool))
        return st

    def predict(self, state):
        miss = np.flatnonzero(state["pending"])     # tracks not matched in the last frame
        if len(miss):
            state = self._step(state, miss, state["z_last"][miss], np.zeros(len(miss), dtype=bool))
        state["pending"] = np.ones(len(state["gap"]), dtype=bool)
        pred = state["est"] + state["vel"]
        np.maximum(pred[:, 2:4], self.min_size, out=pred[:, 2:4])
        return state, cxcywh_to_boxes(pred)

    def update(self, state, rows, boxes):
        if len(rows) == 0:
            return state
        z = boxes_to_cxcywh(np.asarray(boxes, dtype=np.float64).reshape(-1, 4))
        return self._step(state, np.asarray(rows), z, np.ones(len(rows), dtype=bool))

    def boxes(self, state):
        return cxcywh_to_boxes(state["est"])


# --------------------------------------------------------------------------- training data
def matched_detections(gt_rows, det_rows, *, iou: float = 0.5) -> dict:
    """Pair each ground-truth box with the detection that covers it, frame by frame.

    ``gt_rows``, ``det_rows``: DataFrames with ``frame, id, left, top, width, height``
    (``course_utils.mot.read_mot``).  Per frame, ground truth and detections are paired one
    to one (Hungarian, IoU >= ``iou``).  Returns ``{id: (frames (T,), gt (T, 4), det (T, 4))}``
    with ``[cx, cy, w, h]`` pixels; ``det`` rows are NaN where the person was not detected.
    """
    from .mot import detections_by_frame, mot_frame
    g = mot_frame(gt_rows)
    last = int(g["frame"].max())
    gb = detections_by_frame(g, n_frames=last)
    db = detections_by_frame(det_rows, n_frames=last)
    ids = {f: grp["id"].to_numpy() for f, grp in g.groupby("frame")}
    out: dict = {}
    for f in range(1, last + 1):
        gbox = gb[f][:, :4]
        if len(gbox) == 0:
            continue
        det = np.full((len(gbox), 4), np.nan)
        dbox = db[f][:, :4]
        if len(dbox):
            m = iou_matrix(gbox, dbox)
            r, c = linear_sum_assignment(-m)
            ok = m[r, c] >= iou
            det[r[ok]] = boxes_to_cxcywh(dbox[c[ok]])
        for j, ident in enumerate(ids[f]):
            out.setdefault(int(ident), []).append((f, boxes_to_cxcywh(gbox[j:j + 1])[0], det[j]))
    return {i: (np.array([r[0] for r in v]), np.array([r[1] for r in v]), np.array([r[2] for r in v]))
            for i, v in out.items()}


def detection_residuals(matched: dict) -> np.ndarray:
    """Detector errors ``(N, 4)``: ``(detection - truth) / true height`` for every matched pair."""
    res = [(d - g) / g[:, 3:4] for _, g, d in matched.values()]
    res = np.concatenate(res) if res else np.empty((0, 4))
    return res[np.isfinite(res).all(axis=1)]


def noisy_observations(truth: np.ndarray, residuals: np.ndarray, rng: np.random.Generator, *,
                       miss_start: float = 0.08, miss_stop: float = 0.3, occlusion: float = 0.01,
                       occlusion_frames=(5, 30)) -> np.ndarray:
    """A simulated detector on one clean trajectory ``truth (T, 4)`` ``[cx, cy, w, h]``.

    Each frame's box gets a residual drawn from ``residuals`` (times the true height); misses
    come in runs (a detection is lost with probability ``miss_start`` and found again with
    probability ``miss_stop`` per frame), and with probability ``occlusion`` per frame a long
    occlusion of ``occlusion_frames`` frames (uniform) begins.  Returns ``(T, 4)`` with NaN
    rows for misses.
    """
    T = len(truth)
    z = truth + residuals[rng.integers(0, len(residuals), T)] * truth[:, 3:4]
    missing = np.zeros(T, dtype=bool)
    state = False
    u = rng.random(T)
    for t in range(T):
        state = (u[t] < miss_start) if not state else (u[t] >= miss_stop)
        missing[t] = state
    for t in np.flatnonzero(rng.random(T) < occlusion):
        missing[t:t + int(rng.integers(occlusion_frames[0], occlusion_frames[1] + 1))] = True
    z[missing] = np.nan
    return z


def metres_to_boxes(xy: np.ndarray, dt: float, rng: np.random.Generator, *, fps: float = 25.0,
                    height_px=(100.0, 300.0), person_m: float = 1.75, aspect: float = 0.4) -> np.ndarray:
    """A pedestrian walking along ``xy (T, 2)`` metres (one row every ``dt`` s) as pixel boxes.

    Resampled to ``fps`` by linear interpolation; one metre is ``h / person_m`` pixels for a
    box height ``h`` drawn from ``height_px``; width ``aspect * h``.  Returns ``(T', 4)``
    ``[cx, cy, w, h]``.  This is the normalisation that lets metres (UCY) teach a tracker in
    pixels: everything is measured in body heights.
    """
    t = np.arange(len(xy)) * dt
    tt = np.arange(0.0, t[-1] + 1e-9, 1.0 / fps)
    h = rng.uniform(*height_px)
    x = np.interp(tt, t, xy[:, 0]) * h / person_m
    y = np.interp(tt, t, xy[:, 1]) * h / person_m
    return np.stack([x, y, np.full_like(x, aspect * h), np.full_like(x, h)], axis=1)


def filter_sequences(truth: np.ndarray, obs: np.ndarray, length: int, rng: np.random.Generator,
                     *, n_crops: int | None = None):
    """Training sequences for :class:`LSTMBoxFilter` from one trajectory.

    ``truth (T, 4)`` clean boxes and ``obs (T, 4)`` detections (NaN rows: missed),
    ``[cx, cy, w, h]`` pixels.  Crops of ``length`` frames start at a detected frame (the
    track's first frame, as in the tracker); a crop that runs past the trajectory's end is
    padded and its padded frames get weight 0.  Inputs are made exactly as the tracker makes
    them (:func:`step_features`); targets are ``[(truth_t - z_last) / h, (truth_{t+1} -
    truth_t) / h] * TARGET_SCALE`` with ``z_last`` the latest detection and ``h`` its height.
    Returns ``X (N, length, 7)``, ``Y (N, length, 8)``, ``W (N, length)``.
    """
    T = len(truth)
    seen = np.isfinite(obs).all(axis=1)
    starts = np.flatnonzero(seen[:T - 2])
    if len(starts) == 0:
        return (np.empty((0, length, N_FEATURES)), np.empty((0, length, 8)), np.empty((0, length)))
    if n_crops is None:
        n_crops = max(1, (T - 1) // (length // 2))
    starts = rng.choice(starts, size=min(n_crops, len(starts)), replace=False)
    X = np.zeros((len(starts), length, N_FEATURES))
    Y = np.zeros((len(starts), length, 8))
    W = np.zeros((len(starts), length))
    for j, s in enumerate(starts):
        z_last = obs[s].copy()
        gap = 0
        for i, t in enumerate(range(s, min(s + length, T - 1))):
            observed = bool(seen[t])
            gap = 0 if i == 0 else gap + 1
            z = obs[t] if observed else z_last
            X[j, i] = step_features(z[None], z_last[None], np.array([observed]), np.array([float(gap)]),
                                    np.array([i == 0]))[0]
            if observed:
                z_last, gap = obs[t].copy(), 0
            h = z_last[3]
            Y[j, i] = np.concatenate([(truth[t] - z_last) / h, (truth[t + 1] - truth[t]) / h])
            W[j, i] = 1.0
    return X, Y * TARGET_SCALE, W


# --------------------------------------------------------------------------- training
def train_box_filter(X, Y, W, *, units: int = 16, epochs: int = 6, batch_size: int = 32,
                     learning_rate: float = 3e-3, seed: int = 0, verbose: int = 0):
    """Fit ``LSTM(units, return_sequences=True) + Dense(8)`` on sequences with Keras (MSE, Adam).

    ``X (N, L, 7)``, ``Y (N, L, 8)``, ``W (N, L)`` from :func:`filter_sequences`.
    Deterministic for a given ``seed`` (``keras.utils.set_random_seed`` and TensorFlow's op
    determinism).  Returns ``(weights, history dict)``: the trained weights (NumPy arrays) for
    :class:`LSTMBoxFilter`, and Keras's loss per epoch.
    """
    X = as_float_array(X, "X", ndim=3)
    Y = as_float_array(Y, "Y", shape=(len(X), X.shape[1], 8))
    W = as_float_array(W, "W", shape=(len(X), X.shape[1]))
    from .notebook import quiet_tensorflow
    quiet_tensorflow()
    import keras
    import tensorflow as tf
    keras.utils.set_random_seed(int(seed))
    tf.config.experimental.enable_op_determinism()
    model = keras.Sequential([keras.Input((X.shape[1], X.shape[2])), keras.layers.LSTM(units, return_sequences=True),
                              keras.layers.Dense(8)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss="mse", weighted_metrics=[])
    data = tf.data.Dataset.from_tensor_slices((X.astype("float32"), Y.astype("float32"),
                                               W.astype("float32")))
    data = data.shuffle(len(X), seed=int(seed), reshuffle_each_iteration=True).batch(batch_size)
    hist = model.fit(data, epochs=epochs, verbose=verbose)
    return [np.asarray(w, dtype=np.float64) for w in model.get_weights()], {k: [float(v) for v in vals] for k, vals in hist.history.items()}
