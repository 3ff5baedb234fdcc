#!/usr/bin/env python3
"""Benchmark: tracking quality against SORT's published figures (issue 7, notebook 05).

    .venv/bin/python bench/tracking_quality.py            # about 20 s on a 2-core CPU
    .venv/bin/python bench/tracking_quality.py --no-save

Scores, with ``motmetrics`` against ``gt.txt`` (IoU 0.5), the course's trackers on TUD-Campus and
TUD-Stadtmitte with both detection sets (``det_frcnn.txt``: SORT's Faster R-CNN detections;
``det.txt``: MOT15's public ones): the Kalman tracker (``KalmanBox``, SORT) and the LSTM tracker
(``motion_training.LSTMBoxFilter`` with the stored leave-one-sequence-out weights), each with
``max_age`` 1, 3, 10 and 30 (``min_hits`` 3, IoU 0.3); and the synthetic street videos with heavy
occlusion (seeds 0-4; the synthetic LSTM was trained on seeds 100-179) with ``max_age`` 1 and 30.

Targets (checked and printed as JSON, stored under the key ``"tracking_quality"`` of
``bench/results.json``; other keys of that file are kept):

- Kalman tracker within 1 MOTA point of SORT's published figures on both TUD sequences
  (det_frcnn: 62.7 and 71.7; also reported for det.txt: 39.8 and 58.4);
- LSTM tracker at or above SORT's IDF1 with the same detections and SORT's settings
  (det_frcnn, ``max_age`` 1: 60.6 and 73.5);
- LSTM tracker at or above the course's Kalman tracker on the occluded synthetic video, mean IDF1
  over the seeds, each with its best ``max_age`` of 1 and 30 (also listed per ``max_age``);
- stretch (reported in ``stretch_met``, not in ``all_targets_met``): LSTM tracker's best IDF1 over
  ``max_age`` 1, 3, 10 at or above SORT's (66.5 and 76.8).

The det.txt rows of the LSTM check are reported (``"target": false``), not required: the issue asks for
SORT's IDF1 "with the same detections", SORT's own Faster R-CNN ones.
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

from course_utils import motion_training as mt  # noqa: E402
from course_utils.mot import detections_by_frame, read_mot  # noqa: E402
from course_utils.mot_metrics import evaluate_mot  # noqa: E402
from course_utils.tracking import KalmanBox, Tracker, run_tracker  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
MOT15 = ROOT / "data" / "mot15"
SEQUENCES = ("TUD-Campus", "TUD-Stadtmitte")
MAX_AGES = (1, 3, 10, 30)
SYNTHETIC_SEEDS = range(5)
SORT = {  # published figures of unmodified SORT (max_age 1, min_hits 3, IoU 0.3): MOTA, IDF1
    "det_frcnn": {"TUD-Campus": (62.7, 60.6), "TUD-Stadtmitte": (71.7, 73.5)},
    "det": {"TUD-Campus": (39.8, 45.9), "TUD-Stadtmitte": (58.4, 55.8)},
}
SORT_TUNED_IDF1 = {"TUD-Campus": 66.5, "TUD-Stadtmitte": 76.8}   # best of max_age 1, 3, 10, det_frcnn


def _score(gt, rows) -> dict:
    m = evaluate_mot(gt, rows, iou=0.5)
    return {"MOTA": round(100 * m["MOTA"], 1), "IDF1": round(100 * m["IDF1"], 1), "IDSW": m["IDSW"],
            "FP": m["FP"], "FN": m["FN"]}


def tud() -> dict:
    out = {}
    for seq in SEQUENCES:
        gt = read_mot(MOT15 / seq / "gt" / "gt.txt")
        weights, _ = mt.load_model(f"motion_lstm_{seq}")
        for det in SORT:
            dets = detections_by_frame(MOT15 / seq / "det" / f"{det}.txt")
            for name, make in (("kalman", KalmanBox), ("lstm", lambda: mt.LSTMBoxFilter(weights))):
                out[f"{seq}/{det}/{name}"] = {str(a): _score(gt, run_tracker(dets, Tracker(make(), max_age=a)))
                                              for a in MAX_AGES}
    return out


def synthetic() -> dict:
    weights, _ = mt.load_model("motion_lstm_synthetic")
    per_seed = {"kalman": {1: [], 30: []}, "lstm": {1: [], 30: []}}
    for seed in SYNTHETIC_SEEDS:
        clip = mt.street_video(seed)
        dets, _ = mt.detect_visible(clip, seed=seed)
        gt = clip.gt[["frame", "id", "left", "top", "width", "height"]].to_numpy(float).copy()
        gt[:, 0] += 1
        for name, make in (("kalman", KalmanBox), ("lstm", lambda: mt.LSTMBoxFilter(weights))):
            for a in (1, 30):
                m = evaluate_mot(gt, run_tracker(dets, Tracker(make(), max_age=a)))
                per_seed[name][a].append(100 * m["IDF1"])
    return {name: {str(a): {"mean_IDF1": round(float(np.mean(v)), 1), "per_seed": [round(x, 1) for x in v]}
                   for a, v in by_age.items()} for name, by_age in per_seed.items()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-save", action="store_true", help="do not write bench/results.json")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    real, syn = tud(), synthetic()

    def fig(seq, det, name, a, key):
        return real[f"{seq}/{det}/{name}"][str(a)][key]

    checks = {}
    for seq in SEQUENCES:
        for det in SORT:
            mota, idf1 = SORT[det][seq]
            got = fig(seq, det, "kalman", 1, "MOTA")
            checks[f"kalman_mota_within_1_of_sort/{seq}/{det}"] = {
                "course": got, "sort": mota, "difference": round(got - mota, 1), "met": abs(got - mota) <= 1.0}
            got = fig(seq, det, "lstm", 1, "IDF1")
            checks[f"lstm_idf1_at_or_above_sort/{seq}/{det}"] = {
                "course": got, "sort": idf1, "difference": round(got - idf1, 1), "met": got >= idf1,
                "target": det == "det_frcnn"}
        best = max(fig(seq, "det_frcnn", "lstm", a, "IDF1") for a in (1, 3, 10))
        checks[f"stretch_lstm_best_idf1_at_or_above_sort_tuned/{seq}"] = {
            "course": best, "sort": SORT_TUNED_IDF1[seq], "difference": round(best - SORT_TUNED_IDF1[seq], 1),
            "met": best >= SORT_TUNED_IDF1[seq]}
    lstm_best = max(syn["lstm"][a]["mean_IDF1"] for a in syn["lstm"])
    kalman_best = max(syn["kalman"][a]["mean_IDF1"] for a in syn["kalman"])
    checks["lstm_at_or_above_kalman_on_synthetic_occlusion"] = {
        "course_lstm": lstm_best, "course_kalman": kalman_best, "difference": round(lstm_best - kalman_best, 1),
        "met": lstm_best >= kalman_best,
        "per_max_age": {a: round(syn["lstm"][a]["mean_IDF1"] - syn["kalman"][a]["mean_IDF1"], 1) for a in syn["lstm"]}}
    targets_met = {k: v["met"] for k, v in checks.items() if v.get("target", True) and not k.startswith("stretch")}
    stretch_met = {k: v["met"] for k, v in checks.items() if k.startswith("stretch")}
    entry = {
        "measured": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "seconds": round(time.perf_counter() - start, 1),
        "protocol": "motmetrics 1.4, IoU 0.5 against gt.txt; trackers min_hits 3, IoU gate 0.3; LSTM weights "
                    "data/models/motion_lstm_*.npz (leave-one-sequence-out for TUD; synthetic seeds 100-179 "
                    "for the synthetic videos, scored on seeds 0-4)",
        "tud": real, "synthetic_idf1": syn, "checks": checks, "targets_met": targets_met,
        "all_targets_met": all(targets_met.values()), "stretch_met": stretch_met,
    }
    print(json.dumps({"checks": checks, "all_targets_met": entry["all_targets_met"], "stretch_met": stretch_met},
                     indent=2))
    if not args.no_save:
        results_file.save("tracking_quality", entry)
        print(f"saved under 'tracking_quality' in {RESULTS.relative_to(ROOT)}")
    return entry


if __name__ == "__main__":
    main()
