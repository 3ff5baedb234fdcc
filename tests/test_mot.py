"""Tests for course_utils.mot: MOTChallenge files in and out."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_utils.mot import (MOT_COLUMNS, detections_by_frame, mot_frame, read_mot, read_seqinfo,
                              trajectories_by_id, write_mot, xywh_to_xyxy, xyxy_to_xywh)

ROOT = Path(__file__).resolve().parents[1]
MOT15 = ROOT / "data" / "mot15"


@pytest.mark.parametrize("seq, fname, n_rows", [
    ("TUD-Campus", "gt/gt.txt", 359), ("TUD-Stadtmitte", "gt/gt.txt", 1156),
    ("TUD-Campus", "det/det.txt", 322), ("TUD-Stadtmitte", "det/det.txt", 1129),
    ("TUD-Campus", "det/det_frcnn.txt", 321), ("TUD-Stadtmitte", "det/det_frcnn.txt", 951),
])
def test_read_mot_counts_match_the_data_readme(seq, fname, n_rows):
    df = read_mot(MOT15 / seq / fname)
    assert list(df.columns) == MOT_COLUMNS
    assert len(df) == n_rows
    assert df["frame"].dtype == np.int64 and df["id"].dtype == np.int64
    assert df["frame"].is_monotonic_increasing
    assert (df[["width", "height"]] > 0).all().all()


def test_read_mot_first_gt_row():
    df = read_mot(MOT15 / "TUD-Campus" / "gt" / "gt.txt")
    assert df.iloc[0].tolist() == [1, 1, 399, 182, 121, 229, 1, -1, -1, -1]
    assert df["id"].nunique() == 8


def test_read_mot_sorts_by_frame_and_fills_defaults(tmp_path):
    p = tmp_path / "gt.txt"
    p.write_text("2,1,10,20,30,40\n\n1,5,1,2,3,4,0.5\n1,2, 1, 2, 3, 4, 1, -1, -1, -1\n")
    df = read_mot(p)
    assert df["frame"].tolist() == [1, 1, 2]
    assert df["id"].tolist() == [2, 5, 1]
    assert df.iloc[1][["conf", "x", "y", "z"]].tolist() == [0.5, -1, -1, -1]
    assert df.iloc[2]["conf"] == 1.0


def test_read_mot_missing_file_names_it(tmp_path):
    missing = tmp_path / "nope" / "det.txt"
    with pytest.raises(FileNotFoundError, match="nope"):
        read_mot(missing)


@pytest.mark.parametrize("line, message", [
    ("1,2,3", "6 to 10"),
    ("1,-1,a,2,3,4,1,-1,-1,-1", "expected numbers"),
    ("1.5,1,1,2,3,4", "frame must be an integer"),
    ("0,1,1,2,3,4", "frame must be an integer >= 1"),
    ("1,1.5,1,2,3,4", "id must be an integer"),
    ("1,1,1,2,-3,4", "width and height must be >= 0"),
    ("1,1,1,2,3,nan", "NaN"),
])
def test_read_mot_malformed_line_names_file_and_line(tmp_path, line, message):
    p = tmp_path / "bad.txt"
    p.write_text("1,1,1,2,3,4,1,-1,-1,-1\n" + line + "\n")
    with pytest.raises(ValueError, match=message) as info:
        read_mot(p)
    assert "bad.txt" in str(info.value) and "line 2" in str(info.value)


def test_read_seqinfo():
    info = read_seqinfo(MOT15 / "TUD-Campus")
    assert info == {"name": "TUD-Campus", "imDir": "img1", "frameRate": 25, "seqLength": 71,
                    "imWidth": 640, "imHeight": 480, "imExt": ".jpg"}
    assert read_seqinfo(str(MOT15 / "TUD-Stadtmitte"))["seqLength"] == 179


def test_read_seqinfo_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="seqinfo.ini"):
        read_seqinfo(tmp_path)
    (tmp_path / "seqinfo.ini").write_text("[Sequence]\nname=x\n")
    with pytest.raises(ValueError, match="imDir"):
        read_seqinfo(tmp_path)
    (tmp_path / "seqinfo.ini").write_text("[Other]\nname=x\n")
    with pytest.raises(ValueError, match=r"\[Sequence\]"):
        read_seqinfo(tmp_path)


def test_detections_by_frame_covers_every_frame_in_corner_format():
    path = MOT15 / "TUD-Campus" / "det" / "det_frcnn.txt"
    dets = detections_by_frame(path)
    assert list(dets) == list(range(1, 72))
    assert sum(len(d) for d in dets.values()) == 321
    assert all(d.shape[1] == 5 for d in dets.values())
    np.testing.assert_allclose(dets[1][0], [281.931, 187.466, 281.931 + 79.93,
                                            187.466 + 209.537, 0.997784])
    strict = detections_by_frame(read_mot(path), min_score=0.99)
    assert 0 < sum(len(d) for d in strict.values()) < 321
    assert all((d[:, 4] >= 0.99).all() for d in strict.values())


def test_detections_by_frame_empty_frames_and_n_frames():
    rows = np.array([[2, -1, 0, 0, 10, 10, 0.9], [4, -1, 5, 5, 10, 20, 0.8]])
    dets = detections_by_frame(rows, n_frames=5)
    assert list(dets) == [1, 2, 3, 4, 5]
    assert dets[1].shape == (0, 5) and dets[3].shape == (0, 5) and dets[5].shape == (0, 5)
    np.testing.assert_allclose(dets[4], [[5, 5, 15, 25, 0.8]])
    with pytest.raises(ValueError, match="n_frames"):
        detections_by_frame(rows, n_frames=-1)


def test_write_mot_round_trip(tmp_path):
    rows = np.array([[2, 7, 1.234, 2.5, 30, 40, 1, -1, -1, -1],
                     [1, 3, 10.0, 20.0, 5.555, 6.0, 1, -1, -1, -1]])
    path = write_mot(rows, tmp_path / "out" / "TUD-Campus.txt")
    assert path.read_text().splitlines()[0] == "1,3,10.00,20.00,5.55,6.00,1,-1,-1,-1"
    back = read_mot(path)
    np.testing.assert_allclose(back.to_numpy(dtype=float), rows[[1, 0]], atol=0.006)


def test_mot_frame_checks_shape_and_sizes():
    with pytest.raises(ValueError, match="rows"):
        mot_frame(np.zeros((3, 4)))
    with pytest.raises(ValueError, match="width and height"):
        mot_frame(np.array([[1, 1, 0, 0, -1, 3]]))
    with pytest.raises(ValueError, match="lacks"):
        mot_frame(pd.DataFrame({"frame": [1]}))
    assert mot_frame(np.empty((0, 10))).shape == (0, 10)


def test_trajectories_by_id_centres():
    traj = trajectories_by_id(MOT15 / "TUD-Campus" / "gt" / "gt.txt")
    assert sorted(traj) == list(range(1, 9))
    frames, boxes = traj[1]
    assert frames[0] == 1 and (np.diff(frames) > 0).all()
    np.testing.assert_allclose(boxes[0], [399 + 121 / 2, 182 + 229 / 2, 121, 229])


def test_box_format_round_trip():
    b = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_allclose(xywh_to_xyxy(b), [[1, 2, 4, 6]])
    np.testing.assert_allclose(xyxy_to_xywh(xywh_to_xyxy(b)), b)
