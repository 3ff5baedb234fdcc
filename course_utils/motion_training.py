"""A learned motion model for the tracker: an LSTM that filters and predicts boxes (notebook 05).

SORT's Kalman filter does two jobs for every track: it *predicts* where the box will be in the
next frame (for association, and while the person is hidden), and it *filters* the box it
reports (a weighted average of its prediction and the noisy detection).  It is recursive: one
small update per frame, with a state (mean and covariance) that summarises the whole past.

:class:`LSTMBoxFilter` gives both jobs to a small LSTM that runs the same way, one step per frame
per track, its hidden and cell vectors being the track's state:

- input each frame (:func:`step_features`): how far the new detection lies from the track's
  previous detection, in units of that detection's height (so a person 300 px tall and one
  100 px tall look alike), whether there was a detection at all, for how many frames there
  was none, and whether the track starts here;
- output: the correction from the last detection to the true box now (the box the tracker
  reports) and the true box's step to the next frame (the velocity that predicts it), both in
  box heights times :data:`TARGET_SCALE`.

Training sequences come from ground truth with realistic detections (:func:`filter_sequences`):
real detections matched to the ground truth of the *other* TUD sequence, clean trajectories
(that sequence's ground truth, UCY pedestrians, synthetic walkers) seen through a simulated
detector whose errors are resampled from those real detections (:func:`tud_training_set`), or
the synthetic occlusion videos of other seeds (:func:`synthetic_training_set`).
:func:`train_box_filter` fits a Keras ``LSTM(units, return_sequences=True) + Dense(8)``;
tracking then runs the trained weights in NumPy (:func:`lstm_step`), without TensorFlow.
``tools/train_motion_lstm.py`` trains the course's models and stores them in ``data/models/``.

Boxes ``[cx, cy, w, h]`` are in pixels, one row per frame (25 frames/s).
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from scipy.optimize import linear_sum_assignment

from .tracking import MotionModel, boxes_to_cxcywh, cxcywh_to_boxes, iou_matrix
from .validation import as_float_array, check_positive_int

__all__ = [
    "TARGET_SCALE", "N_FEATURES", "MODEL_DIR", "LSTMBoxFilter", "lstm_step", "step_features",
    "matched_detections", "detection_residuals", "noisy_observations", "metres_to_boxes",
    "filter_sequences", "street_paths", "street_video", "detect_visible", "tud_training_set",
    "synthetic_training_set", "train_box_filter", "keras_box_filter", "save_model", "load_model",
    "mot_events", "identity_timeline", "plot_identity_timeline", "occlusion_survival",
    "prediction_through_gaps",
]

#: Targets (corrections and velocities in box heights) are multiplied by this for training.
TARGET_SCALE = 10.0
#: Input features per frame (see :func:`step_features`).
N_FEATURES = 7
#: Where the course's trained motion models are stored.
MODEL_DIR = Path(__file__).resolve().parents[1] / "data" / "models"


# --------------------------------------------------------------------------- the recurrent filter
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


# --------------------------------------------------------------------------- synthetic street
def street_paths(n_objects: int, n_frames: int, width: int, height: int, *, seed: int = 0,
                 speed=(0.6, 1.8)) -> np.ndarray:
    """Walkers crossing a street scene from side to side: ``(n_objects, n_frames, 2)`` pixels.

    Each walker enters at the left or right border at a random time (some are already
    walking at frame 0), crosses at a constant speed drawn from ``speed`` (pixels/frame) with
    a slight slope and a gentle sway, and leaves; NaN where it is outside the frame.  Walkers
    lower in the frame are nearer (drawn larger and in front by ``synthetic_video``), so
    walkers crossing each other's path occlude each other.
    """
    n_objects = check_positive_int(n_objects, "n_objects")
    n_frames = check_positive_int(n_frames, "n_frames")
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames, dtype=np.float64)
    paths = np.full((n_objects, n_frames, 2), np.nan)
    for i in range(n_objects):
        d = rng.choice([-1.0, 1.0])
        s = rng.uniform(*speed)
        cross = (width + 20) / s                       # frames to cross the scene
        t0 = rng.uniform(-0.6 * cross, n_frames - 0.4 * cross)
        x = (-10.0 if d > 0 else width + 10.0) + d * s * (t - t0)
        y = (rng.uniform(0.35, 0.8) * height + rng.uniform(-0.1, 0.1) * (t - t0) * s * height / width
             + 1.5 * np.sin(2 * np.pi * (t - t0) / rng.uniform(20, 40)))
        inside = (x >= 0) & (x <= width - 1) & (t >= t0)
        paths[i, inside] = np.stack([x[inside], y[inside]], axis=1)
    return paths


def street_video(seed: int, *, n_objects: int = 8, n_frames: int = 150, width: int = 192,
                 height: int = 96, n_occluders: int = 3):
    """A synthetic street with heavy occlusion: :func:`street_paths` walkers rendered by
    ``course_utils.synthvideo.synthetic_video`` with ``n_occluders`` pillars on their paths,
    masks included (for :func:`detect_visible`).  Frames are numbered from 0 there."""
    from .synthvideo import synthetic_video
    paths = street_paths(n_objects, n_frames, width, height, seed=seed)
    return synthetic_video(trajectories=paths, width=width, height=height,
                           n_occluders=n_occluders, seed=seed, return_masks=True)


def detect_visible(video, *, seed: int = 0, min_visibility: float = 0.5, noise: float = 0.05,
                   miss_rate: float = 0.05, fp_rate: float = 0.1, box: str = "visible"):
    """A simulated detector on a synthetic video that sees only what is visible.

    An object is detected when at least ``min_visibility`` of it is visible (and then missed
    with probability ``miss_rate``); the box is the tight box of its *visible* pixels with
    Gaussian noise of ``noise`` x its width/height on every corner (a pillar that hides half
    an object halves its box, as with a real detector).  Each frame also gets
    Poisson(``fp_rate``) false boxes.

    Returns ``(dets, obs)``: ``dets = {frame: (m, 5) [x1, y1, x2, y2, score]}`` for MOT frames
    ``1..T`` (video frame + 1) and ``obs (n_objects, T, 4)`` ``[cx, cy, w, h]``: the detection
    of each object in each frame (NaN when missed) - the detector's output with identities,
    for training.
    """
    vm = video.visible_masks
    if vm is None:
        raise ValueError("video: expected a video rendered with return_masks=True (street_video)")
    rng = np.random.default_rng(seed)
    T, n = vm.shape[:2]
    rows_any, cols_any = vm.any(axis=3), vm.any(axis=2)            # (T, n, H), (T, n, W)
    obs = np.full((n, T, 4), np.nan)
    gt = video.gt
    keep = (gt["visibility"].to_numpy() >= min_visibility) & (rng.random(len(gt)) >= miss_rate)
    full = gt[["left", "top", "width", "height"]].to_numpy(np.float64)[keep]
    for j, (t, i) in enumerate(zip(gt["frame"].to_numpy()[keep], gt["id"].to_numpy()[keep] - 1)):
        if box == "visible":
            ys, xs = np.flatnonzero(rows_any[t, i]), np.flatnonzero(cols_any[t, i])
            b = np.array([xs[0], ys[0], xs[-1] + 1.0, ys[-1] + 1.0])
        else:
            b = np.r_[full[j, :2], full[j, :2] + full[j, 2:]]
        wh = b[2:] - b[:2]
        b = b + rng.normal(0.0, noise, 4) * np.r_[wh, wh]
        b[2:] = np.maximum(b[2:], b[:2] + 1.0)
        obs[i, t] = boxes_to_cxcywh(b[None])[0]
    H, W = vm.shape[2:]
    sizes = gt[["width", "height"]].to_numpy(np.float64)
    dets = {}
    for t in range(T):
        real = np.flatnonzero(np.isfinite(obs[:, t, 0]))
        boxes = [cxcywh_to_boxes(obs[real, t])]
        n_fp = rng.poisson(fp_rate)
        if n_fp:
            s = sizes[rng.integers(0, len(sizes), n_fp)]
            x1, y1 = rng.uniform(0, W - s[:, 0]), rng.uniform(0, H - s[:, 1])
            boxes.append(np.stack([x1, y1, x1 + s[:, 0], y1 + s[:, 1]], axis=1))
        b = np.concatenate(boxes)
        dets[t + 1] = np.hstack([b, np.ones((len(b), 1))])
    return dets, obs


# --------------------------------------------------------------------------- training sets
def _crop_all(pairs, length, rng, n_crops=None):
    X, Y, W = zip(*[filter_sequences(truth, obs, length, rng, n_crops=n_crops) for truth, obs in pairs])
    return np.concatenate(X), np.concatenate(Y), np.concatenate(W)


def tud_training_set(test_sequence: str, *, detections: str = "det_frcnn", length: int = 64,
                     n_ucy: int = 800, n_synthetic: int = 800, n_max: int = 4000, seed: int = 0):
    """Training sequences for scoring on ``test_sequence``, made *without* it (leave one out).

    From the other TUD sequence: its ground truth with its real detections (``detections``),
    and - seen through a simulated detector whose errors are resampled from those real
    detections (:func:`noisy_observations`) - its ground truth mirrored left-right and at
    twice the speed; ``n_ucy`` UCY pedestrians and ``n_synthetic`` synthetic walkers
    (``course_utils.data``), turned from metres at 2.5 Hz into boxes at 25 frames/s by
    :func:`metres_to_boxes`.  The detector's average error (its bias on that sequence) is
    removed first, so the network learns to smooth and predict rather than to undo one
    detector's habits on one sequence.  Everything is in box heights, so pixels and metres
    mix.  Returns ``X, Y, W`` (at most ``n_max`` crops of ``length`` frames; see
    :func:`filter_sequences`).
    """
    from . import data
    from .mot import read_mot
    others = [s for s in data.TUD_SEQUENCES if s != test_sequence]
    if len(others) != 1:
        raise ValueError(f"test_sequence: expected one of {data.TUD_SEQUENCES}, got {test_sequence!r}")
    folder = data.data_dir() / "mot15" / others[0]
    rng = np.random.default_rng(seed)
    matched = matched_detections(read_mot(folder / "gt" / "gt.txt"),
                                 read_mot(folder / "det" / f"{detections}.txt"))
    res = detection_residuals(matched)
    bias = res.mean(axis=0)
    res = res - bias
    pairs = []
    for _, (_, g, d) in sorted(matched.items()):
        pairs.append((g, d - bias * g[:, 3:4]))
        for flip in (1.0, -1.0):
            gg = g.copy()
            gg[:, 0] *= flip
            pairs.append((gg, noisy_observations(gg, res, rng)))
            pairs.append((gg[::2], noisy_observations(gg[::2], res, rng)))
    X, Y, W = _crop_all(pairs, length, rng)
    walkers = []
    ucy = data.load_ucy(list(data.UCY_SCENES))
    walkers += [ucy[i] for i in rng.permutation(len(ucy))[:n_ucy]]
    walkers += data.generate_synthetic(n_synthetic, length=12, seed=seed)
    pairs = []
    for t in walkers:
        if len(t) >= 3:
            b = metres_to_boxes(t.xy, t.dt, rng)
            pairs.append((b, noisy_observations(b, res, rng)))
    X2, Y2, W2 = _crop_all(pairs, length, rng, n_crops=2)
    X, Y, W = np.concatenate([X, X2]), np.concatenate([Y, Y2]), np.concatenate([W, W2])
    keep = rng.permutation(len(X))[:n_max]
    return X[keep], Y[keep], W[keep]


def synthetic_training_set(seeds: Sequence[int], *, length: int = 64, detector: dict | None = None,
                           **video_kwargs):
    """Training sequences from synthetic street videos (:func:`street_video` with these
    ``seeds``, which must not be the seeds scored): each walker's true box with its
    :func:`detect_visible` detections (detector seed = video seed, other settings ``detector``).
    Returns ``X, Y, W``."""
    rng = np.random.default_rng(int(seeds[0]) if len(seeds) else 0)
    pairs = []
    for s in seeds:
        video = street_video(int(s), **video_kwargs)
        _, obs = detect_visible(video, seed=int(s), **(detector or {}))
        for i in range(obs.shape[0]):
            g = video.gt[video.gt["id"] == i + 1]
            if len(g) < 3:
                continue
            frames = g["frame"].to_numpy()
            l, t, w, h = (g[c].to_numpy(np.float64) for c in ("left", "top", "width", "height"))
            truth = np.stack([l + w / 2, t + h / 2, w, h], axis=1)
            pairs.append((truth, obs[i, frames]))
    return _crop_all(pairs, length, rng)


# --------------------------------------------------------------------------- training
def train_box_filter(X, Y, W, *, units: int = 32, epochs: int = 40, batch_size: int = 64,
                     learning_rate: float = 5e-3, seed: int = 0, verbose: int = 0):
    """Fit ``LSTM(units, return_sequences=True) + Dense(8)`` on sequences with Keras.

    ``X (N, L, 7)``, ``Y (N, L, 8)``, ``W (N, L)`` from :func:`filter_sequences` (frames with
    weight 0 are padding).  Loss: mean squared error; Adam with gradient clipping and a
    cosine-decaying learning rate.  Deterministic for a given ``seed``
    (``backend.seed``: Keras's seed and the backend's deterministic ops).  Returns
    ``(weights, loss per epoch)``: the trained weights as float64 NumPy arrays, for
    :class:`LSTMBoxFilter`.
    """
    X = as_float_array(X, "X", ndim=3)
    if X.shape[2] != N_FEATURES:
        raise ValueError(f"X: expected {N_FEATURES} features per frame, got shape {X.shape}")
    Y = as_float_array(Y, "Y", shape=(len(X), X.shape[1], 8))
    W = as_float_array(W, "W", shape=(len(X), X.shape[1]))
    from . import backend
    backend.seed(int(seed))
    import keras
    model = keras_box_filter(units, X.shape[1])
    steps = epochs * int(np.ceil(len(X) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps, alpha=0.05)
    model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=1.0), loss="mse",
                  weighted_metrics=[])
    data = backend.batches((X.astype("float32"), Y.astype("float32"), W.astype("float32")),
                           batch_size, shuffle_seed=int(seed))
    hist = model.fit(data, epochs=epochs, shuffle=False, verbose=verbose)
    return ([np.asarray(w, dtype=np.float64) for w in model.get_weights()],
            [float(v) for v in hist.history["loss"]])


def keras_box_filter(units: int = 32, length: int | None = None):
    """The Keras model :class:`LSTMBoxFilter` runs: ``LSTM(units, return_sequences=True)`` on
    ``(batch, frames, 7)`` then ``Dense(8)`` on every frame."""
    import keras
    return keras.Sequential([keras.Input((length, N_FEATURES)),
                             keras.layers.LSTM(units, return_sequences=True),
                             keras.layers.Dense(8)])


def save_model(path, weights, meta: dict | None = None) -> Path:
    """Store weights (and a JSON-able ``meta`` dict: how they were trained) as ``.npz``."""
    path = Path(os.fspath(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f"w{i}": np.asarray(w, dtype=np.float64) for i, w in enumerate(weights)}
    np.savez_compressed(path, meta=np.array(json.dumps(meta or {}, sort_keys=True)), **arrays)
    return path


def load_model(path_or_name) -> tuple[list[np.ndarray], dict]:
    """``(weights, meta)`` from a file written by :func:`save_model`; a bare name such as
    ``"motion_lstm_TUD-Campus"`` is looked up in :data:`MODEL_DIR`."""
    path = Path(os.fspath(path_or_name))
    if not path.suffix:
        path = MODEL_DIR / f"{path.name}.npz"
    if not path.is_file():
        raise FileNotFoundError(f"motion model not found: {str(path)!r} (train it with "
                                f"tools/train_motion_lstm.py)")
    with np.load(path) as f:
        n = len([k for k in f.files if k.startswith("w")])
        weights = [f[f"w{i}"] for i in range(n)]
        meta = json.loads(str(f["meta"]))
    return weights, meta


# --------------------------------------------------------------------------- evaluation
def mot_events(gt_rows, hyp_rows, *, iou: float = 0.5):
    """What ``motmetrics`` decided, frame by frame: a DataFrame with columns
    ``frame, type, gt_id, track_id`` (``type``: MATCH, SWITCH, MISS or FP; ids are -1 where
    there is none).  The same matching as ``course_utils.mot_metrics.evaluate_mot`` (IoU >=
    ``iou``, CLEAR-MOT rules), so its SWITCH rows are the ID switches that MOTA counts."""
    import pandas as pd
    from .mot_metrics import _motmetrics, _to_mm_frame
    mm = _motmetrics()
    gt = _to_mm_frame(gt_rows, "gt_rows")
    gt = gt[gt["Confidence"] >= 1]
    acc = mm.utils.compare_to_groundtruth(gt, _to_mm_frame(hyp_rows, "hyp_rows"), "iou",
                                          distth=1.0 - float(iou))
    ev = acc.mot_events.reset_index()
    ev = ev[ev["Type"].isin(["MATCH", "SWITCH", "MISS", "FP"])]
    return pd.DataFrame({"frame": ev["FrameId"].to_numpy(np.int64), "type": ev["Type"].to_numpy(),
                         "gt_id": ev["OId"].fillna(-1).to_numpy(np.int64),
                         "track_id": ev["HId"].fillna(-1).to_numpy(np.int64)}).reset_index(drop=True)


def identity_timeline(events):
    """``{gt_id: (frames (T,), track_ids (T,))}`` from :func:`mot_events`: which track covered
    each ground-truth person in each frame of its life (0: nobody, a miss)."""
    ev = events[events["gt_id"] >= 0].sort_values(["gt_id", "frame"])
    return {int(g): (grp["frame"].to_numpy(), np.where(grp["type"] == "MISS", 0, grp["track_id"]).astype(np.int64))
            for g, grp in ev.groupby("gt_id")}


def plot_identity_timeline(events, ax=None, *, title: str = "Identity timeline"):
    """One row per ground-truth person, one coloured bar per track that followed them
    (the track's id written on it), grey gaps where nobody did, a red cross at each ID switch.
    Returns the matplotlib Axes."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_rgb
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 3.5))
    timeline = identity_timeline(events)
    cmap = plt.get_cmap("tab20")
    for row, (gid, (frames, tracks)) in enumerate(sorted(timeline.items())):
        ax.broken_barh([(frames[0] - 0.5, frames[-1] - frames[0] + 1)], (row - 0.4, 0.8),
                       color="0.9")
        start = 0
        for j in range(1, len(frames) + 1):
            if j == len(frames) or tracks[j] != tracks[start] or frames[j] != frames[j - 1] + 1:
                if tracks[start] > 0:
                    colour = cmap(int(tracks[start]) % 20)
                    ax.broken_barh([(frames[start] - 0.5, frames[j - 1] - frames[start] + 1)],
                                   (row - 0.4, 0.8), color=colour)
                    if frames[j - 1] - frames[start] >= 3:
                        dark = sum(to_rgb(colour)) < 1.6
                        ax.text((frames[start] + frames[j - 1]) / 2, row, str(tracks[start]),
                                ha="center", va="center", fontsize=7,
                                color="white" if dark else "black")
                start = j
    sw = events[events["type"] == "SWITCH"]
    rows = {gid: r for r, gid in enumerate(sorted(timeline))}
    ax.plot(sw["frame"], [rows[g] for g in sw["gt_id"]], "x", color="red", ms=8, mew=2,
            label=f"ID switch ({len(sw)})")
    ax.set_yticks(range(len(rows)), [f"person {g}" for g in sorted(timeline)])
    ax.set(xlabel="frame", title=title)
    ax.grid(False)
    ax.legend(loc="upper right", fontsize=8, frameon=True)
    return ax


def occlusion_survival(events, visibility, *, threshold: float = 0.5, min_frames: int = 3,
                       before: int = 3, after: int = 10):
    """Which occlusions a tracker came through with the same identity.

    ``events``: :func:`mot_events` of the tracker; ``visibility``: DataFrame ``frame, id,
    visibility`` (MOT frame numbers).  An occlusion is a run of at least ``min_frames``
    frames in which a person's visibility is below ``threshold``.  It is *survived* if the
    last track covering the person in the ``before`` frames before it is the first track
    covering them in the ``after`` frames after it; occlusions the tracker did not cover
    on both sides are left out.  Returns a DataFrame ``gt_id, start, frames, survived``.
    """
    import pandas as pd
    timeline = identity_timeline(events)
    out = []
    for gid, g in visibility.groupby("id"):
        if int(gid) not in timeline:
            continue
        frames, tracks = timeline[int(gid)]
        cover = dict(zip(frames.tolist(), tracks.tolist()))
        g = g.sort_values("frame")
        hidden = g["visibility"].to_numpy() < threshold
        fr = g["frame"].to_numpy()
        j = 0
        while j < len(fr):
            if not hidden[j]:
                j += 1
                continue
            k = j
            while k + 1 < len(fr) and hidden[k + 1] and fr[k + 1] == fr[k] + 1:
                k += 1
            length = int(fr[k] - fr[j] + 1)
            pre = [cover.get(f, 0) for f in range(fr[j] - before, fr[j])]
            post = [cover.get(f, 0) for f in range(fr[k] + 1, fr[k] + 1 + after)]
            pre, post = [t for t in pre if t > 0], [t for t in post if t > 0]
            if length >= min_frames and pre and post:
                out.append({"gt_id": int(gid), "start": int(fr[j]), "frames": length,
                            "survived": bool(pre[-1] == post[0])})
            j = k + 1
    return pd.DataFrame(out, columns=["gt_id", "start", "frames", "survived"])


def prediction_through_gaps(make_model: Callable, pairs, *, max_gap: int = 20, warmup: int = 10,
                            every: int = 3):
    """How well a motion model predicts a box after ``g`` frames without detections.

    ``pairs``: ``(truth (T, 4), obs (T, 4))`` per person, consecutive frames, ``[cx, cy, w, h]``
    pixels, ``obs`` NaN where not detected (e.g. from :func:`matched_detections`).  For every
    ``every``-th frame ``s`` of a person whose frame ``s - warmup`` was detected, a track is
    started at ``s - warmup``, fed the detections up to ``s``, and then predicted forward with
    no detections; the prediction for frame ``s + g`` is compared with the true box.  All
    these tracks run side by side (``make_model()`` is called once).  Returns a DataFrame
    indexed by ``gap`` (1..max_gap) with the mean IoU and the share of predictions with IoU
    >= 0.3 (SORT's gate: the detection could still be matched).
    """
    import pandas as pd
    rows = []
    for truth, obs in pairs:
        seen = np.isfinite(obs).all(axis=1)
        for s in range(warmup, len(truth) - 1, every):
            if seen[s - warmup]:
                rows.append((truth, obs, seen, s))
    n = len(rows)
    if n == 0:
        raise ValueError("pairs: no frame with a detection `warmup` frames earlier")
    model = make_model()
    state = model.init(cxcywh_to_boxes(np.array([o[s - warmup] for _, o, _, s in rows])))
    for r in range(1, warmup + 1):
        state, _ = model.predict(state)
        upd = np.array([i for i, (_, _, sn, s) in enumerate(rows) if sn[s - warmup + r]], dtype=np.intp)
        if len(upd):
            z = np.array([rows[i][1][rows[i][3] - warmup + r] for i in upd])
            state = model.update(state, upd, cxcywh_to_boxes(z))
    out = []
    for g in range(1, max_gap + 1):
        state, pred = model.predict(state)
        ok = np.array([s + g < len(t) for t, _, _, s in rows])
        truth = np.array([t[min(s + g, len(t) - 1)] for t, _, _, s in rows])
        iou = np.diag(iou_matrix(pred[ok], cxcywh_to_boxes(truth[ok]))) if ok.any() else np.zeros(0)
        out.append({"gap": g, "mean IoU": float(iou.mean()) if len(iou) else np.nan,
                    "IoU >= 0.3": float((iou >= 0.3).mean()) if len(iou) else np.nan,
                    "n": int(ok.sum())})
    return pd.DataFrame(out).set_index("gap")
