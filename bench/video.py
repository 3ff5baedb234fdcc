#!/usr/bin/env python3
"""Benchmark for notebook 04 (from pixels to positions): classic detectors on real video, and
tracking through occlusion.

    .venv/bin/python bench/video.py                 # about a minute on a 2-core CPU
    .venv/bin/python bench/video.py --no-notebook   # only the detection table (about 15 s)

1. **Detection table**, per TUD sequence and detector: precision, recall and F1 at IoU 0.5 against
   ``gt/gt.txt`` (``course_utils.video.detection_scores``), and frames per second.  Our two
   detectors (``course_utils.detect``: MOG2 + connected components at 320x240, the HOG people
   detector (OpenCV's, one thread) at 640x480) are scored from the files of ``tools/precompute_detections.py`` in
   ``data/detections/`` (``tests/test_detectors.py`` checks that a rerun gives the same rows);
   their speed is measured again here (MOG2 over the whole sequence, HOG over ``--hog-frames``
   frames; detector time only) next to the speed stored by that script.  The two published
   detection files (``det/det.txt``, ``det/det_frcnn.txt``) are scored the same way; their speed
   is not known here.
2. **Occlusion comparison**: notebook 04 is executed in a fresh kernel (``bench/run.py``'s
   ``run_one``: wall time and peak memory of the kernel too) and its ``HEADLINE`` gives the mean
   error, on test frames where the target is less than half visible, of the single-frame CNN,
   the CNN + LSTM, and the constant-velocity Kalman filter on CNN detections and on red-pixel
   detections (pixels of the 64x64 synthetic frames).

The figures are printed as JSON and stored under the key ``"video"`` of ``bench/results.json``
(other keys of that file are left as they are).
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
sys.path.insert(0, str(ROOT / "bench"))

from course_utils import detect, video  # noqa: E402
from course_utils.data import TUD_SEQUENCES, data_dir  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
NOTEBOOK = ROOT / "notebooks" / "04_from_pixels_to_positions.ipynb"


def detection_table(hog_frames: int) -> dict:
    stored = json.loads((data_dir() / "detections" / "timing.json").read_text())
    table = {}
    for name in TUD_SEQUENCES:
        folder = data_dir() / "mot15" / name
        seq = video.read_mot_sequence(folder, images=False)
        half = video.read_mot_sequence(folder, scale=0.5)
        mog = detect.MovingObjectDetector()
        t0 = time.perf_counter()
        for frame in half.frames:
            mog.detect(frame)
        mog_fps = len(half) / (time.perf_counter() - t0)
        full = video.read_mot_sequence(folder, last=hog_frames)
        hog = detect.HOGPeopleDetector()
        t0 = time.perf_counter()
        for frame in full.frames:
            hog.detect(frame)
        hog_fps = len(full) / (time.perf_counter() - t0)
        methods = {
            "mog2": (detect.read_mot_detections(data_dir() / "detections" / f"{name}_mog2.txt"),
                     {"fps_now": round(mog_fps, 1), "fps_precompute": stored[name]["mog2"]["fps"],
                      "frame_size": "320x240"}),
            "hog": (detect.read_mot_detections(data_dir() / "detections" / f"{name}_hog.txt"),
                    {"fps_now": round(hog_fps, 1), "fps_precompute": stored[name]["hog"]["fps"],
                     "frame_size": "640x480", "fps_now_frames": len(full)}),
            "mot15_public_det": (seq.detections["det"], {"fps_now": None}),
            "faster_rcnn_det_frcnn": (seq.detections["det_frcnn"], {"fps_now": None}),
        }
        table[name] = {}
        for method, (det, speed) in methods.items():
            s = video.detection_scores(seq.gt, det, iou=0.5)
            table[name][method] = {"precision": round(s["precision"], 3), "recall": round(s["recall"], 3),
                                   "f1": round(s["f1"], 3), "tp": s["tp"], "fp": s["fp"], "fn": s["fn"], **speed}
    return table


def occlusion_comparison() -> dict:
    from run import run_one      # bench/run.py
    result = run_one(NOTEBOOK)
    h = result["headline"]
    return {
        "unit": "pixels (64x64 synthetic frames), mean over test frames with the target < 50 % visible",
        "cnn_single_frame": h.get("occluded_err_px_cnn"),
        "cnn_lstm": h.get("occluded_err_px_cnn_lstm"),
        "kalman_on_cnn_detections": h.get("occluded_err_px_kalman_cnn_dets"),
        "kalman_on_red_pixel_detections": h.get("occluded_err_px_kalman_red_dets"),
        "notebook_wall_s": result["wall_s"], "notebook_peak_mb": result["peak_mb"],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-notebook", action="store_true", help="skip executing notebook 04")
    parser.add_argument("--hog-frames", type=int, default=20, help="frames per sequence to time HOG on")
    args = parser.parse_args(argv)
    figures = {
        "measured": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "detection": detection_table(args.hog_frames),
    }
    if not args.no_notebook:
        figures["occlusion"] = occlusion_comparison()
    previous = results_file.load().get("video", {})
    if args.no_notebook and "occlusion" in previous:
        figures["occlusion"] = previous["occlusion"]          # keep the last measured one
    results_file.save("video", figures)
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
