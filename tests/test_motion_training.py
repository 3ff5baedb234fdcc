"""Tests for course_utils.motion_training (the LSTM motion model of notebook 05) and its checkers."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from course_utils import checks_tracking
from course_utils import motion_training as mt
from course_utils.mot import detections_by_frame, read_mot
from course_utils.mot_metrics import evaluate_mot
from course_utils.tracking import (KalmanBox, NoMotion, Tracker, cxcywh_to_boxes,
                                   iou_matrix, run_tracker)

ROOT = Path(__file__).resolve().parents[1]
MOT15 = ROOT / "data" / "mot15"


def _random_weights(units=8, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(mt.N_FEATURES, 4 * units), (units, 4 * units), (4 * units,), (units, 8), (8,)]
    return [rng.normal(0, 0.3, s) for s in shapes]


# --------------------------------------------------------------------------- the LSTM step
def test_lstm_step_by_hand_one_unit():
    # one unit, one input: every gate's pre-activation is a number we can follow
    w = [np.array([[1.0, 2.0, 3.0, 4.0]]), np.array([[0.5, 0.5, 0.5, 0.5]]), np.array([0.1, 0.2, 0.3, 0.4]),
         np.array([[2.0]]), np.array([1.0])]
    x, h, c = np.array([[0.5]]), np.array([[0.2]]), np.array([[-1.0]])
    z = 0.5 * np.array([1, 2, 3, 4]) + 0.2 * 0.5 + np.array([0.1, 0.2, 0.3, 0.4])
    sig = lambda v: 1 / (1 + np.exp(-v))
    c_new = sig(z[1]) * -1.0 + sig(z[0]) * np.tanh(z[2])
    h_new = sig(z[3]) * np.tanh(c_new)
    y, h2, c2 = mt.lstm_step(w, x, h, c)
    np.testing.assert_allclose([c2[0, 0], h2[0, 0], y[0, 0]], [c_new, h_new, 2 * h_new + 1], rtol=1e-12)


def test_lstm_step_equals_keras_lstm_over_a_sequence():
    from course_utils.notebook import quiet_tensorflow
    quiet_tensorflow()
    model = mt.keras_box_filter(units=8)
    w = _random_weights(8)
    model.set_weights([a.astype("float32") for a in w])
    x = np.random.default_rng(1).normal(0, 0.5, (3, 12, mt.N_FEATURES))
    keras_out = np.asarray(model(x.astype("float32")))
    h = c = np.zeros((3, 8))
    ours = []
    for t in range(12):
        y, h, c = mt.lstm_step(w, x[:, t], h, c)
        ours.append(y)
    np.testing.assert_allclose(np.stack(ours, axis=1), keras_out, atol=1e-5)


# --------------------------------------------------------------------------- the motion model
def test_step_features():
    z = np.array([[110.0, 200.0, 40.0, 100.0], [0, 0, 1, 1]])
    z_last = np.array([[100.0, 200.0, 40.0, 80.0], [5, 5, 10, 50]])
    f = mt.step_features(z, z_last, np.array([True, False]), np.array([1.0, 3.0]), np.array([False, False]))
    np.testing.assert_allclose(f[0], [10 / 80, 0, 0, 20 / 80, 1, 0.1, 0])
    np.testing.assert_allclose(f[1], [0, 0, 0, 0, 0, 0.3, 0])


def test_box_filter_with_zero_network_keeps_the_last_detection():
    # all-zero weights: correction 0 and velocity 0 -> the model is "no motion"
    w = [np.zeros_like(a) for a in _random_weights(4)]
    model = mt.LSTMBoxFilter(w)
    boxes = np.array([[10.0, 20.0, 50.0, 120.0], [200.0, 40.0, 230.0, 100.0]])
    state = model.init(boxes)
    state, pred = model.predict(state)
    np.testing.assert_allclose(pred, boxes)
    state = model.update(state, np.array([1]), boxes[1:] + 5)
    np.testing.assert_allclose(model.boxes(state), [boxes[0], boxes[1] + 5])
    state, pred = model.predict(state)          # track 0 coasted: the pending step runs here
    np.testing.assert_allclose(pred, [boxes[0], boxes[1] + 5])
    assert state["gap"].tolist() == [1.0, 0.0]     # one frame (frame 2) without a detection


def test_box_filter_state_follows_the_tracker():
    # tracks appear, coast and die; the state's rows stay aligned with the tracker's ids
    rng = np.random.default_rng(0)
    model = mt.LSTMBoxFilter(_random_weights(6))
    trk = Tracker(model, max_age=2, min_hits=1)
    for f in range(1, 40):
        n = rng.integers(0, 4)
        d = np.hstack([rng.uniform(0, 300, (n, 2)), np.ones((n, 1))])
        d = np.column_stack([d[:, 0], d[:, 1], d[:, 0] + 30, d[:, 1] + 60, d[:, 2]])
        trk.update(d, frame=f)
        assert len(trk.state["h"]) == len(trk.ids) == len(trk.state["gap"])
        assert np.isfinite(trk.state["est"]).all()


def test_box_filter_checks_its_weights():
    with pytest.raises(ValueError, match="LSTM\\(units\\) \\+ Dense\\(8\\)"):
        mt.LSTMBoxFilter(_random_weights(4)[:3])
    bad = _random_weights(4)
    bad[0] = bad[0][:5]
    with pytest.raises(ValueError, match="7 input features"):
        mt.LSTMBoxFilter(bad)


# --------------------------------------------------------------------------- training data
def _replay_features(obs, start, n, monkeypatch):
    """The features LSTMBoxFilter computes for frames start .. start+n-1 of one track."""
    seen, orig = [], mt.step_features

    def spy(*args):
        out = orig(*args)
        seen.append(out[0])
        return out
    monkeypatch.setattr(mt, "step_features", spy)
    model = mt.LSTMBoxFilter(_random_weights(4))
    state = model.init(cxcywh_to_boxes(obs[start:start + 1]))
    for t in range(start + 1, start + n):
        state, _ = model.predict(state)
        if np.isfinite(obs[t]).all():
            state = model.update(state, np.array([0]), cxcywh_to_boxes(obs[t:t + 1]))
    model.predict(state)            # runs the last frame's step if it had no detection
    monkeypatch.setattr(mt, "step_features", orig)
    return np.array(seen[:n])


def test_filter_sequences_inputs_match_the_tracker(monkeypatch):
    """The training inputs are exactly the features LSTMBoxFilter computes while tracking."""
    rng = np.random.default_rng(0)
    T, n = 40, 20
    truth = np.column_stack([100 + 3.0 * np.arange(T), np.full(T, 200.0), np.full(T, 40.0), np.full(T, 100.0)])
    obs = truth + rng.normal(0, 1, truth.shape)
    obs[[5, 6, 12, 13, 14, 22]] = np.nan
    X, Y, W = mt.filter_sequences(truth, obs, n, rng, n_crops=3)
    assert X.shape == (3, n, mt.N_FEATURES) and Y.shape == (3, n, 8) and W.shape == (3, n)
    for j in range(3):
        k = int(W[j].sum())
        starts = [s for s in range(T - k) if np.isfinite(obs[s]).all()
                  and np.allclose(_replay_features(obs, s, k, monkeypatch), X[j, :k])]
        assert len(starts) == 1, f"crop {j}: no tracker start reproduces its features"
        s = starts[0]
        # targets: correction to the true box and its next step, in heights x TARGET_SCALE
        np.testing.assert_allclose(Y[j, 0, :4], (truth[s] - obs[s]) / obs[s, 3] * mt.TARGET_SCALE)
        np.testing.assert_allclose(Y[j, 0, 4:], (truth[s + 1] - truth[s]) / obs[s, 3] * mt.TARGET_SCALE)


def test_matched_detections_and_residuals():
    gt = read_mot(MOT15 / "TUD-Campus" / "gt" / "gt.txt")
    det = read_mot(MOT15 / "TUD-Campus" / "det" / "det_frcnn.txt")
    m = mt.matched_detections(gt, det)
    assert sorted(m) == sorted(gt["id"].unique().tolist())
    n_matched = sum(np.isfinite(d[:, 0]).sum() for _, _, d in m.values())
    assert 0.7 < n_matched / len(gt) < 0.76          # det_frcnn recall on TUD-Campus is 73.5 %
    for _, g, d in m.values():
        ok = np.isfinite(d[:, 0])
        iou = np.diag(iou_matrix(cxcywh_to_boxes(g[ok]), cxcywh_to_boxes(d[ok])))
        assert (iou >= 0.5).all()
    res = mt.detection_residuals(m)
    assert res.shape == (n_matched, 4) and np.abs(res.mean(axis=0)).max() < 0.1


def test_noisy_observations_and_metres_to_boxes():
    rng = np.random.default_rng(0)
    xy = np.column_stack([np.arange(10) * 0.5, np.zeros(10)])      # 0.5 m per 0.4 s = 1.25 m/s
    boxes = mt.metres_to_boxes(xy, 0.4, rng, height_px=(175.0, 175.0))
    assert len(boxes) == 91                                         # 3.6 s at 25 frames/s
    np.testing.assert_allclose(np.diff(boxes[:, 0]), 1.25 / 25 * 100)   # 1 m = 100 px for h = 175
    obs = mt.noisy_observations(boxes, np.zeros((1, 4)), rng, miss_start=0.5, miss_stop=0.5, occlusion=0)
    seen = np.isfinite(obs[:, 0])
    assert 0.2 < seen.mean() < 0.8
    np.testing.assert_allclose(obs[seen], boxes[seen])


def test_street_video_and_visible_detector():
    clip = mt.street_video(3, n_frames=40)
    dets, obs = mt.detect_visible(clip, seed=3, miss_rate=0.0, fp_rate=0.0, noise=0.0)
    assert sorted(dets) == list(range(1, 41))
    vis = clip.gt.set_index(["frame", "id"])["visibility"]
    for (f, i), v in vis.items():
        detected = np.isfinite(obs[i - 1, f, 0])
        assert detected == (v >= 0.5)
        if detected and v == 1.0:     # fully visible: the visible box is the true box
            g = clip.gt[(clip.gt["frame"] == f) & (clip.gt["id"] == i)].iloc[0]
            np.testing.assert_allclose(obs[i - 1, f], [g.left + g.width / 2, g.top + g.height / 2, g.width, g.height])
    with pytest.raises(ValueError, match="return_masks"):
        mt.detect_visible(clip.__class__(**{**clip.__dict__, "visible_masks": None}))


def test_save_and_load_model(tmp_path):
    w = _random_weights(4)
    path = mt.save_model(tmp_path / "m.npz", w, {"note": "x"})
    w2, meta = mt.load_model(path)
    assert meta == {"note": "x"} and all(np.array_equal(a, b) for a, b in zip(w, w2))
    with pytest.raises(FileNotFoundError, match="train_motion_lstm"):
        mt.load_model(tmp_path / "missing.npz")


@pytest.mark.parametrize("name", ["TUD-Campus", "TUD-Stadtmitte", "synthetic"])
def test_stored_models_load(name):
    w, meta = mt.load_model(f"motion_lstm_{name}")
    assert [a.shape for a in w] == [(7, 128), (32, 128), (128,), (32, 8), (8,)]
    assert meta["name"] == name and len(meta["loss"]) == meta["train"]["epochs"]


# --------------------------------------------------------------------------- evaluation helpers
def _campus():
    gt = read_mot(MOT15 / "TUD-Campus" / "gt" / "gt.txt")
    rows = run_tracker(detections_by_frame(MOT15 / "TUD-Campus" / "det" / "det_frcnn.txt"), Tracker(KalmanBox()))
    return gt, rows


def test_mot_events_agree_with_evaluate_mot():
    gt, rows = _campus()
    ev = mt.mot_events(gt, rows)
    m = evaluate_mot(gt, rows)
    counts = ev["type"].value_counts()
    assert counts["SWITCH"] == m["IDSW"] == 6
    assert counts["MISS"] == m["FN"] and counts["FP"] == m["FP"]
    timeline = mt.identity_timeline(ev)
    assert sum(len(f) for f, _ in timeline.values()) == len(gt)


def test_plot_identity_timeline():
    import matplotlib
    matplotlib.use("Agg")
    gt, rows = _campus()
    ax = mt.plot_identity_timeline(mt.mot_events(gt, rows))
    assert len(ax.get_yticks()) == gt["id"].nunique()


def test_occlusion_survival_on_a_hand_made_case():
    # person 1 hidden in frames 4-7; tracker: track 10 before, track 10 (survived) or 11 after
    vis = pd.DataFrame({"frame": np.arange(1, 11), "id": 1,
                        "visibility": [1, 1, 1, 0.1, 0.1, 0.1, 0.1, 1, 1, 1]})
    for after, survived in [(10, True), (11, False)]:
        tracks = [10, 10, 10, -1, -1, -1, -1, after, after, after]
        ev = pd.DataFrame({"frame": np.arange(1, 11), "gt_id": 1, "track_id": tracks,
                           "type": ["MATCH" if t > 0 else "MISS" for t in tracks]})
        out = mt.occlusion_survival(ev, vis)
        assert out.to_dict("records") == [{"gt_id": 1, "start": 4, "frames": 4, "survived": survived}]


def test_prediction_through_gaps_orders_the_motion_models():
    T = 60
    truth = np.column_stack([100 + 4.0 * np.arange(T), np.full(T, 200.0), np.full(T, 40.0), np.full(T, 100.0)])
    pairs = [(truth, truth + np.random.default_rng(0).normal(0, 0.5, truth.shape))]
    none = mt.prediction_through_gaps(NoMotion, pairs, max_gap=10)
    kalman = mt.prediction_through_gaps(KalmanBox, pairs, max_gap=10)
    assert list(none.index) == list(range(1, 11))
    assert none.loc[10, "mean IoU"] < 0.1 < 0.8 < kalman.loc[10, "mean IoU"]   # 40 px behind vs on target


# --------------------------------------------------------------------------- exercise checkers
def test_checkers_accept_right_answers_and_explain_wrong_ones():
    from scipy.optimize import linear_sum_assignment
    from course_utils.tracking import iou_matrix as ref
    assert checks_tracking.check_iou_matrix(ref)
    assert not checks_tracking.check_iou_matrix(...)
    assert "Not yet" in repr(checks_tracking.check_iou_matrix(lambda a, b: (_ for _ in ()).throw(NotImplementedError())))
    wrong = checks_tracking.check_iou_matrix(lambda a, b: np.zeros((len(a), len(b))))
    assert not wrong and "different values" in repr(wrong)

    def greedy(iou, thr):      # the classic mistake: no optimal assignment
        out, used = [], set()
        for r in range(iou.shape[0]):
            c = int(np.argmax(iou[r]))
            if iou[r, c] >= thr and c not in used:
                out.append([r, c])
                used.add(c)
        return np.array(out).reshape(-1, 2)

    def right(iou, thr):
        r, c = linear_sum_assignment(-iou)
        k = iou[r, c] >= thr
        return np.stack([r[k], c[k]], axis=1)
    assert checks_tracking.check_match(right)
    assert not checks_tracking.check_match(greedy)
    assert not checks_tracking.check_match(lambda iou, thr: 1 / 0)
    assert checks_tracking.check_max_age(12) and not checks_tracking.check_max_age(3)
    assert not checks_tracking.check_max_age(...)


def test_occlusion_scenario_needs_max_age_and_motion():
    assert checks_tracking.smallest_max_age("kalman", hidden=12) == 12
    assert checks_tracking.smallest_max_age("kalman", hidden=5) == 5
    assert checks_tracking.smallest_max_age("none", hidden=12) is None


# --------------------------------------------------------------------------- the stored weights
@pytest.mark.slow
def test_training_script_reproduces_the_stored_models():
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "train_motion_lstm.py"), "--check"],
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stdout + proc.stderr[-2000:]
    assert proc.stdout.count("reproduced") == 3
