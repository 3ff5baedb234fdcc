#!/usr/bin/env python3
"""Benchmark: tracking speed at 20 objects, detection excluded (course_utils.tracking).

    .venv/bin/python bench/tracking_speed.py            # about 10 s on a 2-core CPU
    .venv/bin/python bench/tracking_speed.py --quick    # fewer frames and repeats
    .venv/bin/python bench/tracking_speed.py --keras    # also: the same LSTM called through Keras

A synthetic video of 20 boxes moving at constant velocity (``synthetic_scene``) is run through
a simulated detector (``simulate_detections``: 5 % misses, 0.5 false positives per frame, 3 %
box noise) once, before any timing.  Then, side by side in one run, frames per second of:

- association: ``associate`` (IoU matrix + gating + ``linear_sum_assignment``) of the 20
  previous-frame boxes with this frame's detections;
- the whole tracker (``run_tracker``: predict, associate, update, track management, output
  rows) with ``KalmanBox`` (SORT), with ``NoMotion`` and with ``LSTMMotion`` driven by a NumPy
  LSTM(32) + Dense(2) on the last 8 box centres (``NumpyLSTM`` inside a
  ``DisplacementPredictor``; its weights are random and small, so it predicts little motion:
  the speed of the forward pass does not depend on the weights' values);
- the whole tracker with ``motion_training.LSTMBoxFilter``, the LSTM motion model of notebook 05
  (one step of a trained LSTM(32) + Dense(8) per frame per track; weights from
  ``data/models/motion_lstm_TUD-Campus.npz``), if those weights exist;
- with ``--keras``: the same LSTM model called through Keras once per frame.

Each figure is the best of several repeats, the runs taking turns (the CPU is shared).  Targets (issue 7):
association >= 1000 frames/s, Kalman tracker >= 1000 frames/s, LSTM tracker >= half the Kalman
tracker's rate (checked for both LSTM motion models).  The figures are printed as a table and stored under the key
``"tracking_speed"`` of ``bench/results.json`` (other keys of that file are left as they are).
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_file  # noqa: E402  (bench/results_file.py)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from course_utils.mot import detections_by_frame  # noqa: E402
from course_utils.tracking import (DisplacementPredictor, KalmanBox, LSTMMotion,  # noqa: E402
                                   NoMotion, NumpyLSTM, Tracker, associate, run_tracker,
                                   simulate_detections, synthetic_scene)

RESULTS = ROOT / "bench" / "results.json"
N_OBJECTS = 20
K = 8            # boxes of history for the LSTM
UNITS = 32


def best_rate(fn, n_frames: int, repeats: int) -> tuple[float, object]:
    """Best frames/s of ``fn()`` (which processes ``n_frames`` frames) over ``repeats`` runs."""
    return best_rates({"fn": (fn, n_frames)}, repeats)["fn"]


def best_rates(runs: dict, repeats: int) -> dict:
    """``{name: (fn, n_frames)}`` -> ``{name: (best frames/s, last output)}``.

    The runs take turns (round robin, after one warm-up each), so that a change in the
    load of a shared machine hits all of them alike rather than one of them.
    """
    out = {name: fn() for name, (fn, _) in runs.items()}          # warm-up
    best = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, (fn, _) in runs.items():
            t0 = time.perf_counter()
            out[name] = fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return {name: (runs[name][1] / best[name], out[name]) for name in runs}


def lstm_weights_random(seed: int = 0) -> list[np.ndarray]:
    """Weights shaped like Keras's LSTM(UNITS) + Dense(2) on 2-D inputs, small and random."""
    rng = np.random.default_rng(seed)
    shapes = [(2, 4 * UNITS), (UNITS, 4 * UNITS), (4 * UNITS,), (UNITS, 2), (2,)]
    return [rng.normal(0, 0.05, s) for s in shapes]


def keras_forward(weights):
    """The same LSTM + Dense as a Keras model, called once per frame (per-call overhead)."""
    from course_utils.notebook import quiet_tensorflow
    quiet_tensorflow()
    import keras
    model = keras.Sequential([keras.Input((K - 1, 2)), keras.layers.LSTM(UNITS),
                              keras.layers.Dense(2)])
    model.set_weights([w.astype("float32") for w in weights])

    def forward(x):
        return np.asarray(model(x.astype("float32"), training=False))
    return forward


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer frames and repeats")
    parser.add_argument("--keras", action="store_true", help="also time the LSTM through Keras")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results.json")
    args = parser.parse_args(argv)
    n_frames = 300 if args.quick else 1000
    repeats = 2 if args.quick else 5

    gt = synthetic_scene(N_OBJECTS, n_frames, seed=0)
    gt_boxes = detections_by_frame(gt)
    dets = simulate_detections(gt_boxes, miss_rate=0.05, fp_rate=0.5, noise=0.03, seed=0)
    n_dets = sum(len(d) for d in dets.values()) / n_frames

    frames = list(dets)
    pairs = [(gt_boxes[f - 1][:, :4], dets[f]) for f in frames[1:]]

    def association():
        for tracks, d in pairs:
            associate(tracks, d, iou_threshold=0.3)

    weights = lstm_weights_random()
    filter_path = ROOT / "data" / "models" / "motion_lstm_TUD-Campus.npz"
    runs = {
        "association": (association, len(pairs)),
        "tracker_kalman": (lambda: run_tracker(dets, Tracker(KalmanBox(), max_age=3)), n_frames),
        "tracker_none": (lambda: run_tracker(dets, Tracker(NoMotion(), max_age=3)), n_frames),
        "tracker_lstm_numpy": (lambda: run_tracker(dets, Tracker(
            LSTMMotion(DisplacementPredictor(NumpyLSTM(weights)), k=K), max_age=3)), n_frames),
    }
    if filter_path.exists():
        from course_utils.motion_training import LSTMBoxFilter, load_model
        filter_weights = load_model(filter_path)[0]
        runs["tracker_lstm_filter"] = (lambda: run_tracker(dets, Tracker(LSTMBoxFilter(filter_weights),
                                                                         max_age=3)), n_frames)
    fps, live = {}, {}
    for name, (rate, rows) in best_rates(runs, repeats).items():
        fps[name] = rate
        if rows is not None:
            live[name] = round(len(rows) / runs[name][1], 1)     # reported boxes per frame
    if args.keras:   # last: TensorFlow's threads would slow down the NumPy figures
        kf = keras_forward(weights)
        n_k = min(n_frames, 200)
        sub = {f: dets[f] for f in frames[:n_k]}
        fps["tracker_lstm_keras"], rows = best_rate(lambda: run_tracker(sub, Tracker(
            LSTMMotion(DisplacementPredictor(kf), k=K), max_age=3)), n_k, 1)
        live["tracker_lstm_keras"] = round(len(rows) / n_k, 1)

    targets = {
        "association": fps["association"] >= 1000,
        "tracker_kalman": fps["tracker_kalman"] >= 1000,
        "tracker_lstm_numpy": fps["tracker_lstm_numpy"] >= 0.5 * fps["tracker_kalman"],
    }
    if "tracker_lstm_filter" in fps:
        targets["tracker_lstm_filter"] = fps["tracker_lstm_filter"] >= 0.5 * fps["tracker_kalman"]
    entry = {
        "measured": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
                   f"NumPy {np.__version__}",
        "objects": N_OBJECTS, "frames": n_frames, "detections_per_frame": round(n_dets, 1),
        "lstm": {"units": UNITS, "history_k": K, "weights": "random (speed only)"},
        "fps": {k: round(v, 1) for k, v in fps.items()},
        "ms_per_frame": {k: round(1e3 / v, 4) for k, v in fps.items()},
        "boxes_reported_per_frame": live,
        "lstm_over_kalman": round(fps["tracker_lstm_numpy"] / fps["tracker_kalman"], 3),
        "lstm_filter_over_kalman": (round(fps["tracker_lstm_filter"] / fps["tracker_kalman"], 3)
                                    if "tracker_lstm_filter" in fps else None),
        "targets": {"association_fps": ">= 1000", "tracker_kalman_fps": ">= 1000",
                    "tracker_lstm_numpy_fps": ">= 0.5 x tracker_kalman",
                    "tracker_lstm_filter_fps": ">= 0.5 x tracker_kalman"},
        "targets_met": targets,
    }

    print(f"Tracking speed, {N_OBJECTS} objects, {n_dets:.1f} detections/frame, "
          f"{n_frames} frames, detection excluded ({entry['machine']})")
    print(f"{'what':<22}{'frames/s':>12}{'ms/frame':>11}   target")
    target_text = {"association": ">= 1000", "tracker_kalman": ">= 1000",
                   "tracker_lstm_numpy": f">= {0.5 * fps['tracker_kalman']:.0f} (half Kalman)",
                   "tracker_lstm_filter": f">= {0.5 * fps['tracker_kalman']:.0f} (half Kalman)"}
    for name, v in fps.items():
        t = target_text.get(name, "")
        if t:
            t += "  " + ("met" if targets[name] else "MISSED")
        print(f"{name:<22}{v:>12.0f}{1e3 / v:>11.3f}   {t}")
    print(f"LSTM / Kalman rate: {entry['lstm_over_kalman']:.2f}"
          + (f" (LSTMMotion), {entry['lstm_filter_over_kalman']:.2f} (LSTMBoxFilter)"
             if entry["lstm_filter_over_kalman"] is not None else ""))
    if not args.no_save:
        results_file.save("tracking_speed", entry)
        print(f"saved under 'tracking_speed' in {RESULTS.relative_to(ROOT)}")
    return entry


if __name__ == "__main__":
    main()
