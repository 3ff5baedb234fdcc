"""course_utils.experiments: grids, tables, step-by-step NumPy training, the memory task, the Keras ensemble."""
import numpy as np
import pandas as pd
import pytest

from course_utils import experiments as ex
from course_utils import rnn


# --------------------------------------------------------------------------- grids and tables
def test_run_grid_runs_every_config_and_seed_in_order():
    calls = []

    def run(config, seed):
        calls.append((config["a"], seed))
        return {"score": config["a"] * 10 + seed}

    table = ex.run_grid({"one": {"a": 1}, "two": {"a": 2}}, [0, 1, 2], run)
    assert list(table.columns) == ["config", "seed", "score"]
    assert calls == [(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2)]
    summary = ex.summarise(table)
    assert list(summary.index) == ["one", "two"]
    assert summary.loc["one", "score"] == "11.000 ± 1.000"
    assert summary.attrs["mean"]["score"]["two"] == 21.0 and summary.attrs["spread"]["score"]["one"] == 1.0
    half_range = ex.summarise(table, ["score"], spread="range", digits=1)
    assert half_range.loc["two", "score"] == "21.0 ± 1.0"


def test_grid_and_summary_reject_bad_inputs():
    run = lambda c, s: {"x": 1.0}  # noqa: E731
    with pytest.raises(ValueError, match="configs"):
        ex.run_grid({}, [0], run)
    with pytest.raises(ValueError, match=r"configs\['a'\]"):
        ex.run_grid({"a": 3}, [0], run)
    with pytest.raises(ValueError, match="seeds"):
        ex.run_grid({"a": {}}, [], run)
    with pytest.raises(ValueError, match="seeds"):
        ex.run_grid({"a": {}}, [1, 1], run)
    with pytest.raises(ValueError, match="run"):
        ex.run_grid({"a": {}}, [0], lambda c, s: 3.0)
    with pytest.raises(ValueError, match="metrics"):
        ex.summarise(pd.DataFrame({"config": ["a"], "seed": [0], "x": [1.0]}), ["y"])
    with pytest.raises(ValueError, match="table"):
        ex.summarise([1, 2])


def test_plot_band_draws_mean_and_band():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    curves = np.array([[1.0, 10.0, np.nan], [100.0, 10.0, 1.0]])
    line = ex.plot_band(ax, [0, 1, 2], curves, log=True, label="x")
    assert np.allclose(line.get_ydata(), [10.0, 10.0, 1.0])
    with pytest.raises(ValueError, match="curves"):
        ex.plot_band(ax, [0, 1], curves)
    plt.close(fig)


# --------------------------------------------------------------------------- NumPy training
def test_rmsprop_step_is_the_formula():
    params = {"w": np.array([1.0, -2.0])}
    opt = ex.RMSprop(lr=0.1, rho=0.9, eps=1e-7)
    g1, g2 = np.array([0.5, 2.0]), np.array([-1.0, 1.0])
    opt.step(params, {"w": g1})
    v1 = 0.1 * g1 ** 2
    expected = np.array([1.0, -2.0]) - 0.1 * g1 / np.sqrt(v1 + 1e-7)
    assert np.allclose(params["w"], expected)
    opt.step(params, {"w": g2})
    v2 = 0.9 * v1 + 0.1 * g2 ** 2
    assert np.allclose(params["w"], expected - 0.1 * g2 / np.sqrt(v2 + 1e-7))
    with pytest.raises(ValueError, match="lr"):
        ex.RMSprop(lr=0)
    with pytest.raises(ValueError, match="grads"):
        opt.step(params, {"v": g1})


def exploding_case(seed=0):
    x, y, _ = ex.turn_signal_task(256, 20, seed=seed)
    return rnn.init_params(2, 16, 2, seed=seed, spectral_radius=1.5), x, y


def test_clipping_bounds_the_update_norm():
    """SGD moves by lr * gradient: with clipping at c every update is at most lr * c long."""
    lr, c = 0.2, 1.0
    params, x, y = exploding_case()
    free = ex.train_steps(params, x, y, steps=60, batch_size=32, optimizer=rnn.SGD(lr), seed=0)
    params, x, y = exploding_case()
    clipped = ex.train_steps(params, x, y, steps=60, batch_size=32, optimizer=rnn.SGD(lr), clip=c, seed=0)
    assert np.nanmax(free["update_norm"]) > 5 * lr * c             # without clipping: far longer steps
    assert np.nanmax(clipped["grad_norm"]) > c                      # the clip was needed
    assert np.all(clipped["update_norm"] <= lr * c * (1 + 1e-9))
    assert np.allclose(clipped["update_norm"], lr * np.minimum(clipped["grad_norm"], c))
    assert clipped["diverged_at"] is None and np.all(np.isfinite(clipped["loss"]))
    again = ex.train_steps(*exploding_case()[:1], x, y, steps=60, batch_size=32, optimizer=rnn.SGD(lr), clip=c,
                           seed=0)
    assert np.array_equal(again["loss"], clipped["loss"])            # seeded: the same run twice


def test_train_steps_stops_cleanly_when_training_diverges():
    params, x, y = exploding_case()
    history = ex.train_steps(params, x, y, steps=30, batch_size=32, optimizer=rnn.SGD(1e8), seed=0)
    assert history["diverged_at"] is not None and history["diverged_at"] < 30
    assert np.all(np.isnan(history["loss"][history["diverged_at"] + 1:]))
    assert all(np.all(np.isfinite(v)) for v in params.values())


def test_train_steps_records_per_parameter_sizes_and_validates():
    params, x, y = exploding_case()
    history = ex.train_steps(params, x, y, steps=5, batch_size=64, optimizer=rnn.Adam(1e-3), seed=1)
    assert set(history["update_rms"]) == set(rnn.PARAM_NAMES)
    # Adam's first step moves every parameter entry with a non-zero gradient by about lr
    assert np.isclose(history["update_rms"]["W"][0], 1e-3, rtol=1e-3)
    with pytest.raises(ValueError, match="y"):
        ex.train_steps(params, x, y[:, :1], steps=1)
    with pytest.raises(ValueError, match="steps"):
        ex.train_steps(params, x, y, steps=0)
    with pytest.raises(ValueError, match="clip"):
        ex.train_steps(params, x, y, steps=1, clip=-1.0)
    with pytest.raises(ValueError, match="optimizer"):
        ex.train_steps(params, x, y, steps=1, optimizer="adam")


# --------------------------------------------------------------------------- the memory task, windows
def test_turn_signal_task_hides_the_side_in_the_first_step_only():
    x, y, side = ex.turn_signal_task(500, 7, seed=3, sway=0.5)
    assert x.shape == (500, 8, 2) and y.shape == (500, 2) and x.dtype == np.float32
    assert np.array_equal(np.sign(x[:, 0, 1]), side) and np.array_equal(np.sign(y[:, 1]), side)
    later = x[:, 1:, 1].mean(axis=1)
    assert abs(np.corrcoef(later, side)[0, 1]) < 0.2                  # the sway says nothing about the side
    assert ex.signal_accuracy(y, side) == 1.0 and ex.signal_accuracy(-y, side) == 0.0
    nan = y.copy()
    nan[0] = np.nan
    assert ex.signal_accuracy(nan, side) == pytest.approx(499 / 500)
    with pytest.raises(ValueError, match="lag"):
        ex.turn_signal_task(10, 0)
    with pytest.raises(ValueError, match="sway"):
        ex.turn_signal_task(10, 3, sway=-1.0)


def test_encode_and_decode_windows_round_trip():
    rng = np.random.default_rng(0)
    xy = np.cumsum(rng.normal(0, 0.4, (10, 20, 2)), axis=1)
    x, y = ex.encode_windows(xy[:, :8], xy[:, 8:], scale=0.4)
    assert x.shape == (10, 7, 2) and y.shape == (10, 12, 2)
    assert np.allclose(ex.decode_steps(xy[:, :8], y, scale=0.4), xy[:, 8:], atol=1e-5)
    with pytest.raises(ValueError, match="scale"):
        ex.encode_windows(xy[:, :8], scale=0.0)
    with pytest.raises(ValueError, match="future"):
        ex.encode_windows(xy[:, :8], xy[:3, 8:], scale=1.0)


def test_teacher_mode_reads_the_environment(monkeypatch):
    monkeypatch.delenv("COURSE_FULL", raising=False)
    assert not ex.teacher_mode()
    monkeypatch.setenv("COURSE_FULL", "1")
    assert ex.teacher_mode()


# --------------------------------------------------------------------------- the Keras ensemble
def test_ensemble_rejects_bad_specs():
    with pytest.raises(ValueError, match="cell"):
        ex.Ensemble({"a": {"cell": "transformer"}})
    with pytest.raises(ValueError, match="unknown setting"):
        ex.Ensemble({"a": {"cell": "lstm", "layers": 2}})
    with pytest.raises(ValueError, match="forget"):
        ex.Ensemble({"a": {"cell": "gru", "forget_bias": 2.0}})
    with pytest.raises(ValueError, match="dropout"):
        ex.Ensemble({"a": {"dropout": 1.5}})


@pytest.mark.slow
def test_packed_seeds_train_like_independent_networks():
    """Seed 0 trained beside seed 1 ends where seed 0 trained alone ends; standalone copies agree."""
    x, y, _ = ex.turn_signal_task(96, 4, seed=0)
    xv, yv, _ = ex.turn_signal_task(32, 4, seed=1)
    train, val = (x, y[:, None]), (xv, yv[:, None])
    specs = {"gru": {"cell": "gru", "units": 3}, "lstm": {"cell": "lstm", "units": 3, "forget_bias": 2.0,
                                                          "restore_best": True}}
    both = ex.Ensemble(specs, [0, 1], out_steps=1).fit(train, val, epochs=3, batch_size=32, lr=1e-2)
    alone = ex.Ensemble(specs, [0], out_steps=1).fit(train, val, epochs=3, batch_size=32, lr=1e-2)
    p_both, p_alone = both.predict(xv), alone.predict(xv)
    for name in specs:
        assert np.allclose(p_both[(name, 0)], p_alone[(name, 0)], atol=1e-4)
        assert not np.allclose(p_both[(name, 0)], p_both[(name, 1)], atol=1e-3)
    # restore_best keeps the epoch with the lowest validation loss
    hist = both.history[("lstm", 1)]["val_loss"]
    assert both.history[("lstm", 1)]["epoch"] == [1, 2, 3]
    assert both.best_epoch[("lstm", 1)] == int(np.argmin(hist)) + 1
    assert np.isclose(both.losses(xv, yv[:, None])[("lstm", 1)], min(hist), rtol=1e-4)
    assert both.best_epoch[("gru", 0)] == 3 and len(both.history[("gru", 0)]["loss"]) == 3
    # one network on its own: same outputs, Keras counts the same number of weights
    for name in specs:
        layer, head = both.network(name, 1)
        alone_out = np.asarray(head(layer(xv))).reshape(-1, 1, 2)
        assert np.allclose(alone_out, p_both[(name, 1)], atol=1e-5)
        assert layer.count_params() + head.count_params() == both.count_params(name)
    lstm, _ = both.network("lstm", 0)
    fresh = ex.Ensemble(specs, [0], out_steps=1)
    assert np.allclose(fresh.network("lstm", 0)[0].get_weights()[2][3:6], 2.0)   # forget-gate bias
    sparse = ex.Ensemble({"rnn": {"cell": "rnn", "units": 2}}, [0], out_steps=1).fit(
        train, val, epochs=10, batch_size=96, checkpoints=4)
    assert sparse.history[("rnn", 0)]["epoch"] == [1, 4, 7, 10]
    with pytest.raises(ValueError, match="streams"):
        ex.Ensemble({"aug": {"stream": "augmented"}}, [0], out_steps=1).fit(train, val, epochs=1)
    with pytest.raises(ValueError, match="name, seed"):
        both.network("lstm", 7)


# --------------------------------------------------------------------------- the exercise checkers
def test_checkers_accept_right_answers_and_explain_wrong_ones():
    from course_utils import augment
    from course_utils import checks_experiments as ce

    def not_yet(*args):
        raise NotImplementedError("Your turn")

    def right_gap(h):
        best = int(np.argmin(h["val_loss"]))
        return h["val_loss"][best] - h["loss"][best]

    right_clip = lambda g, m: rnn.clip_by_global_norm(g, m)[0]  # noqa: E731
    cases = [
        (ce.check_rotate_windows, augment.rotate, lambda xy, a: augment.rotate(xy, -a)),
        (ce.check_generalisation_gap, right_gap, lambda h: h["val_loss"][-1] - h["loss"][-1]),
        (ce.check_jacobian_step, lambda h, U: (1 - h ** 2)[:, None] * U.T, lambda h, U: (1 - h ** 2)[:, None] * U),
        (ce.check_clip_global, right_clip, lambda g, m: g),
    ]
    for checker, right, wrong in cases:
        assert checker(right), checker.__name__
        result = checker(wrong)
        assert not result and result.message.startswith("❌"), (checker.__name__, result.message)
        assert "Not yet" in checker(...).message and "Not yet" in checker(not_yet).message
        assert not checker(3)                       # not a function: a friendly message, no exception
    assert ce.check_vanishing_steps(51, factor=0.76) and not ce.check_vanishing_steps(50, factor=0.76)
    assert "Not yet" in ce.check_vanishing_steps(...).message
    assert ce.check_invalid_augmentation("reversal") and ce.check_invalid_augmentation(" Reversal ")
    assert not ce.check_invalid_augmentation("rotation") and not ce.check_invalid_augmentation("flip")
    assert "Not yet" in ce.check_invalid_augmentation(...).message
