"""Tests for course_utils.tracking and course_utils.mot_metrics."""
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from course_utils.mot import detections_by_frame, read_mot
from course_utils.mot_metrics import METRIC_NAMES, evaluate_mot, metrics_table
from course_utils.tracking import (DisplacementPredictor, KalmanBox, LSTMMotion, NoMotion,
                                   NumpyLSTM, Tracker, associate, centre_distance_matrix,
                                   constant_velocity_displacement, iou_matrix, lstm_weights,
                                   motion_windows, numpy_lstm_forward, run_tracker,
                                   simulate_detections, synthetic_scene)

ROOT = Path(__file__).resolve().parents[1]
MOT15 = ROOT / "data" / "mot15"


# --------------------------------------------------------------------------- IoU
@pytest.mark.parametrize("a, b, expected", [
    ([0, 0, 2, 2], [0, 0, 2, 2], 1.0),            # identical
    ([0, 0, 2, 2], [1, 0, 3, 2], 2 / 6),          # half shifted: 2 / (4 + 4 - 2)
    ([0, 0, 4, 4], [1, 1, 3, 3], 4 / 16),         # contained
    ([0, 0, 2, 2], [2, 0, 4, 2], 0.0),            # touching edges
    ([0, 0, 2, 2], [5, 5, 6, 6], 0.0),            # disjoint
    ([0, 0, 3, 1], [1, 0, 2, 3], 1 / 5),          # cross: 1 / (3 + 3 - 1)
    ([0, 0, 0, 0], [0, 0, 0, 0], 0.0),            # zero area: defined as 0
])
def test_iou_hand_computed(a, b, expected):
    assert iou_matrix([a], [b])[0, 0] == pytest.approx(expected)


def test_iou_matrix_shape_and_score_column_ignored():
    a = np.array([[0, 0, 2, 2, 0.9], [1, 0, 3, 2, 0.1]])
    out = iou_matrix(a, a[:1, :4])
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out[:, 0], [1, 1 / 3])
    assert iou_matrix(np.empty((0, 4)), a).shape == (0, 2)


box = st.tuples(st.floats(-500, 500), st.floats(-500, 500),
                st.floats(0.5, 300), st.floats(0.5, 300)).map(
    lambda t: [t[0], t[1], t[0] + t[2], t[1] + t[3]])


@settings(max_examples=200, deadline=None)
@given(st.lists(box, min_size=1, max_size=6), st.lists(box, min_size=1, max_size=6))
def test_iou_laws(a, b):
    ab = iou_matrix(a, b)
    np.testing.assert_allclose(ab, iou_matrix(b, a).T, atol=1e-12)     # symmetric
    assert ((ab >= 0) & (ab <= 1 + 1e-12)).all()                        # in [0, 1]
    np.testing.assert_allclose(np.diag(iou_matrix(a, a)), 1.0)           # 1 on identical boxes


def test_negative_box_size_is_a_clear_error():
    with pytest.raises(ValueError, match="non-negative width and height"):
        iou_matrix([[0, 0, -1, 2]], [[0, 0, 1, 1]])
    with pytest.raises(ValueError, match="det_boxes"):
        associate([[0, 0, 1, 1]], [[0, 5, 1, 2]])
    with pytest.raises(ValueError, match="dets"):
        Tracker().update(np.array([[10, 10, 5, 20, 0.9]]))
    with pytest.raises(ValueError, match=r"shape \(n, 4\)"):
        iou_matrix([[0, 0, 1]], [[0, 0, 1, 1]])


def test_centre_distance_matrix():
    d = centre_distance_matrix([[0, 0, 2, 2]], [[3, 4, 5, 6], [0, 0, 2, 2]])
    np.testing.assert_allclose(d, [[5.0, 0.0]])


# --------------------------------------------------------------------------- association
def test_associate_recovers_a_permutation_and_reports_unmatched():
    tracks = np.array([[0, 0, 10, 20], [100, 0, 110, 20], [200, 0, 210, 20], [400, 400, 410, 420]])
    perm = [2, 0, 1]
    dets = tracks[:3][perm] + 1.0                       # shifted by a pixel, shuffled
    dets = np.vstack([dets, [[600, 0, 610, 20]]])       # a newcomer
    matches, um_tracks, um_dets = associate(tracks, dets)
    assert sorted(map(tuple, matches.tolist())) == [(0, 1), (1, 2), (2, 0)]
    assert um_tracks.tolist() == [3] and um_dets.tolist() == [3]


def test_associate_is_optimal_not_greedy():
    # Track 0 overlaps det 0 best (IoU 2/3), but giving det 0 to track 0 leaves track 1
    # with nothing (IoU 0 with det 1); the optimum pairs track 0 with det 1 and track 1
    # with det 0 (IoU 3/7 + 3/7 > 2/3).
    tracks = np.array([[0, 0, 10, 10], [6, 0, 16, 10]])
    dets = np.array([[2, 0, 12, 10], [-4, 0, 6, 10]])
    iou = iou_matrix(tracks, dets)
    np.testing.assert_allclose(iou, [[2 / 3, 3 / 7], [3 / 7, 0]])   # greedy would take (0, 0)
    matches, um_t, um_d = associate(tracks, dets, iou_threshold=0.3)
    assert sorted(map(tuple, matches.tolist())) == [(0, 1), (1, 0)]
    assert len(um_t) == 0 and len(um_d) == 0


def test_associate_gating_after_versus_before():
    # Track 0 - det 0: IoU 0.6, track 0 - det 1: 0.29 (below the 0.3 gate), track 1 - det 0:
    # 0.35.  The best total over all pairs (0.29 + 0.35 > 0.6) uses the gated pair: SORT
    # ("after") solves first, then rejects it, leaving track 0 and det 1 unmatched;
    # "before" only lets allowed pairs compete and keeps the 0.6 pair.
    from course_utils.tracking import _solve
    iou = np.array([[0.6, 0.29], [0.35, 0.0]])
    allowed = iou >= 0.3
    m_after, ut_after, ud_after = _solve(iou, allowed, maximise=True, gating="after")
    assert m_after.tolist() == [[1, 0]] and ut_after.tolist() == [0] and ud_after.tolist() == [1]
    m_before, ut_before, ud_before = _solve(iou, allowed, maximise=True, gating="before")
    assert m_before.tolist() == [[0, 0]] and ut_before.tolist() == [1] and ud_before.tolist() == [1]


def test_associate_centre_metric_with_gate():
    tracks = np.array([[0, 0, 10, 10], [50, 50, 60, 60]])
    dets = np.array([[3, 0, 13, 10], [90, 50, 100, 60]])
    matches, um_t, um_d = associate(tracks, dets, metric="centre", max_distance=20, iou_threshold=0)
    assert matches.tolist() == [[0, 0]] and um_t.tolist() == [1] and um_d.tolist() == [1]
    with pytest.raises(ValueError, match="max_distance"):
        associate(tracks, dets, metric="centre")
    with pytest.raises(ValueError, match="metric"):
        associate(tracks, dets, metric="mahalanobis")
    with pytest.raises(ValueError, match="gating"):
        associate(tracks, dets, gating="sometimes")


def test_associate_empty_inputs():
    m, ut, ud = associate(np.empty((0, 4)), [[0, 0, 1, 1]])
    assert m.shape == (0, 2) and ut.tolist() == [] and ud.tolist() == [0]
    m, ut, ud = associate([[0, 0, 1, 1]], np.empty((0, 5)))
    assert m.shape == (0, 2) and ut.tolist() == [0] and ud.tolist() == []


# --------------------------------------------------------------------------- Kalman vs filterpy
def _sort_filterpy_kf(box):
    """SORT's KalmanBoxTracker set-up, written with filterpy as SORT does."""
    from filterpy.kalman import KalmanFilter
    kf = KalmanFilter(dim_x=7, dim_z=4)
    kf.F = np.array([[1, 0, 0, 0, 1, 0, 0], [0, 1, 0, 0, 0, 1, 0], [0, 0, 1, 0, 0, 0, 1],
                     [0, 0, 0, 1, 0, 0, 0], [0, 0, 0, 0, 1, 0, 0], [0, 0, 0, 0, 0, 1, 0],
                     [0, 0, 0, 0, 0, 0, 1]], dtype=float)
    kf.H = np.array([[1, 0, 0, 0, 0, 0, 0], [0, 1, 0, 0, 0, 0, 0], [0, 0, 1, 0, 0, 0, 0],
                     [0, 0, 0, 1, 0, 0, 0]], dtype=float)
    kf.R[2:, 2:] *= 10.
    kf.P[4:, 4:] *= 1000.
    kf.P *= 10.
    kf.Q[-1, -1] *= 0.01
    kf.Q[4:, 4:] *= 0.01
    kf.x[:4, 0] = _z(box)
    return kf


def _z(b):
    w, h = b[2] - b[0], b[3] - b[1]
    return np.array([b[0] + w / 2, b[1] + h / 2, w * h, w / h])


def test_kalman_box_equals_filterpy_sort():
    rng = np.random.default_rng(3)
    n, steps = 4, 25
    start = np.column_stack([rng.uniform(0, 300, (n, 2)), rng.uniform(30, 80, (n, 2))])
    start[:, 2:] += start[:, :2]
    vel = rng.normal(0, 3, (n, 2))
    model = KalmanBox()
    state = model.init(start)
    kfs = [_sort_filterpy_kf(b) for b in start]
    for t in range(1, steps):
        state, pred = model.predict(state)
        for i, kf in enumerate(kfs):
            if kf.x[6, 0] + kf.x[2, 0] <= 0:
                kf.x[6] *= 0.0
            kf.predict()
        ref_pred = np.array([[k.x[0, 0], k.x[1, 0]] for k in kfs])
        np.testing.assert_allclose((pred[:, :2] + pred[:, 2:]) / 2, ref_pred, rtol=1e-9, atol=1e-7)
        rows = np.flatnonzero(rng.random(n) < 0.7)            # some tracks miss this frame
        boxes = start[rows] + np.tile(vel[rows] * t, 2) + rng.normal(0, 1.5, (len(rows), 4))
        state = model.update(state, rows, boxes)
        for r, b in zip(rows, boxes):
            kfs[r].update(_z(b))
        np.testing.assert_allclose(state["x"], np.array([k.x[:, 0] for k in kfs]),
                                   rtol=1e-9, atol=1e-7)
        np.testing.assert_allclose(state["P"], np.array([k.P for k in kfs]), rtol=1e-9, atol=1e-7)


# --------------------------------------------------------------------------- track management
def _moving_box(t, x0=100.0, vx=5.0, y0=100.0, vy=0.0, w=40.0, h=100.0):
    x, y = x0 + vx * t, y0 + vy * t
    return np.array([[x, y, x + w, y + h, 1.0]])


@pytest.mark.parametrize("motion", [KalmanBox(), NoMotion(),
                                    LSTMMotion(constant_velocity_displacement, k=4)],
                         ids=["kalman", "none", "lstm-cv"])
def test_track_survives_gap_shorter_than_max_age_and_dies_after(motion):
    max_age = 3
    for gap, same_id in [(max_age, True), (max_age + 1, False)]:
        trk = Tracker(motion, max_age=max_age, min_hits=1)
        vx = 0.0 if isinstance(motion, NoMotion) else 5.0
        ids = []
        for t in range(30):
            dets = np.empty((0, 5)) if 10 <= t < 10 + gap else _moving_box(t, vx=vx)
            rows = trk.update(dets)
            ids += rows[:, 1].tolist()
            if t == 10 + gap - 1:          # last frame of the gap
                assert trk.n_tracks == (1 if same_id else 0)
        assert (len(set(ids)) == 1) == same_id, (gap, ids)


def test_coasting_output_and_skipped_frames():
    trk = Tracker(KalmanBox(), max_age=5, min_hits=1, output_coasting=True)
    for t in range(1, 11):
        trk.update(_moving_box(t), frame=t)
    rows = trk.update(np.empty((0, 5)), frame=13)      # frames 11 and 12 skipped
    assert rows[:, 0].tolist() == [11, 12, 13]         # coasting track reported in all three
    # the coasting box follows the motion: 5 px per frame
    np.testing.assert_allclose(rows[:, 2], 100 + 5 * np.array([11, 12, 13]), atol=0.5)
    assert Tracker(KalmanBox(), min_hits=1).update(_moving_box(0)).shape == (1, 10)


def test_output_box_estimate_or_detection():
    rng = np.random.default_rng(0)
    frames = [_moving_box(t) + np.r_[rng.normal(0, 2, 4), 0] for t in range(8)]
    est = run_tracker(frames, Tracker(KalmanBox(), min_hits=1))
    det = run_tracker(frames, Tracker(KalmanBox(), min_hits=1, output_box="detection"))
    boxes = np.vstack(frames)[:, :4]
    np.testing.assert_allclose(det[:, 2:4], boxes[:, :2])
    np.testing.assert_allclose(det[:, 4:6], boxes[:, 2:4] - boxes[:, :2])
    assert not np.allclose(est[1:, 2:6], det[1:, 2:6])    # the Kalman estimate is smoothed
    np.testing.assert_allclose(est[0, 2:6], det[0, 2:6])   # ... except on the first frame
    with pytest.raises(ValueError, match="output_box"):
        Tracker(output_box="mean")


def test_sort_output_rule_needs_min_hits_consecutive_matches():
    trk = Tracker(KalmanBox(), max_age=1, min_hits=3)
    shown = [len(trk.update(_moving_box(t))) for t in range(6)]
    # frames 1..3: shown because the tracker is young; then shown with a streak >= 3
    assert shown == [1, 1, 1, 1, 1, 1]
    trk = Tracker(KalmanBox(), max_age=2, min_hits=3)
    for t in range(5):
        trk.update(_moving_box(t))
    trk.update(np.empty((0, 5)))                        # one miss: streak reset
    shown = [len(trk.update(_moving_box(t))) for t in range(6, 10)]
    assert shown == [0, 0, 1, 1]                        # re-confirmed after 3 new hits


def _crossing_scene(n_frames=30):
    """Two 40 x 100 boxes on straight lines, 12 px/frame towards each other; in frame 16
    they are 10 px apart, so in frame 17 each is nearer the *other's* last box."""
    rows = []
    for t in range(n_frames):
        a = [t + 1, 1, 50 + 12 * t, 100 + 0.5 * t, 40, 100]     # right, slightly down
        b = [t + 1, 2, 420 - 12 * t, 104 - 0.5 * t, 40, 100]    # left, slightly up
        rows += [a + [1, -1, -1, -1], b + [1, -1, -1, -1]]
    return np.array(rows, dtype=float)


@pytest.mark.parametrize("options", [{}, {"metric": "centre", "max_distance": 30.0,
                                         "iou_threshold": 0.0}], ids=["iou", "centre"])
def test_identities_kept_when_two_objects_cross_constant_velocity(options):
    gt = _crossing_scene()
    rows = run_tracker(detections_by_frame(gt),
                       Tracker(KalmanBox(), max_age=3, min_hits=1, **options))
    m = evaluate_mot(gt, rows)
    assert m["IDSW"] == 0 and m["MOTA"] == 1.0 and m["IDF1"] == 1.0
    assert len(np.unique(rows[:, 1])) == 2
    # without motion the identities swap where the objects meet
    rows = run_tracker(detections_by_frame(gt), Tracker(NoMotion(), max_age=3, min_hits=1, **options))
    assert evaluate_mot(gt, rows)["IDSW"] == 2


def test_frames_out_of_order_is_a_clear_error():
    trk = Tracker()
    trk.update(_moving_box(0), frame=5)
    with pytest.raises(ValueError, match="increasing order.*frame 5"):
        trk.update(_moving_box(1), frame=5)
    with pytest.raises(ValueError, match="increasing order"):
        run_tracker({1: _moving_box(0), 3: _moving_box(2), 2: _moving_box(1)}, Tracker())
    with pytest.raises(ValueError, match="frame"):
        trk.update(_moving_box(1), frame=7.5)


def test_tracker_argument_checks():
    with pytest.raises(ValueError, match="max_age"):
        Tracker(max_age=-1)
    with pytest.raises(ValueError, match="min_hits"):
        Tracker(min_hits=1.5)
    with pytest.raises(ValueError, match="iou_threshold"):
        Tracker(iou_threshold=1.5)
    with pytest.raises(ValueError, match="motion"):
        Tracker(motion=object())
    with pytest.raises(ValueError, match="zero width"):
        Tracker().update([[0, 0, 0, 10]])
    with pytest.raises(ValueError, match="tracker"):
        run_tracker({}, "sort")


def test_run_tracker_accepts_lists_and_pairs():
    frames = [_moving_box(t) for t in range(5)]
    a = run_tracker(frames, Tracker(min_hits=1))
    b = run_tracker(list(enumerate(frames, start=1)), Tracker(min_hits=1))
    np.testing.assert_array_equal(a, b)
    assert a[:, 0].tolist() == [1, 2, 3, 4, 5] and set(a[:, 1]) == {1}
    assert run_tracker({}, Tracker()).shape == (0, 10)


# --------------------------------------------------------------------------- LSTM motion
def test_lstm_motion_with_constant_velocity_predicts_straight_lines():
    model = LSTMMotion(constant_velocity_displacement, k=3, dims=4)
    state = model.init(_moving_box(0)[:, :4])
    for t in range(1, 4):
        state, pred = model.predict(state)
        state = model.update(state, np.array([0]), _moving_box(t)[:, :4])
    state, pred = model.predict(state)
    np.testing.assert_allclose(pred, _moving_box(4)[:, :4])
    state, pred = model.predict(state)                 # coasting: rolls its own prediction
    np.testing.assert_allclose(pred, _moving_box(5)[:, :4])


def test_lstm_motion_checks_the_callable():
    with pytest.raises(ValueError, match="callable"):
        LSTMMotion("lstm")
    with pytest.raises(ValueError, match="dims"):
        LSTMMotion(constant_velocity_displacement, dims=3)
    bad = LSTMMotion(lambda h: np.zeros((len(h), 3)), k=2)
    with pytest.raises(ValueError, match=r"expected output of shape \(1, 2\)"):
        bad.predict(bad.init(_moving_box(0)[:, :4]))


def test_motion_windows_and_displacement_predictor():
    frames = np.arange(1, 13)
    boxes = np.column_stack([10 + 3.0 * frames, 20 - 1.0 * frames, np.full(12, 5), np.full(12, 9)])
    frames_gap = np.r_[1:5, 8:20]                      # a run of 4 and a run of 12
    boxes_gap = np.column_stack([2.0 * frames_gap, 0 * frames_gap, 5 + 0 * frames_gap,
                                 9 + 0 * frames_gap])
    X, Y = motion_windows({1: (frames, boxes), 2: (frames_gap, boxes_gap)}, k=4, scale=2.0)
    assert X.shape == (12 - 4 + 12 - 4, 3, 2) and Y.shape == (16, 2)
    np.testing.assert_allclose(X[0], [[1.5, -0.5]] * 3)
    np.testing.assert_allclose(Y[:8], [[1.5, -0.5]] * 8)
    np.testing.assert_allclose(Y[8:], [[1.0, 0.0]] * 8)
    # a "model" that repeats the last step: the predictor hands it scaled steps
    pred = DisplacementPredictor(lambda steps: steps[:, -1], scale=2.0)
    np.testing.assert_allclose(pred(boxes[None, :4, :2]), [[3.0, -1.0]])


def _keras_lstm(units=6, d_in=2, d_out=2, seed=0):
    from course_utils.notebook import quiet_tensorflow
    quiet_tensorflow()
    import keras
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((None, d_in)), keras.layers.LSTM(units),
                              keras.layers.Dense(d_out)])
    rng = np.random.default_rng(seed)   # non-zero biases and larger weights than the init
    model.set_weights([rng.normal(0, 0.6, w.shape).astype("float32") for w in model.get_weights()])
    return model


@pytest.mark.slow
def test_numpy_lstm_equals_keras():
    model = _keras_lstm()
    x = np.random.default_rng(1).normal(0, 1.5, (7, 9, 2)).astype("float32")
    ref = model.predict(x, verbose=0)
    np.testing.assert_allclose(numpy_lstm_forward(model, x), ref, atol=1e-5)
    np.testing.assert_allclose(NumpyLSTM(model.get_weights())(x), ref, atol=1e-5)
    hidden = numpy_lstm_forward(model.get_weights()[:3], x)
    assert hidden.shape == (7, 6)


def test_lstm_weights_checks_shapes():
    rng = np.random.default_rng(0)
    good = [rng.normal(size=s) for s in [(2, 12), (3, 12), (12,), (3, 2), (2,)]]
    assert len(lstm_weights(good)) == 5
    with pytest.raises(ValueError, match="recurrent kernel"):
        lstm_weights([good[0], np.zeros((4, 12)), good[2]])
    with pytest.raises(ValueError, match="3 arrays"):
        lstm_weights(good[:4])
    with pytest.raises(ValueError, match=r"x: expected shape \(n, T, 2\)"):
        numpy_lstm_forward(good, np.zeros((1, 3, 4)))


def test_numpy_lstm_by_hand_one_unit():
    # one unit, one step: c = i * g, h = o * tanh(c) with z = x W + b
    W = np.array([[1.0, 2.0, 3.0, 4.0]])
    b = np.array([0.1, 0.2, 0.3, 0.4])
    x = np.array([[[0.5]]])
    z = 0.5 * W[0] + b
    sig = lambda v: 1 / (1 + np.exp(-v))
    h = sig(z[3]) * np.tanh(sig(z[0]) * np.tanh(z[2]))
    out = numpy_lstm_forward([W, np.zeros((1, 4)), b], x)
    assert out[0, 0] == pytest.approx(h)


# --------------------------------------------------------------------------- synthetic data
def test_synthetic_scene_and_simulated_detector():
    gt = synthetic_scene(5, 30, seed=1)
    assert gt.shape == (150, 10)
    assert (gt[:, 2] >= -1e-9).all() and (gt[:, 2] + gt[:, 4] <= 640 + 1e-9).all()
    boxes = detections_by_frame(gt)
    clean = simulate_detections(boxes, miss_rate=0, fp_rate=0, noise=0, seed=0)
    for f in boxes:
        order = np.lexsort(clean[f][:, :2].T)
        np.testing.assert_allclose(clean[f][order, :4], boxes[f][np.lexsort(boxes[f][:, :2].T), :4])
    a = simulate_detections(boxes, miss_rate=0.3, fp_rate=2.0, noise=0.05, seed=7)
    b = simulate_detections(boxes, miss_rate=0.3, fp_rate=2.0, noise=0.05, seed=7)
    assert all(np.array_equal(a[f], b[f]) for f in boxes)            # seeded
    n = sum(len(d) for d in a.values())
    assert 150 * 0.7 + 60 - 40 < n < 150 * 0.7 + 60 + 40              # ~105 true + ~60 false
    only_fp = simulate_detections(boxes, miss_rate=1.0, fp_rate=1.0, seed=0)
    assert all((d[:, 4] <= 0.7).all() for d in only_fp.values())
    with pytest.raises(ValueError, match="miss_rate"):
        simulate_detections(boxes, miss_rate=1.5)
    with pytest.raises(ValueError, match="gt_boxes_by_frame"):
        simulate_detections([boxes[1]])


def test_kalman_tracker_on_clean_synthetic_video():
    gt = synthetic_scene(6, 60, seed=2)
    dets = simulate_detections(detections_by_frame(gt), miss_rate=0.1, fp_rate=0.2,
                               noise=0.02, seed=0)
    m = evaluate_mot(gt, run_tracker(dets, Tracker(KalmanBox(), max_age=3, min_hits=2)))
    assert m["MOTA"] > 0.75 and m["IDF1"] > 0.75


# --------------------------------------------------------------------------- metrics
def test_metrics_perfect_tracker():
    gt = _crossing_scene(10)
    hyp = gt.copy()
    hyp[:, 1] += 10                              # any ids, as long as they stay put
    m = evaluate_mot(gt, hyp)
    assert list(m) == METRIC_NAMES
    assert m["MOTA"] == 1.0 and m["IDF1"] == 1.0 and m["MOTP"] == pytest.approx(1.0)
    assert (m["IDSW"], m["FP"], m["FN"], m["MT"], m["ML"]) == (0, 0, 0, 2, 0)


def test_metrics_known_mistakes():
    # two objects far apart, 10 frames; the tracker swaps their ids from frame 6 on
    rows = []
    for t in range(1, 11):
        rows += [[t, 1, 0, 0, 10, 20], [t, 2, 300, 0, 10, 20]]
    gt = np.array(rows, dtype=float)
    hyp = gt.copy()
    late = hyp[:, 0] >= 6
    hyp[late, 1] = 3 - hyp[late, 1]
    m = evaluate_mot(gt, hyp)
    assert m["IDSW"] == 2 and m["FP"] == 0 and m["FN"] == 0
    assert m["MOTA"] == pytest.approx(1 - 2 / 20)
    assert m["IDF1"] == pytest.approx(0.5)       # IDTP 10, IDFP 10, IDFN 10
    # drop one box (a miss) and add one far away (a false positive)
    hyp2 = np.vstack([gt[1:], [[3, 9, 500, 300, 10, 20]]])
    m2 = evaluate_mot(gt, hyp2)
    assert (m2["FN"], m2["FP"], m2["IDSW"]) == (1, 1, 0)
    assert m2["MOTA"] == pytest.approx(1 - 2 / 20)
    # a box overlapping its object with IoU < 0.5 is both a miss and a false positive
    hyp3 = gt.copy()
    hyp3[0, 2] += 6                              # IoU 4 / 16 = 0.25
    m3 = evaluate_mot(gt, hyp3)
    assert (m3["FN"], m3["FP"]) == (1, 1)
    assert evaluate_mot(gt, hyp3, iou=0.2)["FN"] == 0


def test_metrics_bad_input():
    gt = _crossing_scene(3)
    with pytest.raises(ValueError, match="iou"):
        evaluate_mot(gt, gt, iou=0)
    dup = np.vstack([gt, gt[:1]])
    with pytest.raises(ValueError, match="appears twice"):
        evaluate_mot(gt, dup)
    with pytest.raises(ValueError, match="hyp_rows.*width and height"):
        evaluate_mot(gt, np.array([[1, 1, 0, 0, -5, 10]]))
    assert evaluate_mot(gt, np.empty((0, 10)))["FN"] == len(gt)


def test_motmetrics_numpy2_patch_works():
    """Fails if the one repair of motmetrics' ``np.asfarray`` stops working."""
    from course_utils.mot_metrics import _motmetrics
    mm = _motmetrics()
    # the call motmetrics makes for every frame: IoU distances between (x, y, w, h) boxes
    d = mm.distances.iou_matrix([[0, 0, 2, 2]], [[1, 0, 2, 2], [10, 10, 1, 1]], max_iou=1.0)
    np.testing.assert_allclose(d, [[1 - 1 / 3, 1.0]])
    assert mm.distances.np.asfarray([1, 2]).dtype == np.float64
    if int(np.__version__.split(".")[0]) >= 2:
        assert not hasattr(np, "asfarray"), "the patch must not change NumPy itself"
    # and end to end
    assert evaluate_mot(_crossing_scene(2), _crossing_scene(2))["MOTA"] == 1.0


def test_evaluate_mot_agrees_with_motmetrics_reference_output():
    """motmetrics ships a tracker output for TUD-Campus; data/mot15/README.md gives its scores."""
    mm_dir = Path(__import__("motmetrics").__file__).parent / "data" / "TUD-Campus"
    if not (mm_dir / "test.txt").exists():
        pytest.skip("motmetrics' bundled test data is not installed")
    m = evaluate_mot(MOT15 / "TUD-Campus" / "gt" / "gt.txt", mm_dir / "test.txt")
    assert round(100 * m["MOTA"], 1) == 52.6 and round(100 * m["IDF1"], 1) == 55.8


def test_metrics_table():
    m = evaluate_mot(_crossing_scene(3), _crossing_scene(3))
    table = metrics_table({"a": m})
    assert table.loc["a", "MOTA"] == 100.0 and list(table.columns) == METRIC_NAMES


# --------------------------------------------------------------------------- SORT reproduction
# Published figures of unmodified SORT (max_age 1, min_hits 3, IoU 0.3) scored with
# motmetrics at IoU 0.5 (data/mot15/README.md and the issue): MOTA, IDF1, ID switches.
SORT_PUBLISHED = [
    ("TUD-Campus", "det_frcnn.txt", 1, 62.7, 60.6, 6),
    ("TUD-Stadtmitte", "det_frcnn.txt", 1, 71.7, 73.5, 10),
    ("TUD-Campus", "det.txt", 1, 39.8, 45.9, None),
    ("TUD-Stadtmitte", "det.txt", 1, 58.4, 55.8, None),
    ("TUD-Campus", "det_frcnn.txt", 10, None, 66.5, None),      # best IDF1 over max_age
    ("TUD-Stadtmitte", "det_frcnn.txt", 3, None, 76.8, None),
]


@pytest.mark.parametrize("seq, det, max_age, mota, idf1, idsw", SORT_PUBLISHED)
def test_kalman_tracker_reproduces_sort(seq, det, max_age, mota, idf1, idsw):
    dets = detections_by_frame(MOT15 / seq / "det" / det)
    rows = run_tracker(dets, Tracker(KalmanBox(), max_age=max_age, min_hits=3, iou_threshold=0.3))
    m = evaluate_mot(read_mot(MOT15 / seq / "gt" / "gt.txt"), rows, iou=0.5)
    if mota is not None:
        assert abs(100 * m["MOTA"] - mota) <= 1.0, m
    assert abs(100 * m["IDF1"] - idf1) <= 1.0, m
    if idsw is not None:
        assert abs(m["IDSW"] - idsw) <= 1, m
