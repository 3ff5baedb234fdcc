"""Tests for course_utils.rnn: the hand-written RNN against finite differences and Keras."""
import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from course_utils import rnn


# --------------------------------------------------------------------------- helpers
def random_params(d_in, hidden, d_out, seed, scale=0.3):
    """init_params plus noise, so that biases and h0 are not zero."""
    p = rnn.init_params(d_in, hidden, d_out, seed=seed)
    rng = np.random.default_rng(seed + 1000)
    return {k: v + scale * rng.standard_normal(v.shape) for k, v in p.items()}


def naive_forward(p, x, activation="tanh"):
    """The textbook loop, one sequence at a time: the reference for forward."""
    f = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0.0))
    batch, steps, _ = x.shape
    ys = np.zeros((batch, steps, p["V"].shape[1]))
    for i in range(batch):
        h = p["h0"].copy()
        for t in range(steps):
            h = f(x[i, t] @ p["W"] + h @ p["U"] + p["b"])
            ys[i, t] = h @ p["V"] + p["c"]
    return ys


def truncated_objective(p, p_fixed, x, dout, activation, k):
    """sum_t <dout_t, y_t> where y_t is recomputed from the state k steps back.

    The state h_{t-k} that starts each window comes from the *fixed* parameters, so
    it is a constant: the derivative of this function at p = p_fixed is exactly the
    BPTT(k) gradient (each output's gradient flows back through at most k steps).
    With k >= time it is the full objective.
    """
    f = np.tanh if activation == "tanh" else (lambda a: np.maximum(a, 0.0))
    _, cache = rnn.forward(p_fixed, x, activation)
    h_fixed = cache["h"]                                   # (time + 1, batch, H)
    batch, steps, _ = x.shape
    total = 0.0
    for t in range(steps):                                 # output of step t uses a_t (0-based)
        start = t - k + 1
        if start <= 0:
            start, h = 0, np.broadcast_to(p["h0"], (batch, p["h0"].shape[0]))
        else:
            h = h_fixed[start]
        for s in range(start, t + 1):
            h = f(x[:, s] @ p["W"] + h @ p["U"] + p["b"])
        total += float(np.sum(dout[:, t] * (h @ p["V"] + p["c"])))
    return total


def pre_activations(p, x, activation):
    _, cache = rnn.forward(p, x, activation)
    h = cache["h"]
    return np.einsum("bti,ih->tbh", x, p["W"]) + h[:-1] @ p["U"] + p["b"]


# --------------------------------------------------------------------------- forward
def test_forward_matches_naive_loop_and_shapes():
    p = random_params(3, 5, 4, seed=0)
    x = np.random.default_rng(0).standard_normal((6, 7, 3))
    for act in rnn.ACTIVATIONS:
        y, cache = rnn.forward(p, x, act)
        assert y.shape == (6, 7, 4)
        assert cache["h"].shape == (8, 6, 5)
        np.testing.assert_allclose(y, naive_forward(p, x, act), atol=1e-12)
        np.testing.assert_array_equal(cache["h"][0], np.broadcast_to(p["h0"], (6, 5)))


def test_forward_keeps_float32_and_accepts_lists():
    p = rnn.init_params(2, 4, 2, seed=0, dtype=np.float32)
    y, cache = rnn.forward(p, np.ones((2, 3, 2), dtype=np.float32))
    assert y.dtype == np.float32 and cache["h"].dtype == np.float32
    grads = rnn.backward(p, cache, np.ones_like(y))
    assert all(g.dtype == np.float32 for g in grads.values())
    y64, _ = rnn.forward(rnn.init_params(2, 4, 2, seed=0), [[[1.0, 2.0]]])
    assert y64.shape == (1, 1, 2) and y64.dtype == np.float64


def test_init_params_reproducible_and_spectral_radius():
    a = rnn.init_params(2, 8, 3, seed=5)
    b = rnn.init_params(2, 8, 3, seed=5)
    assert set(a) == set(rnn.PARAM_NAMES)
    for k in a:
        np.testing.assert_array_equal(a[k], b[k])
    np.testing.assert_allclose(a["U"] @ a["U"].T, np.eye(8), atol=1e-12)   # orthogonal
    scaled = rnn.init_params(2, 8, 3, seed=5, spectral_radius=0.5)
    assert np.max(np.abs(np.linalg.eigvals(scaled["U"]))) == pytest.approx(0.5)
    assert rnn.count_params(a) == 2 * 8 + 8 * 8 + 8 + 8 * 3 + 3 + 8
    assert rnn.count_params(a, include_h0=False) == rnn.count_params(a) - 8


# --------------------------------------------------------------------------- gradients
shapes = st.fixed_dictionaries({
    "batch": st.integers(1, 4), "steps": st.integers(1, 8), "d_in": st.integers(1, 3),
    "hidden": st.integers(1, 5), "d_out": st.integers(1, 3), "seed": st.integers(0, 10_000)})


@settings(max_examples=60, deadline=None)
@given(shape=shapes, activation=st.sampled_from(rnn.ACTIVATIONS), data=st.data())
def test_gradient_check_full_and_truncated(shape, activation, data):
    """BPTT (full or truncated) equals central differences of the matching objective."""
    truncate = data.draw(st.one_of(st.none(), st.integers(1, shape["steps"] + 1)), label="truncate")
    p = random_params(shape["d_in"], shape["hidden"], shape["d_out"], shape["seed"])
    rng = np.random.default_rng(shape["seed"])
    x = rng.standard_normal((shape["batch"], shape["steps"], shape["d_in"]))
    dout = rng.standard_normal((shape["batch"], shape["steps"], shape["d_out"]))
    if activation == "relu":   # finite differences are wrong across ReLU's kink: stay away from it
        assume(np.min(np.abs(pre_activations(p, x, activation))) > 1e-4)
    k = shape["steps"] if truncate is None else truncate
    _, cache = rnn.forward(p, x, activation)
    grads = rnn.backward(p, cache, dout, truncate=truncate)

    def f(q):
        return truncated_objective(q, p, x, dout, activation, k), grads

    errors = rnn.gradient_check(f, p)
    assert set(errors) == set(rnn.PARAM_NAMES)
    assert max(errors.values()) < 1e-6, errors


@settings(max_examples=10, deadline=None)
@given(shape=shapes, activation=st.sampled_from(rnn.ACTIVATIONS))
def test_gradient_check_of_mse_loss_through_forward(shape, activation):
    """The whole chain forward -> mse_loss -> backward, checked by gradient_check itself."""
    p = random_params(shape["d_in"], shape["hidden"], shape["d_out"], shape["seed"])
    rng = np.random.default_rng(shape["seed"] + 1)
    x = rng.standard_normal((shape["batch"], shape["steps"], shape["d_in"]))
    target = rng.standard_normal((shape["batch"], shape["steps"], shape["d_out"]))
    if activation == "relu":
        assume(np.min(np.abs(pre_activations(p, x, activation))) > 1e-4)

    def f(q):
        y, cache = rnn.forward(q, x, activation)
        loss, dy = rnn.mse_loss(y, target)
        return loss, rnn.backward(q, cache, dy)

    assert max(rnn.gradient_check(f, p).values()) < 1e-6


def test_truncation_defining_property():
    """With a loss on the last output only, BPTT(k) = full BPTT of the last k steps
    started from the (constant) state h_{T-k}; h0 gets no gradient when k < T."""
    p = random_params(2, 5, 3, seed=3)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((4, 9, 2))
    dout = np.zeros((4, 9, 3))
    dout[:, -1] = rng.standard_normal((4, 3))
    _, cache = rnn.forward(p, x)
    for k in (1, 2, 5, 8):
        got = rnn.backward(p, cache, dout, truncate=k)
        start_state = cache["h"][9 - k]                   # (batch, H), differs per sequence
        # the same k steps as a fresh run, each sequence with its own initial state
        want = {name: 0.0 for name in rnn.PARAM_NAMES if name != "h0"}
        for i in range(4):
            q = dict(p, h0=start_state[i])
            _, c = rnn.forward(q, x[i:i + 1, 9 - k:])
            g = rnn.backward(q, c, dout[i:i + 1, 9 - k:])
            for name in want:
                want[name] = want[name] + g[name]
        for name in want:
            np.testing.assert_allclose(got[name], want[name], atol=1e-12, err_msg=f"{name}, k={k}")
        np.testing.assert_array_equal(got["h0"], 0.0)
    full = rnn.backward(p, cache, dout)
    for k in (9, 10, 50):   # k >= time is full BPTT
        got = rnn.backward(p, cache, dout, truncate=k)
        for name in rnn.PARAM_NAMES:
            np.testing.assert_allclose(got[name], full[name], atol=1e-12)


def test_gradient_check_catches_a_wrong_gradient():
    p = random_params(2, 3, 2, seed=1)
    x = np.random.default_rng(1).standard_normal((2, 4, 2))

    def f(q):
        y, cache = rnn.forward(q, x)
        loss, dy = rnn.mse_loss(y, np.zeros_like(y))
        g = rnn.backward(q, cache, dy)
        g["U"] = g["U"].T                                   # a classic bug
        return loss, g

    errors = rnn.gradient_check(f, p)
    assert errors["U"] > 1e-2
    assert max(v for k, v in errors.items() if k != "U") < 1e-6


def test_gradient_check_works_on_any_dict_and_does_not_change_params():
    params = {"a": np.array([1.0, -2.0]), "B": np.array([[0.5]])}
    before = {k: v.copy() for k, v in params.items()}

    def f(q):
        loss = np.sum(q["a"] ** 3) + 2 * q["B"][0, 0] ** 2
        return loss, {"a": 3 * q["a"] ** 2, "B": 4 * q["B"]}

    errors = rnn.gradient_check(f, params)
    assert max(errors.values()) < 1e-8
    for k in params:
        np.testing.assert_array_equal(params[k], before[k])


def test_mse_loss_value_and_gradient():
    pred = np.array([[1.0, 2.0], [3.0, 4.0]])
    target = np.array([[1.0, 0.0], [0.0, 4.0]])
    loss, grad = rnn.mse_loss(pred, target)
    assert loss == pytest.approx((4 + 9) / 4)
    np.testing.assert_allclose(grad, 2 * (pred - target) / 4)


# --------------------------------------------------------------------------- Keras
@pytest.fixture(scope="module")
def keras_ready():
    pytest.importorskip("tensorflow")
    from course_utils.notebook import quiet_tensorflow
    quiet_tensorflow()
    return True


@pytest.mark.parametrize("activation", rnn.ACTIVATIONS)
def test_keras_equivalence_outputs_and_gradients(keras_ready, activation):
    """Same weights in SimpleRNN + Dense: outputs and autodiff gradients agree to 1e-5
    in Keras's default float32, and to 1e-12 when Keras computes in float64."""
    p = random_params(3, 16, 4, seed=7, scale=0.1)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 12, 3))
    dout = rng.standard_normal((8, 12, 4))
    y, cache = rnn.forward(p, x, activation)
    grads = rnn.backward(p, cache, dout)
    for dtype, tol in (("float32", 1e-5), ("float64", 1e-12)):
        yk, gk = rnn.keras_forward_and_grads(p, x, dout, activation, dtype=dtype)
        np.testing.assert_allclose(yk, y, rtol=tol, atol=tol)
        assert set(gk) == set(rnn.PARAM_NAMES)
        for name in rnn.PARAM_NAMES:
            np.testing.assert_allclose(gk[name], grads[name], rtol=tol, atol=tol, err_msg=f"{name} {dtype}")


def test_to_keras_copies_weights(keras_ready):
    p = random_params(2, 5, 3, seed=2)
    layer, dense = rnn.to_keras(p)
    kernel, recurrent, bias = layer.get_weights()
    np.testing.assert_allclose(kernel, p["W"], rtol=1e-6)
    np.testing.assert_allclose(recurrent, p["U"], rtol=1e-6)
    np.testing.assert_allclose(bias, p["b"], rtol=1e-6)
    np.testing.assert_allclose(dense.get_weights()[0], p["V"], rtol=1e-6)
    assert layer.count_params() + dense.count_params() == rnn.count_params(p, include_h0=False)


# --------------------------------------------------------------------------- optimisers, clipping
def test_sgd_plain_and_momentum():
    p = {"w": np.array([1.0, 2.0])}
    g = {"w": np.array([0.5, -1.0])}
    rnn.SGD(lr=0.1).step(p, g)
    np.testing.assert_allclose(p["w"], [0.95, 2.1])
    p = {"w": np.array([0.0])}
    opt = rnn.SGD(lr=1.0, momentum=0.5)
    for _ in range(3):
        opt.step(p, {"w": np.array([1.0])})
    # velocities -1, -1.5, -1.75
    np.testing.assert_allclose(p["w"], [-4.25])


def test_adam_matches_the_formulas():
    rng = np.random.default_rng(0)
    p = {"w": rng.standard_normal(5)}
    w = p["w"].copy()
    m = v = np.zeros(5)
    opt = rnn.Adam(lr=0.01)
    for t in range(1, 6):
        g = rng.standard_normal(5)
        opt.step(p, {"w": g})
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * (m / (1 - 0.9 ** t)) / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
        np.testing.assert_allclose(p["w"], w, rtol=1e-12)
    # first step of Adam moves every entry by about lr, whatever the gradient's size
    q = {"w": np.zeros(3)}
    rnn.Adam(lr=0.1).step(q, {"w": np.array([1e-3, -5.0, 100.0])})
    np.testing.assert_allclose(q["w"], [-0.1, 0.1, -0.1], rtol=1e-4)


@pytest.mark.parametrize("make", [lambda: rnn.SGD(0.1, momentum=0.9), lambda: rnn.Adam(0.1)])
def test_optimisers_minimise_a_quadratic(make):
    p = {"w": np.array([3.0, -2.0])}
    opt = make()
    for _ in range(300):
        opt.step(p, {"w": 2 * p["w"]})
    assert np.abs(p["w"]).max() < 0.05


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.floats(-100, 100), min_size=1, max_size=6), max_norm=st.floats(0.01, 50))
def test_clip_by_global_norm(values, max_norm):
    grads = {"a": np.array(values), "b": np.array([[1.0, -2.0]])}
    clipped, norm = rnn.clip_by_global_norm(grads, max_norm)
    assert norm == pytest.approx(np.sqrt(np.sum(np.square(values)) + 5))
    assert rnn.global_norm(clipped) <= max_norm * (1 + 1e-9) or norm <= max_norm
    scale = min(1.0, max_norm / norm)
    for k in grads:                                         # same direction, not modified in place
        np.testing.assert_allclose(clipped[k], grads[k] * scale)
    np.testing.assert_array_equal(grads["b"], [[1.0, -2.0]])


# --------------------------------------------------------------------------- training and forecasting
def _toy_sequences(n=256, seed=0):
    """Targets: the sum of the inputs (last step) -- an RNN learns it easily."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (n, 5, 1))
    return x, x.sum(axis=1) / 2


def test_train_reduces_loss_and_is_reproducible():
    x, y = _toy_sequences()
    runs = []
    for _ in range(2):
        p = rnn.init_params(1, 8, 1, seed=0)
        h = rnn.train(p, x[:200], y[:200], x[200:], y[200:], epochs=15, batch_size=32,
                      optimizer=rnn.Adam(0.01), seed=1, clip=5.0, progress=False)
        runs.append((p, h))
    (p1, h1), (p2, h2) = runs
    assert set(h1) == {"train_loss", "val_loss", "grad_norm"}
    assert len(h1["train_loss"]) == 15
    assert h1["val_loss"][-1] < 0.2 * h1["val_loss"][0]
    assert h1 == h2
    for k in p1:
        np.testing.assert_array_equal(p1[k], p2[k])


def test_train_with_targets_at_every_step_and_progress_bar():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (64, 6, 2))
    y = np.cumsum(x, axis=1)[..., :1] / 3
    p = rnn.init_params(2, 6, 1, seed=1)
    h = rnn.train(p, x, y, epochs=5, batch_size=16, optimizer=rnn.SGD(0.05, momentum=0.9),
                  activation="relu", truncate=3, progress=True)
    assert "val_loss" not in h and len(h["train_loss"]) == 5
    assert h["train_loss"][-1] < h["train_loss"][0]


def test_forecaster_interface_and_fit():
    from course_utils import baselines, data, metrics
    trajs = data.generate_synthetic(60, length=24, seed=0)
    windows = data.make_windows(trajs, k=8, m=12)
    model = rnn.RNNForecaster.fit(windows.observed, windows.future, hidden=8, epochs=2, seed=0)
    assert isinstance(model, baselines.Predictor) and model.horizon == 12
    pred = model.predict(windows.observed, 12)
    assert pred.shape == windows.future.shape
    assert model.predict(windows.observed, 5).shape == (len(windows), 5, 2)
    np.testing.assert_allclose(model.predict(windows.observed, 5), pred[:, :5])
    table = metrics.evaluate_windows({"rnn": model}, windows.observed, windows.future)
    assert np.isfinite(table.loc["rnn", "ADE"])
    # forecast() reads the last output as (horizon, 2) displacements
    disp = np.diff(windows.observed, axis=1) / model.scale
    last = rnn.forward(model.params, disp)[0][:, -1]
    np.testing.assert_allclose(rnn.forecast(model.params, disp, 12), last.reshape(-1, 12, 2))
    with pytest.raises(ValueError, match="at most 12"):
        model.predict(windows.observed, 13)


def test_forecast_loss_gradient():
    p = random_params(2, 4, 6, seed=4)
    rng = np.random.default_rng(4)
    obs, fut = rng.standard_normal((3, 5, 2)), rng.standard_normal((3, 3, 2))
    assert max(rnn.gradient_check(lambda q: rnn.forecast_loss(q, obs, fut), p).values()) < 1e-6


# --------------------------------------------------------------------------- bad inputs
def test_bad_params_are_named():
    p = rnn.init_params(2, 4, 3, seed=0)
    x = np.zeros((1, 2, 2))
    with pytest.raises(ValueError, match="missing 'h0'"):
        rnn.forward({k: v for k, v in p.items() if k != "h0"}, x)
    with pytest.raises(ValueError, match="unexpected key"):
        rnn.forward(dict(p, Z=np.zeros(1)), x)
    with pytest.raises(ValueError, match=r"params\['U'\]: expected shape \(4, 4\)"):
        rnn.forward(dict(p, U=np.zeros((4, 3))), x)
    with pytest.raises(ValueError, match=r"params\['V'\]"):
        rnn.forward(dict(p, V=np.zeros((5, 3))), x)
    with pytest.raises(ValueError, match=r"params\['c'\]"):
        rnn.forward(dict(p, c=np.zeros(2)), x)
    with pytest.raises(ValueError, match=r"params\['W'\].*NaN"):
        rnn.forward(dict(p, W=np.full((2, 4), np.nan)), x)
    with pytest.raises(ValueError, match="expected a dict"):
        rnn.forward([1, 2], x)


def test_bad_inputs_are_named():
    p = rnn.init_params(2, 4, 3, seed=0)
    with pytest.raises(ValueError, match=r"x: expected shape \(batch, time, 2\)"):
        rnn.forward(p, np.zeros((1, 2, 3)))
    with pytest.raises(ValueError, match="x: expected shape"):
        rnn.forward(p, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="x: holds"):
        rnn.forward(p, np.full((1, 2, 2), np.nan))
    with pytest.raises(ValueError, match="activation"):
        rnn.forward(p, np.zeros((1, 2, 2)), activation="sigmoid")
    y, cache = rnn.forward(p, np.zeros((1, 2, 2)))
    with pytest.raises(ValueError, match="dloss_doutputs"):
        rnn.backward(p, cache, np.zeros((1, 3, 3)))
    with pytest.raises(ValueError, match="truncate"):
        rnn.backward(p, cache, y, truncate=0)
    with pytest.raises(ValueError, match="cache"):
        rnn.backward(p, {"h": 1}, y)
    with pytest.raises(ValueError, match="other parameters"):
        rnn.backward(rnn.init_params(2, 5, 3, seed=0), cache, y)
    with pytest.raises(ValueError, match="target"):
        rnn.mse_loss(np.zeros((2, 2)), np.zeros((2, 3)))
    with pytest.raises(ValueError, match="d_in"):
        rnn.init_params(0, 4, 2)
    with pytest.raises(ValueError, match="spectral_radius"):
        rnn.init_params(2, 4, 2, spectral_radius=-1.0)


def test_bad_optimiser_and_training_arguments():
    p = rnn.init_params(2, 4, 3, seed=0)
    grads = {k: np.zeros_like(v) for k, v in p.items()}
    with pytest.raises(ValueError, match="keys"):
        rnn.Adam().step(p, {"W": grads["W"]})
    with pytest.raises(ValueError, match=r"grads\['U'\]"):
        rnn.SGD().step(p, dict(grads, U=np.zeros(3)))
    with pytest.raises(ValueError, match="lr"):
        rnn.Adam(lr=0)
    with pytest.raises(ValueError, match="momentum"):
        rnn.SGD(momentum=1.5)
    with pytest.raises(ValueError, match="max_norm"):
        rnn.clip_by_global_norm(grads, 0.0)
    x, y = np.zeros((4, 3, 2)), np.zeros((4, 3))
    with pytest.raises(ValueError, match="y_train"):
        rnn.train(p, x, np.zeros((4, 2)), progress=False)
    with pytest.raises(ValueError, match="give both"):
        rnn.train(p, x, y, x_val=x, progress=False)
    with pytest.raises(ValueError, match="epochs"):
        rnn.train(p, x, y, epochs=0, progress=False)
    with pytest.raises(ValueError, match="in place"):
        rnn.train({k: v.tolist() for k, v in p.items()}, x, y, progress=False)
    with pytest.raises(ValueError, match="optimizer"):
        rnn.train(p, x, y, optimizer="adam", progress=False)
    with pytest.raises(ValueError, match="return"):
        rnn.gradient_check(lambda q: 1.0, p)
    with pytest.raises(ValueError, match="d_out=2\\*horizon"):
        rnn.forecast(p, np.zeros((1, 3, 2)), horizon=2)
