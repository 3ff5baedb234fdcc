#!/usr/bin/env python3
"""Benchmark of notebook 03: Keras recurrent forecasters against the baselines, on real and synthetic data.

    .venv/bin/python bench/forecasting.py            # everything (about a minute on a 2-core CPU)
    .venv/bin/python bench/forecasting.py --quick    # without the ablations

Trains the notebook's configurations (keep the recipes below in step with
notebooks/src/03_keras_lstm_forecasting.py):

- UCY: LSTM and GRU, 32 units, direct head, displacements in the world frame, trained on
  students001, students003, uni_examples and crowds_zara03 (85/15 split by trajectory, every second
  window), scored on every 8 -> 12 window of zara1 and zara2 (ADE/FDE in metres);
- synthetic: LSTM and GRU, 32 units, canonical (rotation-invariant) frame, trained on the training
  split of ``generate_synthetic(2000, seed=0)`` and scored on its test split; target: LSTM ADE
  <= 0.8 x constant-velocity ADE;
- TUD-Stadtmitte: the UCY models applied to pixels (every 10th frame, 8 -> 4 positions at 0.4 s, one
  pixel-to-metre factor from the median box height), ADE/FDE in pixels;
- ablations (unless ``--quick``): the UCY LSTM trained with MSE instead of the distance loss, in the
  canonical frame, and without crowds_zara03; a seq2seq (autoregressive) LSTM on synthetic data.

Prints the figures as JSON and writes them into ``bench/results.json`` under the key
``"forecasting"`` (other keys of that file are kept).
"""
from __future__ import annotations

import json
import os
import platform
import re
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import results_file  # noqa: E402  (bench/results_file.py)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from course_utils import baselines, data, metrics, models, training  # noqa: E402
from course_utils.notebook import quiet_tensorflow  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
TRAIN_SCENES = ["students001", "students003", "uni_examples", "crowds_zara03"]
UCY_RECIPE = dict(epochs=10, batch_size=256, patience=3, learning_rate=3e-3, loss="distance", seed=0)
SYN_RECIPE = dict(epochs=30, batch_size=128, patience=8, learning_rate=5e-3, loss="distance", seed=0)
PUBLISHED = {"constant velocity (Schöller et al. 2020)": {"zara1": [0.43, 0.95], "zara2": [0.32, 0.72]},
             "vanilla LSTM (Gupta et al. 2018)": {"zara1": [0.41, 0.88], "zara2": [0.52, 1.11]}}


def compact_json(value) -> str:
    """JSON with two-space indents, short lists of numbers kept on one line."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    return re.sub(r"\[\s+([-0-9.,\s]+?)\s+\]", lambda m: "[" + ", ".join(x.strip() for x in m.group(1).split(",")) + "]", text)


def print_table(out) -> None:
    """The main figures as a text table on stderr (stdout carries the JSON)."""
    lines = [f"{'ADE / FDE':<22} {'zara1 (m)':>13} {'zara2 (m)':>13} {'synthetic (m)':>15}"]
    for name in ["constant velocity", "Kalman (CV)", "LSTM", "GRU"]:
        cells = [out["ucy"][s]["ADE/FDE (m)"][name] for s in ("zara1", "zara2")] + [out["synthetic"]["ADE/FDE (m)"][name]]
        lines.append(f"{name:<22} " + " ".join(f"{a:.3f} / {f:.3f}".rjust(w) for (a, f), w in zip(cells, (13, 13, 15))))
    lines.append(f"synthetic LSTM/CV ADE = {out['synthetic']['lstm_over_cv_ade']:.3f} (target <= 0.8: "
                 f"{'met' if out['synthetic']['target_met'] else 'NOT met'}); UCY LSTM training "
                 f"{out['training_time_s']['ucy_lstm']:.1f} s")
    print("\n".join(lines), file=sys.stderr)


def ade_fde(table, digits=3):
    return {name: [round(float(table.loc[name, "ADE"]), digits), round(float(table.loc[name, "FDE"]), digits)]
            for name in table.index}


def ucy_windows(scenes):
    train, val = data.split_by_trajectory(data.load_ucy(scenes), fractions=(0.85, 0.15), seed=0)
    return data.make_windows(train, stride=2), data.make_windows(val)


def train(cell, train_w, val_w, recipe, **options):
    net = models.KerasForecaster.build(cell, **{"units": 32, **options, "seed": 0})
    result = training.fit(net, train_w, val_w, **recipe)
    return net, result


def main(argv) -> int:
    quiet_tensorflow()
    quick = "--quick" in argv[1:]
    start = time.perf_counter()
    reference = {"constant velocity": baselines.ConstantVelocity(), "Kalman (CV)": baselines.KalmanCV()}
    out = {"measured": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
           "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
           "protocol": "observe 8, predict 12 (UCY, synthetic: 0.4 s steps); ADE/FDE = [ADE, FDE]"}

    # ---------------------------------------------------------------- UCY
    train_w, val_w = ucy_windows(TRAIN_SCENES)
    tests = {split: data.make_windows(data.load_ucy(split)) for split in ["zara1", "zara2"]}
    lstm, lstm_fit = train("lstm", train_w, val_w, UCY_RECIPE, representation="displacements")
    gru, gru_fit = train("gru", train_w, val_w, UCY_RECIPE, representation="displacements")
    ucy = {}
    for split, w in tests.items():
        table = metrics.evaluate_windows({**reference, "LSTM": lstm, "GRU": gru}, w.observed, w.future)
        ucy[split] = {"windows": len(w), "ADE/FDE (m)": ade_fde(table)}
    out["ucy"] = {"train_windows": len(train_w), "val_windows": len(val_w), **ucy,
                  "published": PUBLISHED,
                  "lstm_at_or_below_cv": {s: ucy[s]["ADE/FDE (m)"]["LSTM"][0] <= ucy[s]["ADE/FDE (m)"]["constant velocity"][0]
                                          for s in tests}}
    out["training_time_s"] = {"ucy_lstm": round(lstm_fit.seconds, 1), "ucy_gru": round(gru_fit.seconds, 1),
                              "ucy_lstm_epochs": lstm_fit.epochs_run}

    # ---------------------------------------------------------------- synthetic
    synthetic = data.generate_synthetic(2000, seed=0)
    syn_train, syn_val, syn_test = data.split_by_trajectory(synthetic, fractions=(0.7, 0.15, 0.15), seed=0)
    syn = {name: data.make_windows(part) for name, part in [("train", syn_train), ("val", syn_val), ("test", syn_test)]}
    s_lstm, s_lstm_fit = train("lstm", syn["train"], syn["val"], SYN_RECIPE, representation="canonical")
    s_gru, s_gru_fit = train("gru", syn["train"], syn["val"], SYN_RECIPE, representation="canonical")
    table = metrics.evaluate_windows({**reference, "LSTM": s_lstm, "GRU": s_gru}, syn["test"].observed, syn["test"].future)
    ratio = float(table.loc["LSTM", "ADE"] / table.loc["constant velocity", "ADE"])
    out["synthetic"] = {"train_windows": len(syn["train"]), "test_windows": len(syn["test"]),
                        "ADE/FDE (m)": ade_fde(table), "lstm_over_cv_ade": round(ratio, 3),
                        "target": "lstm_over_cv_ade <= 0.8", "target_met": ratio <= 0.8}
    out["training_time_s"].update({"synthetic_lstm": round(s_lstm_fit.seconds, 1),
                                   "synthetic_gru": round(s_gru_fit.seconds, 1)})

    # ---------------------------------------------------------------- TUD-Stadtmitte (pixels)
    canonical, _ = train("lstm", train_w, val_w, UCY_RECIPE, representation="canonical")
    gt = np.loadtxt(data.data_dir() / "mot15" / "TUD-Stadtmitte" / "gt" / "gt.txt", delimiter=",")
    factor = 1.75 / float(np.median(gt[:, 5]))
    tud = data.subsample(data.load_tud("TUD-Stadtmitte"), every=10)
    table = metrics.evaluate({**reference, "LSTM world frame, rescaled": models.Rescaled(lstm, factor),
                              "LSTM canonical, rescaled": models.Rescaled(canonical, factor),
                              "LSTM canonical, raw pixels": canonical}, tud, k=8, m=4)
    out["tud_stadtmitte"] = {"protocol": "every 10th frame (0.4 s), observe 8, predict 4 (1.6 s); pixels",
                             "metres_per_pixel": round(factor, 5), "windows": int(table.attrs["n_windows"]),
                             "ADE/FDE (px)": ade_fde(table, 2)}

    # ---------------------------------------------------------------- ablations
    if not quick:
        ablations = {}
        for label, (scenes, options, recipe) in {
                "LSTM, MSE loss": (TRAIN_SCENES, dict(representation="displacements"), {**UCY_RECIPE, "loss": "mse"}),
                "LSTM, canonical frame": (TRAIN_SCENES, dict(representation="canonical"), UCY_RECIPE),
                "LSTM, without crowds_zara03": (TRAIN_SCENES[:3], dict(representation="displacements"), UCY_RECIPE),
        }.items():
            if label == "LSTM, canonical frame":
                net = canonical
            else:
                tw, vw = (train_w, val_w) if scenes == TRAIN_SCENES else ucy_windows(scenes)
                net, _ = train("lstm", tw, vw, recipe, **options)
            ablations[label] = {split: ade_fde(metrics.evaluate_windows({label: net}, w.observed, w.future))[label]
                                for split, w in tests.items()}
        out["ucy_ablations_ADE/FDE (m)"] = ablations
        s2s, s2s_fit = train("lstm", syn["train"], syn["val"], SYN_RECIPE, representation="canonical", head="seq2seq")
        out["synthetic_ablations_ADE/FDE (m)"] = {
            "LSTM seq2seq (autoregressive) head": ade_fde(metrics.evaluate_windows(
                {"s2s": s2s}, syn["test"].observed, syn["test"].future))["s2s"]}
        out["training_time_s"]["synthetic_lstm_seq2seq"] = round(s2s_fit.seconds, 1)
    out["total_s"] = round(time.perf_counter() - start, 1)

    print(compact_json(out))
    print_table(out)
    results_file.save("forecasting", out)
    print(f"written to {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0 if out["synthetic"]["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
