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
REFERENCE = json.loads((DETECTIONS / "opencv4_hog_reference.json").read_text())


def _opencv4():
    import cv2
    return cv2 if hasattr(cv2, "HOGDescriptor") else None


@pytest.fixture(scope="module")
def stadtmitte():
    """Frames 1 and 91 of TUD-Stadtmitte at full size."""
    return V.read_mot_sequence(MOT15 / "TUD-Stadtmitte", first=1, last=91, every=90)


# --------------------------------------------------------------------------- HOG descriptor

def test_svm_weights_load():
    w, b = detect.load_hog_people_svm()
    assert w.shape == (detect.HOG_DESCRIPTOR_SIZE,) == (3780,) and w.dtype == np.float32
    assert b == pytest.approx(-6.6657915)


def test_svm_weights_bad_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        detect.load_hog_people_svm(tmp_path / "missing.txt")
    (tmp_path / "short.txt").write_text("# header\n1.0\n2.0\n")
    with pytest.raises(ValueError, match="3781 numbers"):
        detect.load_hog_people_svm(tmp_path / "short.txt")
    (tmp_path / "text.txt").write_text("1.0\nabc\n")
    with pytest.raises(ValueError, match="one number per line"):
        detect.load_hog_people_svm(tmp_path / "text.txt")


def test_descriptor_matches_opencv4_reference(stadtmitte):
    ref = REFERENCE["descriptor"]
    (r0, r1), (c0, c1) = ref["rows"], ref["cols"]
    mine = detect.hog_descriptor(stadtmitte.frames[0][r0:r1, c0:c1])
    assert mine.shape == (3780,)
    # OpenCV uses a fast arctangent approximation: the same descriptor to ~3e-4
    np.testing.assert_allclose(mine, ref["values"], atol=1e-3)


def test_window_scores_match_opencv4_reference(stadtmitte):
    import cv2
    ref = REFERENCE["window_scores"]
    small = cv2.resize(stadtmitte.frames[1], tuple(ref["resized_to"]), interpolation=cv2.INTER_LINEAR_EXACT)
    scores = detect.hog_window_scores(small, padding=8)
    assert list(scores.shape) == ref["shape"]
    np.testing.assert_allclose(scores.ravel(), ref["values"], atol=5e-3)


def test_detector_matches_opencv4_reference(stadtmitte):
    """Whole windows (person_box=(1, 1)) as OpenCV's detectMultiScale groups them, to a pixel."""
    ref = REFERENCE["detect_multiscale"]
    found = detect.HOGPeopleDetector(person_box=(1, 1)).detect(stadtmitte.frames[1])
    mine = sorted(map(tuple, found.boxes.tolist()))
    theirs = sorted(map(tuple, ref["boxes"]))
    assert len(mine) == len(theirs)
    np.testing.assert_allclose(mine, theirs, atol=1.0)


@pytest.mark.skipif(_opencv4() is None, reason="OpenCV 4 (cv2.HOGDescriptor) is not installed")
def test_descriptor_against_live_opencv4():  # pragma: no cover - runs only where OpenCV 4 is installed
    cv2 = _opencv4()
    rng = np.random.default_rng(0)
    window = rng.integers(0, 256, size=(128, 64, 3), dtype=np.uint8)
    ref = cv2.HOGDescriptor().compute(cv2.cvtColor(window, cv2.COLOR_RGB2BGR)).ravel()
    np.testing.assert_allclose(detect.hog_descriptor(window), ref, atol=1e-3)


def test_descriptor_is_normalised_and_grey_frames_work():
    rng = np.random.default_rng(1)
    grey = rng.integers(0, 256, size=(128, 64), dtype=np.uint8)
    d = detect.hog_descriptor(grey)
    blocks = d.reshape(105, 36)
    np.testing.assert_allclose(np.linalg.norm(blocks, axis=1), 1.0, atol=1e-2)   # L2-Hys: unit blocks
    assert (d >= 0).all() and d.max() <= 0.5
    np.testing.assert_allclose(d, detect.hog_descriptor(np.repeat(grey[..., None], 3, axis=-1)))


def test_descriptor_orientation_of_an_edge():
    """Bins are 20 degrees wide, centred at 10, 30, ..., 170 degrees (unsigned orientation)."""
    vertical_edge = np.zeros((128, 64, 3), np.uint8)
    vertical_edge[:, 32:] = 200                  # gradient at 0 degrees: shared by bins 0 and 8
    totals = detect.hog_descriptor(vertical_edge).reshape(105, 4, 9).sum(axis=(0, 1))
    assert totals[0] == pytest.approx(totals[8]) and totals[0] > 0 and totals[1:8].sum() == 0
    horizontal_edge = np.zeros((128, 64, 3), np.uint8)
    horizontal_edge[64:] = 200                   # gradient at 90 degrees: all in bin 4 (80-100)
    totals = detect.hog_descriptor(horizontal_edge).reshape(105, 4, 9).sum(axis=(0, 1))
    assert totals.argmax() == 4 and totals[4] > 0 and np.delete(totals, 4).sum() == pytest.approx(0, abs=1e-6)


def test_hog_bad_inputs():
    with pytest.raises(ValueError, match=r"64x128 image"):
        detect.hog_descriptor(np.zeros((64, 128, 3), np.uint8))
    with pytest.raises(ValueError, match="uint8"):
        detect.hog_descriptor(np.zeros((128, 64, 3)))
    with pytest.raises(ValueError, match="batch"):
        detect.hog_block_grid(np.zeros((2, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="None"):
        detect.hog_block_grid(None)
    with pytest.raises(ValueError, match="empty"):
        detect.hog_block_grid(np.zeros((0, 5, 3), np.uint8))
    with pytest.raises(ValueError, match="multiple of 8"):
        detect.hog_block_grid(np.zeros((32, 32, 3), np.uint8), padding=4)
    with pytest.raises(ValueError, match="at least 16x16"):
        detect.hog_block_grid(np.zeros((8, 8, 3), np.uint8))
    with pytest.raises(ValueError, match="3780"):
        detect.hog_window_scores(np.zeros((128, 64, 3), np.uint8), np.zeros(10), 0.0)
    assert detect.hog_window_scores(np.zeros((40, 40, 3), np.uint8), padding=0).shape == (0, 0)
    for kwargs, match in [({"scale_step": 1.0}, "scale_step"), ({"padding": 3}, "multiple of 8"),
                          ({"person_box": (0, 1)}, "person_box"), ({"hit_threshold": np.nan}, "hit_threshold"),
                          ({"weights": np.zeros(5)}, "3780")]:
        with pytest.raises(ValueError, match=match):
            detect.HOGPeopleDetector(**kwargs)
    with pytest.raises(ValueError, match="uint8"):
        detect.HOGPeopleDetector().detect(np.zeros((200, 100, 3), np.float32))


def test_small_frames_have_no_pyramid_and_no_detections():
    det = detect.HOGPeopleDetector()
    assert det.scales(64, 128) == [1.0] and det.scales(63, 200) == []
    found = det.detect(np.full((100, 60, 3), 128, np.uint8))
    assert found.boxes.shape == (0, 4) and found.scores.shape == (0,) and len(found) == 0
    assert len(det.scales(640, 480)) == 28                       # as OpenCV: 1.05 ** 27 * 128 <= 480


def test_person_box_is_the_centre_of_the_window(stadtmitte):
    whole = detect.HOGPeopleDetector(person_box=(1, 1)).detect(stadtmitte.frames[1])
    person = detect.HOGPeopleDetector().detect(stadtmitte.frames[1])
    np.testing.assert_allclose(person.boxes[:, 2:], whole.boxes[:, 2:] * [0.5, 0.75])
    np.testing.assert_allclose(person.boxes[:, :2] + person.boxes[:, 2:] / 2, whole.boxes[:, :2] + whole.boxes[:, 2:] / 2)
    np.testing.assert_allclose(person.scores, whole.scores)


# --------------------------------------------------------------------------- grouping

def test_group_windows_hand_made():
    boxes = [[100, 100, 64, 128], [102, 98, 64, 128], [98, 101, 64, 128],    # one person, three hits
             [300, 50, 64, 128], [302, 52, 64, 128],                          # two hits only
             [500, 10, 64, 128]]                                              # a lone hit
    scores = [0.5, 1.5, 0.2, 3.0, 2.0, 4.0]
    g = detect.group_windows(boxes, scores, min_neighbours=2)
    np.testing.assert_allclose(g.boxes, [[100, 100, 64, 128]])               # the rounded mean
    np.testing.assert_allclose(g.scores, [1.5])                              # the group's best
    g1 = detect.group_windows(boxes, scores, min_neighbours=1)
    assert len(g1) == 2 and sorted(g1.scores) == [1.5, 3.0]
    g0 = detect.group_windows(boxes, scores, min_neighbours=0)               # no grouping
    assert len(g0) == 6
    empty = detect.group_windows(np.zeros((0, 4)), [])
    assert empty.boxes.shape == (0, 4)
    with pytest.raises(ValueError, match="one per box"):
        detect.group_windows(boxes, scores[:2])


def test_group_windows_drops_small_group_inside_a_larger_one():
    big = [[100, 100, 100, 200]] * 5
    small = [[120, 130, 50, 100]] * 3
    g = detect.group_windows(big + small, [1.0] * 5 + [2.0] * 3, min_neighbours=2)
    np.testing.assert_allclose(g.boxes, [[100, 100, 100, 200]])


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


@pytest.mark.slow
def test_precompute_script_reproduces_the_stored_files(tmp_path):
    """Rerun tools/precompute_detections.py on the first frames: the same rows as data/detections/."""
    module = _precompute_module()
    assert module.main(["--last", "2", "--out", str(tmp_path), "--methods", "hog"]) == 0
    timing = json.loads((tmp_path / "timing.json").read_text())
    assert timing["TUD-Campus"]["hog"]["frames"] == 2 and timing["TUD-Campus"]["hog"]["fps"] > 0
    for sequence in ("TUD-Campus", "TUD-Stadtmitte"):
        new = detect.read_mot_detections(tmp_path / f"{sequence}_hog.txt")
        assert len(new) > 0
        _same_rows(new, DETECTIONS / f"{sequence}_hog.txt", last=2)
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
