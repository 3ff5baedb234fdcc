"""Tests for course_utils.detect (HOG people detector, background subtraction, MOT files),
tools/precompute_detections.py (reruns it on the first frames) and course_utils.checks_video."""
from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_utils import checks_video, detect
from course_utils import video as V

ROOT = Path(__file__).resolve().parents[1]
MOT15 = ROOT / "data" / "mot15"
DETECTIONS = ROOT / "data" / "detections"


@pytest.fixture(scope="module")
def stadtmitte():
    """Frames 1 and 91 of TUD-Stadtmitte at full size."""
    return V.read_mot_sequence(MOT15 / "TUD-Stadtmitte", first=1, last=91, every=90)


# --------------------------------------------------------------------------- HOG (OpenCV)

def test_svm_weights_and_descriptor():
    w, b = detect.load_hog_people_svm()
    assert w.shape == (detect.HOG_DESCRIPTOR_SIZE,) == (3780,) and w.dtype == np.float32
    assert b == pytest.approx(-6.6657915)
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, size=(128, 64), dtype=np.uint8)
    d = detect.hog_descriptor(grey)
    assert d.shape == (3780,) and d.dtype == np.float32 and (d >= 0).all()
    np.testing.assert_allclose(np.linalg.norm(d.reshape(105, 36), axis=1), 1.0, atol=1e-2)   # L2-Hys blocks
    np.testing.assert_array_equal(d, detect.hog_descriptor(np.repeat(grey[..., None], 3, axis=-1)))


def test_hog_bad_inputs():
    with pytest.raises(ValueError, match=r"64x128 image"):
        detect.hog_descriptor(np.zeros((64, 128, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        detect.hog_descriptor(np.zeros((128, 64, 3)))
    for kwargs, match in [({"scale_step": 1.0}, "scale_step"), ({"padding": 3}, "multiple of 8"),
                          ({"padding": -8}, "padding"), ({"person_box": (0, 1)}, "person_box"),
                          ({"hit_threshold": np.nan}, "hit_threshold"), ({"min_neighbours": -1}, "min_neighbours"),
                          ({"weights": np.zeros(5)}, "3780")]:
        with pytest.raises(ValueError, match=match):
            detect.HOGPeopleDetector(**kwargs)
    hog = detect.HOGPeopleDetector()
    for frame, match in [(np.zeros((200, 100, 3), np.float32), "uint8"), (None, "None"),
                         (np.zeros((2, 200, 100, 3), np.uint8), "batch"), (np.zeros((0, 5, 3), np.uint8), "empty"),
                         (np.zeros((200, 100, 4), np.uint8), r"\(H, W, 3\)")]:
        with pytest.raises(ValueError, match=match):
            hog.detect(frame)
        with pytest.raises(ValueError, match=match):
            hog.windows(frame)


def test_frames_smaller_than_the_window_give_no_detections():
    """No pyramid level fits a 64x128 window (OpenCV 4.14 itself would crash on such frames)."""
    hog = detect.HOGPeopleDetector()
    for shape in [(40, 40, 3), (100, 60, 3), (127, 300, 3), (300, 63, 3), (100, 60)]:
        found = hog.detect(np.full(shape, 128, np.uint8))
        assert found.boxes.shape == (0, 4) and found.scores.shape == (0,) and len(found) == 0
        assert len(hog.windows(np.full(shape, 128, np.uint8))) == 0
    assert len(hog.detect(np.full((128, 64, 3), 128, np.uint8))) == 0        # fits, but nobody there


def test_hog_finds_the_people_of_a_tud_frame(stadtmitte):
    """Frame 91 of TUD-Stadtmitte: every detection is a ground-truth person (IoU >= 0.5)."""
    found = detect.HOGPeopleDetector().detect(stadtmitte.frames[1])
    gt = stadtmitte.gt[stadtmitte.gt.frame == 91][["left", "top", "width", "height"]].to_numpy()
    assert len(found) >= 3
    assert (V.box_iou(found.boxes, gt).max(axis=1) >= 0.5).all()
    assert (found.scores > 0).all() and (np.diff(found.scores) <= 0).all()      # best first


def test_hog_scores_are_deterministic_and_threads_restored(stadtmitte):
    import cv2
    hog = detect.HOGPeopleDetector()
    threads = cv2.getNumThreads()
    first = hog.detect(stadtmitte.frames[1])
    assert cv2.getNumThreads() == threads
    for _ in range(2):
        again = hog.detect(stadtmitte.frames[1])
        np.testing.assert_array_equal(again.boxes, first.boxes)
        np.testing.assert_array_equal(again.scores, first.scores)


def test_windows_before_grouping(stadtmitte):
    hog = detect.HOGPeopleDetector(person_box=(1, 1))
    raw = hog.windows(stadtmitte.frames[1])
    grouped = hog.detect(stadtmitte.frames[1])
    assert len(raw) > 5 * len(grouped) > 0
    assert (raw.scores >= 0).all() and raw.scores.max() == pytest.approx(grouped.scores.max())
    x2, y2 = raw.boxes[:, 0] + raw.boxes[:, 2], raw.boxes[:, 1] + raw.boxes[:, 3]
    assert (raw.boxes[:, :2] >= 0).all() and (x2 <= 640).all() and (y2 <= 480).all()     # clipped to the frame
    inside = (raw.boxes[:, 0] > 0) & (raw.boxes[:, 1] > 0) & (x2 < 640) & (y2 < 480)
    assert inside.sum() > 0.8 * len(raw)
    np.testing.assert_allclose(raw.boxes[inside, 3] / raw.boxes[inside, 2], 2.0, atol=0.02)  # 64x128, scaled
    assert len(detect.HOGPeopleDetector(min_neighbours=0).detect(stadtmitte.frames[1])) >= len(grouped)


def test_person_box_is_the_centre_of_the_window(stadtmitte):
    whole = detect.HOGPeopleDetector(person_box=(1, 1)).detect(stadtmitte.frames[1])
    person = detect.HOGPeopleDetector().detect(stadtmitte.frames[1])
    np.testing.assert_allclose(person.boxes[:, 2:], whole.boxes[:, 2:] * [0.5, 0.75])
    np.testing.assert_allclose(person.boxes[:, :2] + person.boxes[:, 2:] / 2, whole.boxes[:, :2] + whole.boxes[:, 2:] / 2)
    np.testing.assert_allclose(person.scores, whole.scores)


# --------------------------------------------------------------------------- background subtraction

def _moving_square(T=30, size=(60, 80)):
    rng = np.random.default_rng(0)
    bg = rng.integers(60, 90, size=size + (3,), dtype=np.uint8)
    frames = np.repeat(bg[None], T, axis=0)
    for t in range(T):
        frames[t, 20:50, 5 + 2 * t:17 + 2 * t] = 230                   # 12 wide, 30 tall, moving right
    return frames


def test_moving_object_detector_finds_a_moving_block():
    frames = _moving_square()
    det = detect.MovingObjectDetector(min_area=50, close_size=(3, 3))
    found = [det.detect(f) for f in frames]
    assert det.mask.shape == frames.shape[1:3] and det.mask.dtype == np.uint8
    last = found[-1]
    assert len(last) == 1
    expected = [[5 + 2 * 29, 20, 12, 30]]
    assert V.box_iou(last.boxes, expected)[0, 0] > 0.6
    assert 0 < last.scores[0] <= 1
    with pytest.raises(ValueError, match="same size"):
        det.detect(np.zeros((10, 10, 3), np.uint8))
    det.reset()
    assert len(det.detect(np.zeros((10, 10, 3), np.uint8))) == 0   # a fresh model learns the first frame
    repeat = detect.MovingObjectDetector(min_area=50, close_size=(3, 3))
    again = [repeat.detect(f) for f in frames]
    for a, b in zip(found, again):                                   # deterministic
        np.testing.assert_array_equal(a.boxes, b.boxes)


def test_moving_object_detector_bad_arguments():
    for kwargs, match in [({"history": 0}, "history"), ({"var_threshold": -1}, "var_threshold"),
                          ({"min_area": -5}, "min_area"), ({"close_size": (0, 3)}, "close_size")]:
        with pytest.raises(ValueError, match=match):
            detect.MovingObjectDetector(**kwargs)
    with pytest.raises(ValueError, match="uint8"):
        detect.MovingObjectDetector().detect(np.zeros((10, 10, 3), np.float64))


def test_foreground_boxes_hand_made():
    mask = np.zeros((50, 60), bool)
    mask[5:35, 10:20] = True          # tall: kept (300 px)
    mask[40:45, 30:55] = True         # wide: dropped by min_height_ratio
    mask[2:4, 50:52] = True           # speck: dropped by min_area
    found = detect.foreground_boxes(mask, min_area=20, close_size=None)
    np.testing.assert_allclose(found.boxes, [[10, 5, 10, 30]])
    np.testing.assert_allclose(found.scores, [1.0])
    both = detect.foreground_boxes(mask, min_area=20, close_size=None, min_height_ratio=0)
    assert len(both) == 2
    split = np.zeros((40, 20), bool)
    split[0:15, 5:15] = split[18:40, 5:15] = True                   # a person cut at the waist
    assert len(detect.foreground_boxes(split, min_area=10, close_size=None)) == 2
    joined = detect.foreground_boxes(split, min_area=10, close_size=(3, 7))
    np.testing.assert_allclose(joined.boxes, [[5, 0, 10, 40]])
    opened = detect.foreground_boxes(mask, min_area=0, open_size=3, close_size=None, min_height_ratio=0)
    assert len(opened) == 2                                          # the 2x2 speck is opened away
    with pytest.raises(ValueError, match=r"\(H, W\)"):
        detect.foreground_boxes(np.zeros((4, 4, 3)))


# --------------------------------------------------------------------------- MOT files

def test_mot_round_trip(tmp_path):
    dets = [detect.Detections(np.array([[10.0, 20.0, 30.0, 60.0], [1.234, 2.345, 3.456, 4.567]]), np.array([0.9, 0.12345])),
            detect.Detections(np.zeros((0, 4)), np.zeros(0)),
            detect.Detections(np.array([[5.0, 5.0, 5.0, 5.0]]), np.array([1.0]))]
    df = detect.detections_to_mot([3, 4, 5], dets, scale=0.5)
    assert list(df.columns) == ["frame", "id", "left", "top", "width", "height", "conf", "x", "y", "z"]
    assert df.frame.tolist() == [3, 3, 5] and (df.id == -1).all()
    np.testing.assert_allclose(df.iloc[0][["left", "top", "width", "height"]], [20, 40, 60, 120])
    path = detect.write_mot_detections(df, tmp_path / "det.txt")
    assert path.read_text().splitlines()[0] == "3,-1,20.00,40.00,60.00,120.00,0.9000,-1,-1,-1"
    back = detect.read_mot_detections(path)
    np.testing.assert_allclose(back[["left", "top", "width", "height"]], df[["left", "top", "width", "height"]], atol=0.005)
    half = detect.read_mot_detections(path, scale=0.5)
    np.testing.assert_allclose(half.left, back.left * 0.5)
    assert len(detect.detections_to_mot([], [])) == 0


def test_mot_file_errors(tmp_path):
    with pytest.raises(ValueError, match="one per entry"):
        detect.detections_to_mot([1, 2], [detect.Detections(np.zeros((0, 4)), np.zeros(0))])
    with pytest.raises(ValueError, match="scale"):
        detect.detections_to_mot([1], [detect.Detections(np.zeros((0, 4)), np.zeros(0))], scale=0)
    df = detect.detections_to_mot([1], [detect.Detections(np.ones((1, 4)), np.ones(1))])
    with pytest.raises(FileNotFoundError, match="folder not found"):
        detect.write_mot_detections(df, tmp_path / "nope" / "det.txt")
    with pytest.raises(ValueError, match="missing column"):
        detect.write_mot_detections(df.drop(columns="conf"), tmp_path / "det.txt")
    with pytest.raises(FileNotFoundError):
        detect.read_mot_detections(tmp_path / "absent.txt")
    (tmp_path / "bad.txt").write_text("1,-1,2,3\n")
    with pytest.raises(ValueError, match="line 1"):
        detect.read_mot_detections(tmp_path / "bad.txt")
    (tmp_path / "late.txt").write_text("9,-1,1,1,1,1,1,-1,-1,-1\n")
    with pytest.raises(ValueError, match="frame range"):
        detect.read_mot_detections(tmp_path / "late.txt", n_frames=5)


# --------------------------------------------------------------------------- the precomputed files

def _precompute_module():
    spec = importlib.util.spec_from_file_location("precompute_detections", ROOT / "tools" / "precompute_detections.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _same_rows(new: pd.DataFrame, stored_path: Path, last: int):
    stored = detect.read_mot_detections(stored_path)
    stored = stored[stored.frame <= last].reset_index(drop=True)
    new = new.sort_values("frame", kind="stable").reset_index(drop=True)
    assert len(new) == len(stored), f"{stored_path.name}: {len(new)} rows now, {len(stored)} stored"
    np.testing.assert_array_equal(new.frame, stored.frame)
    cols = ["left", "top", "width", "height"]
    np.testing.assert_allclose(new[cols].to_numpy(), stored[cols].to_numpy(), atol=0.011)
    np.testing.assert_allclose(new.conf, stored.conf, atol=2e-4)


def test_precompute_script_reproduces_the_stored_files(tmp_path):
    """Rerun tools/precompute_detections.py on the first frames: the same rows as data/detections/."""
    module = _precompute_module()
    assert module.main(["--last", "3", "--out", str(tmp_path), "--methods", "hog"]) == 0
    timing = json.loads((tmp_path / "timing.json").read_text())
    assert timing["TUD-Campus"]["hog"]["frames"] == 3 and timing["TUD-Campus"]["hog"]["fps"] > 0
    for sequence in ("TUD-Campus", "TUD-Stadtmitte"):
        new = detect.read_mot_detections(tmp_path / f"{sequence}_hog.txt")
        assert len(new) > 0
        _same_rows(new, DETECTIONS / f"{sequence}_hog.txt", last=3)
    for sequence in ("TUD-Campus", "TUD-Stadtmitte"):      # MOG2 needs a few frames to learn the background
        df, seconds, n = module.run(sequence, "mog2", last=15)
        assert n == 15 and len(df) > 0 and seconds > 0
        _same_rows(df, DETECTIONS / f"{sequence}_mog2.txt", last=15)
    with pytest.raises(ValueError, match="method"):
        module.run("TUD-Campus", "sift", last=2)


def test_stored_files_cover_the_sequences():
    timing = json.loads((DETECTIONS / "timing.json").read_text())
    for sequence, n in (("TUD-Campus", 71), ("TUD-Stadtmitte", 179)):
        for method in ("hog", "mog2"):
            df = detect.read_mot_detections(DETECTIONS / f"{sequence}_{method}.txt", n_frames=n)
            assert df.frame.max() <= n and len(df) > 100
            assert timing[sequence][method]["frames"] == n
        seq = V.read_mot_sequence(MOT15 / sequence, images=False)
        hog = V.detection_scores(seq.gt, detect.read_mot_detections(DETECTIONS / f"{sequence}_hog.txt"))
        mog2 = V.detection_scores(seq.gt, detect.read_mot_detections(DETECTIONS / f"{sequence}_mog2.txt"))
        frcnn = V.detection_scores(seq.gt, seq.detections["det_frcnn"])
        assert frcnn["f1"] > hog["f1"] > mog2["f1"] > 0.3           # the order notebook 04 reports


# --------------------------------------------------------------------------- checkers

def test_check_vector_length():
    assert checks_video.check_vector_length(230400)
    assert "Not yet" in checks_video.check_vector_length(...).message
    assert not checks_video.check_vector_length(320 * 240)
    assert not checks_video.check_vector_length("230400")


def test_check_iou():
    assert checks_video.check_iou(lambda a, b: V.box_iou([a], [b])[0, 0])

    def no_clamp(a, b):   # forgets max(0, ...): negative overlaps count
        iw = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
        ih = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
        return iw * ih / (a[2] * a[3] + b[2] * b[3] - iw * ih)

    result = checks_video.check_iou(no_clamp)
    assert not result and "test case 3" in result.message

    def stub(a, b):
        raise NotImplementedError
    assert "Not yet" in checks_video.check_iou(stub).message
    assert "ZeroDivisionError" in checks_video.check_iou(lambda a, b: 1 / 0).message


def test_check_precision_recall_f1():
    assert checks_video.check_precision_recall_f1(lambda tp, fp, fn: checks_video.reference_precision_recall_f1(tp, fp, fn))
    naive = checks_video.check_precision_recall_f1(lambda tp, fp, fn: (tp / (tp + fp), tp / (tp + fn), 0.0))
    assert not naive
    assert not checks_video.check_precision_recall_f1(...)
    s = V.detection_scores(pd.DataFrame([(1, 0, 0, 10, 10)], columns=["frame", "left", "top", "width", "height"]),
                           pd.DataFrame([(1, 0, 0, 10, 10), (1, 50, 50, 5, 5)], columns=["frame", "left", "top", "width", "height"]))
    np.testing.assert_allclose(checks_video.reference_precision_recall_f1(s["tp"], s["fp"], s["fn"]),
                               [s["precision"], s["recall"], s["f1"]])


def test_check_soft_argmax():
    assert checks_video.check_soft_argmax(checks_video.reference_soft_argmax)

    def overflowing(heat):      # no max subtraction: exp(1000) overflows on test case 5
        p = np.exp(heat) / np.exp(heat).sum()
        rows, cols = np.indices(heat.shape)
        return np.array([(p * cols).sum(), (p * rows).sum()])

    with np.errstate(over="ignore", invalid="ignore"):
        result = checks_video.check_soft_argmax(overflowing)
    assert not result and "test case 5" in result.message

    def swapped(heat):          # returns (row, col) instead of (x, y)
        return checks_video.reference_soft_argmax(heat)[::-1]
    assert not checks_video.check_soft_argmax(swapped)
    np.testing.assert_allclose(checks_video.reference_soft_argmax(np.zeros((3, 5))), [2.0, 1.0])
