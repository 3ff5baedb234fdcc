#!/usr/bin/env python3
"""Train the course's LSTM motion models (notebook 05) and store them in data/models/.

    python tools/train_motion_lstm.py            # train all three, write data/models/*.npz
    python tools/train_motion_lstm.py --check    # train again and compare with the stored weights
    python tools/train_motion_lstm.py --only synthetic

Three models, each an ``LSTM(32, return_sequences=True) + Dense(8)`` run as
``course_utils.motion_training.LSTMBoxFilter`` (one LSTM step per frame per track):

- ``motion_lstm_TUD-Campus.npz``: for scoring on TUD-Campus, trained *without* it (the other
  TUD sequence with its Faster R-CNN detections, UCY and synthetic walkers: ``tud_training_set``);
- ``motion_lstm_TUD-Stadtmitte.npz``: the same the other way round;
- ``motion_lstm_synthetic.npz``: for the synthetic street videos, trained on seeds 100-179
  (the notebook scores seeds 0-4).

Training takes about a minute per model on a 2-core CPU, too long for the notebook's budget,
which is why the weights are stored.  It is deterministic (seeded, TensorFlow op determinism):
``--check`` retrains and fails if any weight differs from the stored one by more than 1e-5
(``tests/test_motion_training.py`` runs it, marked slow).
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from course_utils.motion_training import (MODEL_DIR, load_model, save_model,  # noqa: E402
                                          synthetic_training_set, train_box_filter,
                                          tud_training_set)

TRAIN = {"units": 32, "epochs": 40, "batch_size": 64, "learning_rate": 5e-3, "seed": 0}
LENGTH = 64
SYNTHETIC_SEEDS = list(range(100, 180))
MODELS = ("TUD-Campus", "TUD-Stadtmitte", "synthetic")
TOLERANCE = 1e-5


def training_set(name: str):
    if name == "synthetic":
        X, Y, W = synthetic_training_set(SYNTHETIC_SEEDS, length=LENGTH)
        source = (f"synthetic street videos (street_video) with seeds {SYNTHETIC_SEEDS[0]}-"
                  f"{SYNTHETIC_SEEDS[-1]}, detect_visible detections")
    else:
        X, Y, W = tud_training_set(name, length=LENGTH, seed=0)
        other = "TUD-Stadtmitte" if name == "TUD-Campus" else "TUD-Campus"
        source = (f"leave-one-out for {name}: {other} (gt with its det_frcnn detections, mirrored and "
                  f"2x-speed copies with resampled detector errors), 800 UCY pedestrians, "
                  f"800 synthetic walkers (tud_training_set)")
    return X, Y, W, source


def train(name: str):
    X, Y, W, source = training_set(name)
    start = time.perf_counter()
    weights, loss = train_box_filter(X, Y, W, **TRAIN)
    seconds = time.perf_counter() - start
    meta = {"name": name, "training_data": source, "sequences": int(len(X)), "frames_per_sequence": LENGTH,
            "training_frames": int(W.sum()), "train": TRAIN, "loss": [round(v, 5) for v in loss],
            "seconds": round(seconds, 1), "python": platform.python_version()}
    return weights, meta


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="retrain and compare with the stored weights")
    parser.add_argument("--only", choices=MODELS, action="append", help="train only this model")
    args = parser.parse_args(argv)
    status = 0
    for name in args.only or MODELS:
        weights, meta = train(name)
        path = MODEL_DIR / f"motion_lstm_{name}.npz"
        if args.check:
            stored, _ = load_model(path)
            diff = max(float(np.max(np.abs(a - b))) for a, b in zip(weights, stored))
            ok = len(stored) == len(weights) and diff <= TOLERANCE
            status |= not ok
            print(f"{name}: largest weight difference {diff:.2g} ({'reproduced' if ok else 'DIFFERENT'})")
        else:
            save_model(path, weights, meta)
            print(f"{name}: {meta['sequences']} sequences, final loss {meta['loss'][-1]:.4f}, "
                  f"{meta['seconds']:.0f} s -> {path.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
