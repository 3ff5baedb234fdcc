"""Tests for course_utils.video and course_utils.synthvideo: readers, writers, the synthetic
video's ground truth, drawing, animation and detection scoring."""
from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from course_utils import video as V
from course_utils.synthvideo import GT_COLUMNS, synthetic_video, trajectories_to_pixels

ROOT = Path(__file__).resolve().parents[1]
MOT15 = ROOT / "data" / "mot15"


# --------------------------------------------------------------------------- a tiny fake sequence

def make_sequence(folder: Path, n: int = 3, w: int = 32, h: int = 24,
                  gt_rows: str | None = None, det_rows: str | None = None) -> Path:
    from PIL import Image
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "seqinfo.ini").write_text(
        f"[Sequence]\nname={folder.name}\nimDir=img1\nframeRate=10\nseqLength={n}\n"
        f"imWidth={w}\nimHeight={h}\nimExt=.jpg\n")
    (folder / "img1").mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for k in range(1, n + 1):
        img = rng.integers(0, 255, size=(h, w, 3), dtype=np.uint8)
        Image.fromarray(img).save(folder / "img1" / f"{k:06d}.jpg", quality=95)
    (folder / "gt").mkdir(exist_ok=True)
    (folder / "gt" / "gt.txt").write_text(
        gt_rows if gt_rows is not None else
        "1,1,4,4,8,8,1,-1,-1,-1\n2,1,6,4,8,8,1,-1,-1,-1\n3,1,8,4,8,8,1,-1,-1,-1\n3,2,20,2,6,10,1,-1,-1,-1\n")
    (folder / "det").mkdir(exist_ok=True)
    (folder / "det" / "det.txt").write_text(
        det_rows if det_rows is not None else "1,-1,4,5,8,8,0.9,-1,-1,-1\n3,-1,0,0,5,5,0.2,-1,-1,-1\n")
    return folder


def test_fake_sequence_reads(tmp_path):
    seq = V.read_mot_sequence(make_sequence(tmp_path / "seq"))
    assert seq.frames.shape == (3, 24, 32, 3) and seq.frames.dtype == np.uint8
    assert list(seq.frame_numbers) == [1, 2, 3]
    assert seq.frame_rate == 10 and (seq.width, seq.height) == (32, 24)
    assert list(seq.gt.columns) == V.MOT_COLUMNS and len(seq.gt) == 4
    assert set(seq.detections) == {"det"} and len(seq.detections["det"]) == 2
    assert seq.index_of(3) == 2
    with pytest.raises(ValueError, match="not loaded"):
        seq.index_of(7)


def test_fake_sequence_range_every_scale(tmp_path):
    seq = V.read_mot_sequence(make_sequence(tmp_path / "seq"), first=1, last=3, every=2, scale=0.5)
    assert seq.frames.shape == (2, 12, 16, 3)
    assert list(seq.frame_numbers) == [1, 3] and seq.frame_rate == 5
    assert sorted(seq.gt.frame.unique()) == [1, 3]
    row = seq.gt[(seq.gt.frame == 3) & (seq.gt.id == 2)].iloc[0]
    assert (row.left, row.top, row.width, row.height) == (10, 1, 3, 5)   # halved


def test_annotations_only(tmp_path):
    seq = V.read_mot_sequence(make_sequence(tmp_path / "seq"), images=False)
    assert seq.frames is None and len(seq) == 3 and len(seq.gt) == 4


def test_missing_folder_seqinfo_images_frame(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        V.read_mot_sequence(tmp_path / "nowhere")
    folder = make_sequence(tmp_path / "a")
    (folder / "seqinfo.ini").unlink()
    with pytest.raises(FileNotFoundError, match="seqinfo.ini"):
        V.read_mot_sequence(folder)
    folder = make_sequence(tmp_path / "b")
    (folder / "img1" / "000002.jpg").unlink()
    with pytest.raises(FileNotFoundError, match="000002.jpg"):
        V.read_mot_sequence(folder)
    V.read_mot_sequence(folder, last=1)       # frames not asked for are not needed
    folder = make_sequence(tmp_path / "c")
    for p in (folder / "img1").iterdir():
        p.unlink()
    (folder / "img1").rmdir()
    with pytest.raises(FileNotFoundError, match="img1"):
        V.read_mot_sequence(folder)


def test_unreadable_truncated_and_wrong_size_frames(tmp_path):
    from PIL import Image
    folder = make_sequence(tmp_path / "a")
    (folder / "img1" / "000002.jpg").write_bytes(b"not a jpeg at all" * 10)
    with pytest.raises(ValueError, match="000002.jpg"):
        V.read_mot_sequence(folder)
    folder = make_sequence(tmp_path / "b")
    p = folder / "img1" / "000003.jpg"
    p.write_bytes(p.read_bytes()[:-60])
    with pytest.raises(ValueError, match="000003.jpg.*truncated"):
        V.read_mot_sequence(folder)
    folder = make_sequence(tmp_path / "c")
    Image.fromarray(np.zeros((10, 10, 3), np.uint8)).save(folder / "img1" / "000001.jpg")
    with pytest.raises(ValueError, match="000001.jpg.*32x24"):
        V.read_mot_sequence(folder)


@pytest.mark.parametrize("rows, match", [
    ("1,1,4,4,8,8,1,-1,-1,-1\n4,1,4,4,8,8,1,-1,-1,-1\n", r"gt.txt, line 2: frame 4 is outside.*1\.\.3"),
    ("0,1,4,4,8,8,1,-1,-1,-1\n", r"gt.txt, line 1: frame 0 is outside"),
    ("1,1,4,4,8\n", r"gt.txt, line 1: expected 6 to 10"),
    ("1,1,a,4,8,8\n", r"gt.txt, line 1: expected numbers"),
    ("1,1,4,4,-8,8\n", r"gt.txt, line 1: width and height"),
    ("1,1.5,4,4,8,8\n", r"gt.txt, line 1: id must be an integer"),
])
def test_bad_gt_rows(tmp_path, rows, match):
    folder = make_sequence(tmp_path / "s", gt_rows=rows)
    with pytest.raises(ValueError, match=match):
        V.read_mot_sequence(folder, images=False)


def test_bad_det_row_names_file(tmp_path):
    folder = make_sequence(tmp_path / "s", det_rows="9,-1,0,0,5,5,0.2\n")
    with pytest.raises(ValueError, match=r"det.txt, line 1: frame 9 is outside"):
        V.read_mot_sequence(folder, images=False)


def test_bad_seqinfo_and_arguments(tmp_path):
    folder = make_sequence(tmp_path / "s")
    (folder / "seqinfo.ini").write_text("[Sequence]\nname=x\nframeRate=10\nimWidth=32\nimHeight=24\n")
    with pytest.raises(ValueError, match="seqLength"):
        V.read_mot_sequence(folder)
    folder = make_sequence(tmp_path / "t")
    for kwargs, match in [(dict(scale=0), "scale"), (dict(scale=2.0), "scale"),
                          (dict(first=3, last=2), "first, last"), (dict(last=9), "first, last"),
                          (dict(every=0), "every"), (dict(first=0), "first")]:
        with pytest.raises(ValueError, match=match):
            V.read_mot_sequence(folder, **kwargs)


# --------------------------------------------------------------------------- the real TUD data

def test_tud_annotations_match_readme():
    campus = V.read_mot_sequence(MOT15 / "TUD-Campus", images=False)
    stadt = V.read_mot_sequence(MOT15 / "TUD-Stadtmitte", images=False)
    assert (len(campus), len(campus.gt), campus.gt.id.nunique()) == (71, 359, 8)
    assert (len(stadt), len(stadt.gt), stadt.gt.id.nunique()) == (179, 1156, 10)
    assert {k: len(v) for k, v in campus.detections.items()} == {"det": 322, "det_frcnn": 321}
    assert {k: len(v) for k, v in stadt.detections.items()} == {"det": 1129, "det_frcnn": 951}


def test_tud_frames_small():
    seq = V.read_mot_sequence(MOT15 / "TUD-Campus", first=10, last=30, every=10, scale=0.25)
    assert seq.frames.shape == (3, 120, 160, 3) and seq.frames.dtype == np.uint8
    assert list(seq.frame_numbers) == [10, 20, 30]
    assert set(seq.gt.frame) <= {10, 20, 30}
    assert seq.gt.left.min() >= -1 and (seq.gt.left + seq.gt.width).max() <= 161
    assert 30 < seq.frames.mean() < 220            # a real image, not a blank


# --------------------------------------------------------------------------- video files

def test_video_round_trip(tmp_path):
    clip = synthetic_video(40, seed=3)
    path = V.write_video(tmp_path / "clip.mp4", clip.frames, fps=25)
    back = V.read_video(path)
    assert back.shape == clip.frames.shape and back.dtype == np.uint8
    err = np.abs(back.astype(int) - clip.frames)
    # H.264 with yuv420p: colour at half resolution, so errors concentrate on colour edges
    assert err.mean() < 8 and np.median(err) <= 4
    info = V.video_info(path)
    assert (info["width"], info["height"], info["fps"]) == (96, 96, 25.0)
    assert V.read_video(path, max_frames=5).shape == (5, 96, 96, 3)


def test_video_round_trip_odd_size_near_lossless(tmp_path):
    clip = synthetic_video(10, width=45, height=33, seed=1, noise=0)
    back = V.read_video(V.write_video(tmp_path / "odd.mkv", clip.frames, fps=10, crf=0))
    assert back.shape == (10, 33, 45, 3)
    assert np.abs(back.astype(int) - clip.frames).max() <= 4    # only RGB<->YUV rounding


def test_video_errors(tmp_path):
    frames = synthetic_video(30, seed=0).frames
    with pytest.raises(FileNotFoundError, match="nothing.mp4"):
        V.read_video(tmp_path / "nothing.mp4")
    bad = tmp_path / "garbage.mp4"
    bad.write_bytes(b"this is not a video" * 50)
    with pytest.raises(ValueError, match="garbage.mp4"):
        V.read_video(bad)
    good = V.write_video(tmp_path / "good.mp4", frames, fps=25).read_bytes()
    for frac in (0.3, 0.8):
        cut = tmp_path / f"cut{int(frac * 100)}.mp4"
        cut.write_bytes(good[:int(len(good) * frac)])
        with pytest.raises(ValueError, match=cut.name):
            V.read_video(cut)
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.mp4"):
        V.read_video(empty)
    with pytest.raises(FileNotFoundError, match="no_such_dir"):
        V.write_video(tmp_path / "no_such_dir" / "x.mp4", frames)
    with pytest.raises(ValueError, match="path"):
        V.write_video(tmp_path / "x.gif", frames)
    with pytest.raises(ValueError, match="uint8"):
        V.write_video(tmp_path / "x.mp4", frames.astype(float))
    with pytest.raises(ValueError, match=r"\(T, H, W, 3\)"):
        V.write_video(tmp_path / "x.mp4", frames[..., :2])
    with pytest.raises(ValueError, match="fps"):
        V.write_video(tmp_path / "x.mp4", frames, fps=0)


# --------------------------------------------------------------------------- synthetic video

def test_synthetic_shapes_and_columns():
    clip = synthetic_video(50, seed=0)
    assert clip.frames.shape == (50, 96, 96, 3) and clip.frames.dtype == np.uint8
    assert list(clip.gt.columns) == GT_COLUMNS
    assert clip.centres.shape == (4, 50, 2) and clip.radii.shape == (4, 50)
    assert len(clip.shapes) == 4 and len(set(map(tuple, clip.colours))) == 4
    assert set(clip.shapes) == {"disc", "square", "triangle"}
    assert clip.gt.frame.between(0, 49).all() and set(clip.gt.id) == {1, 2, 3, 4}
    assert clip.gt.visibility.between(0, 1).all()
    assert len(clip.occluders) == 1


def test_synthetic_seeded_identical():
    a, b = synthetic_video(60, seed=7), synthetic_video(60, seed=7)
    assert np.array_equal(a.frames, b.frames)
    pd.testing.assert_frame_equal(a.gt, b.gt)
    c = synthetic_video(60, seed=8)
    assert not np.array_equal(a.frames, c.frames)


def test_synthetic_boxes_are_tight_around_masks():
    clip = synthetic_video(40, seed=2, return_masks=True)
    for row in clip.gt.itertuples():
        mask = clip.masks[row.frame, row.id - 1]
        ys, xs = np.nonzero(mask)
        assert (xs.min(), ys.min()) == (row.left, row.top)
        assert (xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) == (row.width, row.height)
        assert row.left <= row.cx <= row.left + row.width and row.top <= row.cy <= row.top + row.height
    seen = clip.visible_masks.sum(axis=(2, 3))
    full = clip.masks.sum(axis=(2, 3))
    expected = seen[clip.gt.frame, clip.gt.id - 1] / full[clip.gt.frame, clip.gt.id - 1]
    np.testing.assert_allclose(clip.gt.visibility, expected)


def test_synthetic_pixels_match_ground_truth():
    """Without noise, every pixel of an object's colour lies in that object's box, the visible
    mask is painted in the object's colour, and the rest is background or occluder."""
    clip = synthetic_video(30, seed=4, noise=0, return_masks=True)
    occ = np.zeros(clip.frames.shape[1:3], bool)
    for left, top, w, h in clip.occluders:
        occ[top:top + h, left:left + w] = True
    for t in range(len(clip)):
        frame = clip.frames[t]
        for row in clip.gt[clip.gt.frame == t].itertuples():
            colour = clip.colours[row.id - 1]
            ys, xs = np.nonzero((frame == colour).all(axis=-1))
            assert (xs >= row.left).all() and (xs < row.left + row.width).all()
            assert (ys >= row.top).all() and (ys < row.top + row.height).all()
            assert (frame[clip.visible_masks[t, row.id - 1]] == colour).all()
        free = ~clip.masks[t].any(axis=0) & ~occ
        assert np.array_equal(frame[free], clip.background[free])


def test_visibility_is_one_without_occlusion():
    clip = synthetic_video(50, n_objects=1, n_occluders=0, seed=5)
    assert len(clip.gt) == 50 and (clip.gt.visibility == 1).all()
    t = np.arange(30)
    paths = np.stack([np.stack([10 + t, np.full(30, 20.0)], 1),
                      np.stack([80 - t, np.full(30, 75.0)], 1)])     # far apart, never overlapping
    clip = synthetic_video(trajectories=paths, occluders=[], seed=1)
    assert (clip.gt.visibility == 1).all() and len(clip.gt) == 60


def test_visibility_drops_to_zero_behind_a_full_occluder():
    t = np.arange(61, dtype=float)
    path = np.stack([10 + 1.25 * t, np.full_like(t, 48.0)], axis=1)[None]     # x: 10 -> 85
    clip = synthetic_video(trajectories=path, occluders=[(36, 28, 24, 40)], object_size=8,
                           shapes=["disc"], seed=0)
    vis = clip.gt.set_index("frame").visibility
    assert vis[0] == 1 and vis[60] == 1
    centre = int(np.argmin(np.abs(path[0, :, 0] - 47.5)))
    assert vis[centre] == 0
    entering = vis.loc[:centre].to_numpy()
    assert (np.diff(entering) <= 0.02).all()        # hidden more and more while entering
    assert ((vis > 0) & (vis < 1)).any()          # partly hidden while passing the edges


def test_nearer_object_is_larger_and_in_front():
    t = np.arange(21, dtype=float)
    a = np.stack([20 + 2.5 * t, np.full_like(t, 40.0)], axis=1)     # farther (higher up)
    b = np.stack([70 - 2.5 * t, np.full_like(t, 43.0)], axis=1)     # nearer (lower)
    clip = synthetic_video(trajectories=np.stack([a, b]), occluders=[], shapes=["disc", "disc"],
                           seed=0)
    gt = clip.gt.set_index(["frame", "id"])
    cross = 10
    assert gt.loc[(cross, 2), "visibility"] == 1
    assert gt.loc[(cross, 1), "visibility"] < 0.5
    far = synthetic_video(trajectories=np.array([[[48.0, 10.0]], [[48.0, 85.0]]]), occluders=[],
                          shapes=["square", "square"], seed=0, object_size=9)
    areas = (far.gt.width * far.gt.height).to_numpy()
    assert areas[1] > 2 * areas[0]


def test_absent_objects_have_no_rows():
    t = np.arange(10, dtype=float)
    path = np.stack([20 + 5 * t, np.full_like(t, 50.0)], axis=1)
    path[3:5] = np.nan
    clip = synthetic_video(trajectories=path[None], occluders=[], seed=0)
    assert sorted(clip.gt.frame) == [0, 1, 2, 5, 6, 7, 8, 9]


def test_synthetic_default_clip_is_small():
    clip = synthetic_video(200, seed=0)      # the default training size: small
    assert clip.frames.nbytes == 200 * 96 * 96 * 3


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 6), occ=st.integers(0, 2))
def test_synthetic_laws(seed, n, occ):
    clip = synthetic_video(12, n_objects=n, n_occluders=occ, seed=seed, return_masks=True)
    assert clip.gt.visibility.between(0, 1).all()
    assert len(clip.gt) == 12 * n                 # default paths stay inside the frame
    full = clip.masks.sum(axis=(2, 3))
    assert (full > 0).all()
    assert (clip.visible_masks <= clip.masks).all()
    # no pixel is seen as two objects at once
    assert (clip.visible_masks.sum(axis=1) <= 1).all()


def test_synthetic_bad_inputs():
    for kwargs, match in [
        (dict(trajectories=np.zeros((2, 5)), n_frames=None), "trajectories"),
        (dict(trajectories=np.zeros((1, 5, 2)) + 40, n_frames=6), "n_frames"),
        (dict(shapes=["disc", "hexagon", "disc", "disc"]), "hexagon"),
        (dict(shapes=["disc"]), "shapes"),
        (dict(far_scale=0), "far_scale"),
        (dict(occluders=[(1, 2, 3)]), "occluders"),
        (dict(occluders=[(1, 2, 0, 4)]), "occluders"),
        (dict(noise=-1), "noise"),
        (dict(n_objects=0), "n_objects"),
        (dict(width=4), "width"),
        (dict(object_size=60), "object_size"),
    ]:
        with pytest.raises(ValueError, match=match):
            synthetic_video(**{"n_frames": 5, **kwargs})


def test_trajectories_to_pixels():
    class Track:   # duck-types course_utils.data.Trajectory
        def __init__(self, xy):
            self.xy = np.asarray(xy, float)

    a = Track([[0, 0], [1, 0], [2, 0], [3, 0]])
    b = np.array([[0, 0], [0, 2.0]])
    px = trajectories_to_pixels([a, b], 96, 64, margin=8)
    assert px.shape == (2, 4, 2)
    assert np.isnan(px[1, 2:]).all() and np.isfinite(px[0]).all()
    pts = px[np.isfinite(px[..., 0])]
    assert pts[:, 0].min() >= 8 - 1e-9 and pts[:, 0].max() <= 95 - 8 + 1e-9
    assert pts[:, 1].min() >= 8 - 1e-9 and pts[:, 1].max() <= 63 - 8 + 1e-9
    assert px[1, 1, 1] < px[1, 0, 1]                 # y up in metres -> up in the image
    d = np.diff(px[0], axis=0)
    np.testing.assert_allclose(d, np.broadcast_to(d[0], d.shape))   # constant speed stays constant
    assert trajectories_to_pixels([a], n_frames=2).shape == (1, 2, 2)
    clip = synthetic_video(trajectories=px, seed=0)
    assert clip.frames.shape == (4, 96, 96, 3)
    with pytest.raises(ValueError, match="tracks"):
        trajectories_to_pixels([])
    with pytest.raises(ValueError, match=r"tracks\[0\]"):
        trajectories_to_pixels([np.zeros((3, 3))])


# --------------------------------------------------------------------------- drawing and showing

def test_draw_boxes_draws_on_a_copy():
    frame = np.zeros((40, 50, 3), np.uint8)
    out = V.draw_boxes(frame, [[5, 10, 20, 15], [np.nan, 0, 1, 1]], colors=[(255, 0, 0), (0, 255, 0)])
    assert frame.sum() == 0 and out.shape == frame.shape
    assert (out[10, 5:25] == (255, 0, 0)).all() and (out[24, 5:25] == (255, 0, 0)).all()
    assert (out[10:25, 5] == (255, 0, 0)).all() and (out[10:25, 24] == (255, 0, 0)).all()
    assert out[17, 15].sum() == 0 and out[:, 26:].sum() == 0     # inside and right of it: untouched
    out = V.draw_boxes(frame, [[5, 10, 20, 15]], ids=[3],
                       trails=[np.array([[0.0, 0.0], [10.0, 5.0], [15.0, 17.0]])])
    assert tuple(out[10, 6]) == V.color_for_id(3)
    with pytest.raises(ValueError, match="ids"):
        V.draw_boxes(frame, [[5, 10, 20, 15]], ids=[1, 2])
    with pytest.raises(ValueError, match="boxes"):
        V.draw_boxes(frame, [[5, 10, 20]])
    with pytest.raises(ValueError, match="colors"):
        V.draw_boxes(frame, [[5, 10, 20, 15]], colors=[(1, 2)])
    with pytest.raises(ValueError, match="frame"):
        V.draw_boxes(frame[..., 0].astype(float), [[5, 10, 20, 15]])


def test_draw_tracks_synthetic_and_mot_numbers(tmp_path):
    clip = synthetic_video(8, seed=1)
    out = V.draw_tracks(clip.frames, clip.gt, zoom=2, trail=3)
    assert out.shape == (8, 192, 192, 3) and not np.array_equal(out[:, ::2, ::2], clip.frames)
    seq = V.read_mot_sequence(make_sequence(tmp_path / "s"), every=2)
    drawn = V.draw_tracks(seq.frames, seq.gt, frame_numbers=seq.frame_numbers)
    assert drawn.shape == seq.frames.shape
    assert (drawn[1] != seq.frames[1]).any()      # frame 3 has boxes
    with pytest.raises(ValueError, match="missing column"):
        V.draw_tracks(clip.frames, clip.gt.drop(columns="width"))
    with pytest.raises(ValueError, match="frame_numbers"):
        V.draw_tracks(clip.frames, clip.gt, frame_numbers=[1, 2])


def test_animate_is_small_html_video():
    clip = synthetic_video(100, seed=0)
    html = V.animate(clip.frames, fps=10)
    text = html.data
    assert text.startswith("<video") and "data:video/mp4;base64," in text
    mp4 = base64.b64decode(text.split("base64,")[1].split('"')[0])
    assert mp4[4:8] == b"ftyp" and len(mp4) == html.n_bytes
    assert len(text) < 1_000_000                    # the notebook stays small
    odd = V.animate(clip.frames[:5, :45, :45], zoom=1)   # odd sizes are padded for browsers
    assert odd.n_bytes > 0
    with pytest.raises(ValueError, match="max_frames"):
        V.animate(clip.frames, max_frames=50)
    with pytest.raises(ValueError, match="uint8"):
        V.animate(clip.frames / 255.0)


def test_frame_scrubber_updates_image():
    clip = synthetic_video(6, seed=0)
    caps = [f"t={t}" for t in range(6)]
    w = V.frame_scrubber(clip.frames, zoom=2, captions=caps)
    assert w.slider.max == 5 and w.caption.value == "t=0"
    first = w.image.value
    w.slider.value = 4
    assert w.image.value != first and w.caption.value == "t=4"
    with pytest.raises(ValueError, match="captions"):
        V.frame_scrubber(clip.frames, captions=["a"])


# --------------------------------------------------------------------------- detection scoring

def test_box_iou_hand_values():
    a = [[0, 0, 10, 10]]
    b = [[1, 0, 10, 10], [5, 0, 10, 10], [20, 20, 5, 5], [0, 0, 10, 10]]
    np.testing.assert_allclose(V.box_iou(a, b), [[90 / 110, 50 / 150, 0.0, 1.0]])
    assert V.box_iou([], b).shape == (0, 4)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-50, 50), st.floats(-50, 50), st.floats(0.1, 40), st.floats(0.1, 40)),
                min_size=1, max_size=5))
def test_box_iou_laws(boxes):
    m = V.box_iou(boxes, boxes)
    assert ((m >= 0) & (m <= 1 + 1e-12)).all()
    np.testing.assert_allclose(m, m.T)
    np.testing.assert_allclose(np.diag(m), 1.0)


def test_match_detections_is_optimal_not_greedy():
    gt = [[0, 0, 10, 10], [3, 0, 10, 10]]
    det = [[1, 0, 10, 10], [-3, 0, 10, 10]]
    # greedy on the best IoU pairs det 0 with gt 0 (0.82) and leaves det 1 (0.25 with gt 1);
    # the optimal assignment pairs det 0-gt 1 (0.67) and det 1-gt 0 (0.54): two matches
    m = V.match_detections(gt, det, iou=0.5)
    assert sorted(map(tuple, m.pairs)) == [(0, 1), (1, 0)]
    np.testing.assert_allclose(sorted(m.iou), [70 / 130, 80 / 120])
    assert len(m.unmatched_gt) == 0 and len(m.unmatched_det) == 0
    empty = V.match_detections([], det)
    assert len(empty.pairs) == 0 and list(empty.unmatched_det) == [0, 1]
    with pytest.raises(ValueError, match="iou"):
        V.match_detections(gt, det, iou=0)


def test_detection_scores_hand_made():
    gt = pd.DataFrame([
        (1, 0, 0, 10, 10), (1, 20, 0, 10, 10),    # frame 1: A (found), B (missed)
        (2, 0, 0, 10, 10),                        # frame 2: C, found only at IoU 1/3
        (4, 0, 0, 10, 10),                        # frame 4: D, no detection at all
    ], columns=["frame", "left", "top", "width", "height"])
    det = pd.DataFrame([
        (1, 1, 0, 10, 10, 0.9),      # A, IoU 0.82
        (1, 50, 50, 5, 5, 0.3),      # nothing there
        (2, 5, 0, 10, 10, 0.8),      # C, IoU 1/3
        (3, 0, 0, 4, 4, 0.1),        # frame without ground truth
    ], columns=["frame", "left", "top", "width", "height", "conf"])
    s = V.detection_scores(gt, det, iou=0.5)
    assert (s["tp"], s["fp"], s["fn"]) == (1, 3, 3)
    assert s["precision"] == pytest.approx(0.25) and s["recall"] == pytest.approx(0.25)
    assert s["f1"] == pytest.approx(0.25)
    s = V.detection_scores(gt, det, iou=0.3)
    assert (s["tp"], s["fp"], s["fn"]) == (2, 2, 2) and s["f1"] == pytest.approx(0.5)
    s = V.detection_scores(gt, det, iou=0.5, min_conf=0.5)
    assert (s["tp"], s["fp"], s["fn"]) == (1, 1, 3)
    assert s["precision"] == pytest.approx(0.5) and s["recall"] == pytest.approx(0.25)
    none = V.detection_scores(gt, det.iloc[:0])
    assert (none["precision"], none["recall"], none["f1"], none["fn"]) == (0.0, 0.0, 0.0, 4)
    with pytest.raises(ValueError, match="missing column"):
        V.detection_scores(gt.drop(columns="top"), det)
    with pytest.raises(ValueError, match="conf"):
        V.detection_scores(gt, det.drop(columns="conf"), min_conf=0.5)
    with pytest.raises(ValueError, match="DataFrame"):
        V.detection_scores(gt.to_numpy(), det)


def test_detection_scores_on_tud_campus():
    seq = V.read_mot_sequence(MOT15 / "TUD-Campus", images=False)
    frcnn = V.detection_scores(seq.gt, seq.detections["det_frcnn"])
    dpm = V.detection_scores(seq.gt, seq.detections["det"])
    assert frcnn["tp"] + frcnn["fn"] == 359 and frcnn["tp"] + frcnn["fp"] == 321
    assert frcnn["f1"] > dpm["f1"]             # the Faster R-CNN detector is the better one


def test_synthetic_video_follows_course_trajectory_families():
    from course_utils import data
    tracks = data.generate_synthetic(4, length=30, seed=0)
    px = trajectories_to_pixels(tracks, 96, 96)
    clip = synthetic_video(trajectories=px, seed=0)
    assert clip.frames.shape == (30, 96, 96, 3) and len(clip.gt) == 4 * 30
    np.testing.assert_allclose(clip.gt.sort_values(["id", "frame"]).cx.to_numpy(),
                               px[:, :, 0].ravel())


# --------------------------------------------------------------------------- target clips (notebook 04)

def test_target_clips_shapes_and_seeds():
    from course_utils.synthvideo import target_clips
    a = target_clips(3, n_frames=20, size=48, seed=5)
    b = target_clips(3, n_frames=20, size=48, seed=5)
    assert a.frames.shape == (3, 20, 48, 48, 3) and a.frames.dtype == np.uint8
    assert a.centres.shape == (3, 20, 2) and a.visibility.shape == (3, 20) and len(a) == 3
    np.testing.assert_array_equal(a.frames, b.frames)
    assert not np.array_equal(a.frames, target_clips(3, n_frames=20, size=48, seed=6).frames)
    assert "3 clips of 20 frames" in repr(a)


def test_target_clips_hide_the_target_behind_the_first_pillar_only():
    from course_utils.synthvideo import target_clips
    clips = target_clips(6, seed=0)
    radius = 64 / 14 * 1.15
    for c in range(len(clips)):
        vis, xy = clips.visibility[c], clips.centres[c]
        assert (vis == 0).any() and (vis == 1).any()
        assert len(clips.occluders[c]) == 2
        left, top, w, h = clips.occluders[c][0]
        hidden = vis == 0
        inside = (xy[:, 0] >= left) & (xy[:, 0] < left + w) & (xy[:, 1] >= top) & (xy[:, 1] < top + h)
        assert inside[hidden].mean() > 0.5             # mostly behind the pillar on its path
        left, top, w, h = clips.occluders[c][1]        # the decoy never touches the target
        dx = np.maximum(np.maximum(left - xy[:, 0], xy[:, 0] - (left + w - 1)), 0)
        dy = np.maximum(np.maximum(top - xy[:, 1], xy[:, 1] - (top + h - 1)), 0)
        assert np.hypot(dx, dy).min() > radius


def test_target_clips_centres_match_the_red_pixels():
    from course_utils.synthvideo import target_clips
    clips = target_clips(2, seed=3)
    f = clips.frames.astype(int)
    red = (f[..., 0] > 150) & (f[..., 1] < 110) & (f[..., 2] < 110)
    rows, cols = np.mgrid[0:64, 0:64]
    full = clips.visibility == 1
    cx = (red * cols).sum(axis=(-2, -1))[full] / red.sum(axis=(-2, -1))[full]
    cy = (red * rows).sum(axis=(-2, -1))[full] / red.sum(axis=(-2, -1))[full]
    np.testing.assert_allclose(cx, clips.centres[..., 0][full], atol=0.35)
    np.testing.assert_allclose(cy, clips.centres[..., 1][full], atol=0.35)


def test_target_clips_bad_inputs():
    from course_utils.synthvideo import target_clips
    for kwargs, match in [({"n_clips": 0}, "n_clips"), ({"n_clips": 1, "n_frames": 4}, "n_frames"),
                          ({"n_clips": 1, "size": 16}, "size"), ({"n_clips": 1, "noise": -1}, "noise"),
                          ({"n_clips": 1, "n_decoys": -1}, "n_decoys"), ({"n_clips": 1, "seed": -2}, "seed")]:
        with pytest.raises(ValueError, match=match):
            target_clips(**kwargs)
