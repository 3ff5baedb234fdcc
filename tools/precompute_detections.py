#!/usr/bin/env python3
"""Run the classic detectors of notebook 04 over the TUD sequences and store what they find.

    python tools/precompute_detections.py                  # both sequences, both detectors (~1 min)
    python tools/precompute_detections.py --last 5 --out /tmp/det   # only frames 1..5 (the test)

For each sequence in ``data/mot15/`` it writes, into ``data/detections/`` (or ``--out``):

- ``<sequence>_hog.txt``: ``course_utils.detect.HOGPeopleDetector()`` on every full-size frame
  (640x480), the Dalal-Triggs HOG people detector (OpenCV's ``cv2.HOGDescriptor``);
- ``<sequence>_mog2.txt``: ``course_utils.detect.MovingObjectDetector()`` (MOG2 background
  subtraction + connected components) on every frame at half size (320x240), in order,
  boxes written in full-size pixels;
- ``timing.json``: frames, seconds and frames per second of each detector on each sequence
  (detector time only: reading the JPEG files is not counted), and the machine.

Files are MOTChallenge rows ``frame, -1, left, top, width, height, score, -1, -1, -1`` (pixels of
the 640x480 frames, like ``gt/gt.txt``).  Notebook 04 reads them with
``course_utils.detect.read_mot_detections``: running HOG over all 250 frames takes about a
minute on a 2-core CPU, too long for a notebook that only needs the scores; it reruns both
detectors live on a few frames and shows they give the stored rows.  ``tests/test_detectors.py``
reruns this script on the first frames and checks that it writes the same rows.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from course_utils import detect, video  # noqa: E402
from course_utils.data import TUD_SEQUENCES, data_dir  # noqa: E402

METHODS = ("hog", "mog2")
MOG2_SCALE = 0.5


def run(sequence: str, method: str, *, last: int | None = None):
    """Detections of one method on one sequence: ``(DataFrame of MOT rows, seconds, frames)``."""
    folder = data_dir() / "mot15" / sequence
    if method == "hog":
        seq = video.read_mot_sequence(folder, last=last)
        detector = detect.HOGPeopleDetector()
        scale = 1.0
    elif method == "mog2":
        seq = video.read_mot_sequence(folder, last=last, scale=MOG2_SCALE)
        detector = detect.MovingObjectDetector()
        scale = MOG2_SCALE
    else:
        raise ValueError(f"method: expected one of {METHODS}, got {method!r}")
    found = []
    start = time.perf_counter()
    for frame in seq.frames:
        found.append(detector.detect(frame))
    seconds = time.perf_counter() - start
    return detect.detections_to_mot(seq.frame_numbers, found, scale=scale), seconds, len(seq)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "detections",
                        help="folder to write into (default: data/detections)")
    parser.add_argument("--last", type=int, default=None, help="stop at this frame number (default: all)")
    parser.add_argument("--sequences", nargs="*", default=list(TUD_SEQUENCES))
    parser.add_argument("--methods", nargs="*", default=list(METHODS))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    timing = {}
    for sequence in args.sequences:
        for method in args.methods:
            df, seconds, n = run(sequence, method, last=args.last)
            path = detect.write_mot_detections(df, args.out / f"{sequence}_{method}.txt")
            timing.setdefault(sequence, {})[method] = {
                "frames": n, "seconds": round(seconds, 2), "fps": round(n / seconds, 2),
                "frame_size": "640x480" if method == "hog" else "320x240"}
            print(f"{sequence} {method}: {len(df)} boxes in {n} frames, {seconds:.1f} s "
                  f"({n / seconds:.2f} frames/s) -> {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    timing["machine"] = f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}"
    timing["measured"] = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    timing["note"] = ("detector time only (JPEG decoding not counted); HOG (OpenCV, one thread) on 640x480 "
                      "frames, MOG2 + connected components (OpenCV) on 320x240 frames")
    (args.out / "timing.json").write_text(json.dumps(timing, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
