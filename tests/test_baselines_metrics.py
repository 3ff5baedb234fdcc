"""Tests for course_utils.baselines and course_utils.metrics."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from course_utils import baselines, metrics, data


@settings(max_examples=60, deadline=None)
@given(start=st.tuples(st.floats(-100, 100), st.floats(-100, 100)),
       velocity=st.tuples(st.floats(-5, 5), st.floats(-5, 5)),
       k=st.integers(2, 10), horizon=st.integers(1, 15))
def test_constant_velocity_is_exact_on_straight_lines(start, velocity, k, horizon):
    t = np.arange(k + horizon)[:, None]
    line = np.asarray(start) + t * np.asarray(velocity)
    predicted = baselines.ConstantVelocity().predict(line[None, :k], horizon)
    np.testing.assert_allclose(predicted[0], line[k:], atol=1e-8)
    # the Kalman filter with constant-velocity dynamics is exact there too
    np.testing.assert_allclose(baselines.KalmanCV().predict(line[None, :k], horizon)[0], line[k:], atol=1e-6)


def test_constant_position_repeats_last_point():
    obs = np.array([[[0, 0], [1, 2]]], dtype=float)
    np.testing.assert_array_equal(baselines.ConstantPosition().predict(obs, 3), [[[1, 2]] * 3])


def test_constant_velocity_averaging_window():
    obs = np.array([[[0, 0], [1, 0], [3, 0]]], dtype=float)  # steps 1 then 2
    np.testing.assert_allclose(baselines.ConstantVelocity(1).predict(obs, 1), [[[5, 0]]])
    np.testing.assert_allclose(baselines.ConstantVelocity(2).predict(obs, 1), [[[4.5, 0]]])


def test_kalman_matches_filterpy():
    from filterpy.kalman import KalmanFilter
    rng = np.random.default_rng(0)
    obs = np.cumsum(rng.normal(0, 1, (3, 8, 2)), axis=1)
    kf = baselines.KalmanCV(process_std=0.3, measurement_std=0.2)
    states, covs = kf.filter(obs)
    for i in range(3):
        f = KalmanFilter(dim_x=4, dim_z=2)
        f.F = np.array([[1, 0, 1, 0], [0, 1, 0, 1], [0, 0, 1, 0], [0, 0, 0, 1]], float)
        f.H = np.eye(2, 4)
        G = np.array([[0.5, 0], [0, 0.5], [1, 0], [0, 1]])
        f.Q = 0.3 ** 2 * G @ G.T
        f.R = 0.2 ** 2 * np.eye(2)
        f.x = np.r_[obs[i, 0], obs[i, 1] - obs[i, 0]]
        f.P = np.diag([0.04, 0.04, 0.16 + 0.09, 0.16 + 0.09])
        for z in obs[i, 1:]:
            f.predict()
            f.update(z)
        np.testing.assert_allclose(states[i], f.x, atol=1e-9)
        np.testing.assert_allclose(covs[i], f.P, atol=1e-9)


def test_kalman_is_scale_free_by_default():
    rng = np.random.default_rng(1)
    obs = np.cumsum(rng.normal(0, 1, (4, 8, 2)), axis=1)
    small = baselines.KalmanCV().predict(obs, 5)
    big = baselines.KalmanCV().predict(obs * 100, 5)
    np.testing.assert_allclose(big, small * 100, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("predictor", [baselines.ConstantPosition(), baselines.ConstantVelocity(),
                                       baselines.KalmanCV()])
def test_predictors_reject_bad_input(predictor):
    with pytest.raises(ValueError, match=r"observed: expected shape \(n, n, 2\)"):
        predictor.predict(np.zeros((8, 2)), 3)
    with pytest.raises(ValueError, match="NaN"):
        predictor.predict(np.full((1, 8, 2), np.nan), 3)
    with pytest.raises(ValueError, match="horizon"):
        predictor.predict(np.zeros((1, 8, 2)), 0)
    with pytest.raises(ValueError, match="observed: expected an array, got None"):
        predictor.predict(None, 3)


def test_constant_velocity_needs_two_points():
    with pytest.raises(ValueError, match="at least 2 observed positions"):
        baselines.ConstantVelocity().predict(np.zeros((1, 1, 2)), 3)


def test_kalman_bad_noise():
    with pytest.raises(ValueError, match="process_std"):
        baselines.KalmanCV(process_std=-1)


def test_ade_fde_by_hand():
    pred = np.zeros((2, 2, 2))
    true = np.array([[[3, 4], [0, 0]], [[0, 0], [6, 8]]], float)  # errors 5, 0 / 0, 10
    assert metrics.ade(pred, true) == pytest.approx(15 / 4)
    assert metrics.fde(pred, true) == pytest.approx(5)
    np.testing.assert_allclose(metrics.error_per_step(pred, true), [2.5, 5])


def test_metrics_reject_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        metrics.ade(np.zeros((2, 3, 2)), np.zeros((2, 4, 2)))
    with pytest.raises(ValueError, match=r"expected shape \(n, n, 2\)"):
        metrics.fde(np.zeros((2, 3)), np.zeros((2, 3)))


def test_evaluate_table_and_errors():
    trajs = data.generate_synthetic(30, seed=0)
    table = metrics.evaluate({"cp": baselines.ConstantPosition(), "cv": baselines.ConstantVelocity()}, trajs)
    assert list(table.columns[:2]) == ["ADE", "FDE"] and "t+12" in table.columns
    assert table.attrs["n_windows"] == 30
    assert table.loc["cv", "ADE"] < table.loc["cp", "ADE"]

    class Broken:
        def predict(self, observed, horizon):
            return np.zeros((len(observed), horizon - 1, 2))

    with pytest.raises(ValueError, match=r"predictors\['broken'\].predict returned shape"):
        metrics.evaluate({"broken": Broken()}, trajs)
    with pytest.raises(ValueError, match="none is long enough"):
        metrics.evaluate({"cv": baselines.ConstantVelocity()}, trajs, k=20, m=12)
    with pytest.raises(ValueError, match="same number of windows"):
        metrics.evaluate_windows({"cv": baselines.ConstantVelocity()}, np.zeros((3, 8, 2)), np.zeros((2, 12, 2)))
