"""Tests for course_utils.models, course_utils.training and course_utils.checks_keras (notebook 03)."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from course_utils import baselines, checks_keras, data, metrics, models, training

# Keras's own conversion of TensorFlow variables trips NumPy 2's copy-keyword deprecation; not ours.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")


def _windows(n=40, k=8, m=12, seed=0):
    trajs = data.generate_synthetic(n, length=k + m, seed=seed)
    return data.make_windows(trajs, k, m)


# ----------------------------------------------------------------- builders

@pytest.mark.parametrize("cell", models.CELLS)
@pytest.mark.parametrize("head", models.HEADS)
def test_builders_have_the_documented_shapes(cell, head):
    net = models.build_forecaster(cell, units=8, k=8, m=12, head=head, seed=0)
    assert tuple(net.input_shape) == (None, 7, 2)
    assert tuple(net.output_shape) == (None, 12, 2)
    out = np.asarray(net(np.zeros((3, 7, 2), np.float32)))
    assert out.shape == (3, 12, 2)


def test_builder_options_change_the_shapes():
    net = models.build_forecaster("gru", units=4, k=5, m=3, input_steps=5, layers=2, seed=1)
    assert tuple(net.input_shape) == (None, 5, 2) and tuple(net.output_shape) == (None, 3, 2)
    assert sum("encoder" in layer.name for layer in net.layers) == 2
    single = models.build_forecaster("lstm", units=4, k=4, m=1, head="seq2seq", seed=1)
    assert tuple(single.output_shape) == (None, 1, 2)


def test_lstm_parameter_count_is_four_gates():
    net = models.build_forecaster("lstm", units=32, k=8, m=12, seed=0)
    assert net.get_layer("encoder").count_params() == 4 * (32 * (32 + 2) + 32)


def test_builders_reject_bad_choices():
    with pytest.raises(ValueError, match="cell: expected one of"):
        models.build_forecaster("transformer")
    with pytest.raises(ValueError, match="head: expected one of"):
        models.build_forecaster("lstm", head="attention")
    with pytest.raises(ValueError, match="units: expected an integer >= 1"):
        models.build_forecaster("lstm", units=0)
    with pytest.raises(ValueError, match="representation: expected one of"):
        models.KerasForecaster.build("lstm", representation="polar")


@pytest.mark.parametrize("representation, steps", [("absolute", 8), ("displacements", 7), ("canonical", 7)])
def test_forecaster_predicts_positions_of_the_right_shape(representation, steps):
    w = _windows(20)
    f = models.KerasForecaster.build("rnn", units=4, representation=representation, seed=0)
    f.fit_normalisation(w.observed, w.future)
    assert f.encode(w.observed).shape == (20, steps, 2)
    assert f.predict(w.observed, 12).shape == (20, 12, 2)
    np.testing.assert_allclose(f.predict(w.observed, 5), f.predict(w.observed, 12)[:, :5])
    with pytest.raises(ValueError, match="horizon: .* predicts at most m=12 steps, got 13"):
        f.predict(w.observed, 13)
    with pytest.raises(ValueError, match="trained on k=8 observed positions"):
        f.predict(w.observed[:, 2:], 12)


def test_forecaster_needs_its_normalisation():
    f = models.KerasForecaster.build("rnn", units=4, seed=0)
    with pytest.raises(ValueError, match="normalisation not set"):
        f.predict(_windows(2).observed, 12)


@pytest.mark.parametrize("representation", models.REPRESENTATIONS)
def test_encode_target_and_decode_are_inverse(representation):
    w = _windows(30, seed=3)
    f = models.KerasForecaster.build("rnn", units=4, representation=representation, seed=0)
    f.fit_normalisation(w.observed, w.future)
    np.testing.assert_allclose(f.decode(w.observed, f.encode_target(w.observed, w.future)), w.future, atol=1e-5)


def test_displacement_scale_is_the_rms_step():
    w = _windows(30)
    f = models.KerasForecaster.build("rnn", units=4, representation="displacements", seed=0)
    f.fit_normalisation(w.observed, w.future)
    steps = np.diff(np.concatenate([w.observed, w.future], axis=1), axis=1)
    assert f.scale == pytest.approx(np.sqrt(np.mean(steps ** 2)))


# ----------------------------------------------------------------- the canonical frame

@settings(max_examples=50, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 6), k=st.integers(2, 10))
def test_rotation_to_the_canonical_frame_and_back_is_exact(seed, n, k):
    rng = np.random.default_rng(seed)
    observed = np.cumsum(rng.normal(0, 1, (n, k, 2)), axis=1)
    steps = np.diff(observed, axis=1)
    angles = models.canonical_angles(observed)
    canon = models.rotate(steps, -angles)
    np.testing.assert_allclose(models.rotate(canon, angles), steps, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(canon, axis=-1), np.linalg.norm(steps, axis=-1), atol=1e-12)
    # the last step points along +x
    np.testing.assert_allclose(canon[:, -1, 1], 0.0, atol=1e-12)
    assert np.all(canon[:, -1, 0] > 0)


def test_canonical_angle_falls_back_when_standing():
    observed = np.array([[[0, 0], [0, 1], [0, 1]], [[2, 2], [2, 2], [2, 2]]], dtype=float)
    np.testing.assert_allclose(models.canonical_angles(observed), [np.pi / 2, 0.0])


def test_canonical_forecaster_is_rotation_equivariant():
    w = _windows(10, seed=5)
    f = models.KerasForecaster.build("gru", units=4, representation="canonical", seed=0)
    f.fit_normalisation(w.observed, w.future)
    turn = np.full(len(w), 0.7)
    np.testing.assert_allclose(f.predict(models.rotate(w.observed, turn), 12),
                               models.rotate(f.predict(w.observed, 12), turn), atol=1e-5)


# ----------------------------------------------------------------- saving and evaluation

@pytest.mark.parametrize("head", models.HEADS)
def test_saved_model_reloads_and_predicts_identically(tmp_path, head):
    w = _windows(16)
    f = models.KerasForecaster.build("lstm", units=6, head=head, representation="canonical", seed=2)
    f.fit_normalisation(w.observed, w.future)
    path = f.save(tmp_path / "model.keras")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json", "model.keras"]
    loaded = models.KerasForecaster.load(path)
    assert (loaded.k, loaded.m, loaded.representation, loaded.scale) == (f.k, f.m, f.representation, f.scale)
    np.testing.assert_array_equal(loaded.predict(w.observed, 12), f.predict(w.observed, 12))


def test_save_and_load_give_clear_errors(tmp_path):
    f = models.KerasForecaster.build("rnn", units=4, seed=0)
    f.fit_normalisation(*(lambda w: (w.observed, w.future))(_windows(4)))
    with pytest.raises(ValueError, match="ending in .keras"):
        f.save(tmp_path / "model.h5")
    with pytest.raises(FileNotFoundError, match="saved forecaster file not found"):
        models.KerasForecaster.load(tmp_path / "missing.keras")


def test_evaluate_scores_networks_and_baselines_alike():
    w = _windows(12)
    f = models.KerasForecaster.build("rnn", units=4, seed=0)
    f.fit_normalisation(w.observed, w.future)
    table = metrics.evaluate_windows({"cv": baselines.ConstantVelocity(), "rnn": f}, w.observed, w.future)
    assert list(table.index) == ["cv", "rnn"] and table.shape[1] == 2 + 12


def test_evaluate_rejects_mismatched_shapes():
    w = _windows(6)
    f = models.KerasForecaster.build("rnn", units=4, seed=0)
    f.fit_normalisation(w.observed, w.future)
    with pytest.raises(ValueError, match="same number of windows; got 6 and 5"):
        metrics.evaluate_windows({"rnn": f}, w.observed, w.future[:5])
    with pytest.raises(ValueError, match=r"future: expected shape \(n, n, 2\)"):
        metrics.evaluate_windows({"rnn": f}, w.observed, w.future[..., :1])
    with pytest.raises(ValueError, match="horizon: .* predicts at most m=12 steps, got 14"):
        metrics.evaluate_windows({"rnn": f}, w.observed, np.zeros((6, 14, 2)))
    with pytest.raises(ValueError, match="trained on k=8 observed positions"):
        metrics.evaluate_windows({"rnn": f}, w.observed[:, :5], w.future)


def test_rescaled_predictor_changes_units_only():
    w = _windows(5)
    cv = baselines.ConstantVelocity()
    np.testing.assert_allclose(models.Rescaled(cv, 0.01).predict(w.observed, 12), cv.predict(w.observed, 12))
    with pytest.raises(ValueError, match="factor: expected a positive number"):
        models.Rescaled(cv, 0)


# ----------------------------------------------------------------- training

def test_batches_per_epoch_counts_examples_per_batch():
    assert training.batches_per_epoch(11852, 32) == 371
    assert training.batches_per_epoch(256, 256) == 1 and training.batches_per_epoch(257, 256) == 2
    with pytest.raises(ValueError, match="batch_size"):
        training.batches_per_epoch(10, 0)


@pytest.mark.slow
def test_short_seeded_training_lowers_validation_loss_and_repeats(tmp_path):
    train_trajs, val_trajs = data.split_by_trajectory(data.generate_synthetic(400, seed=7), (0.75, 0.25), seed=0)
    train_w, val_w = data.make_windows(train_trajs), data.make_windows(val_trajs)

    def run(checkpoint=None):
        f = models.KerasForecaster.build("lstm", units=16, representation="canonical", seed=0)
        f.fit_normalisation(train_w.observed, train_w.future)
        untrained = metrics.ade(f.predict(val_w.observed, 12), val_w.future)
        result = training.fit(f, train_w, val_w, epochs=15, batch_size=64, patience=15, learning_rate=5e-3,
                              loss="distance", seed=3, checkpoint=checkpoint)
        return f, untrained, result

    f, untrained, result = run(tmp_path / "best.keras")
    losses = result.history["val_loss"]
    assert result.epochs_run == 15 and len(losses) == 15 and result.steps_per_epoch == 5
    assert min(losses) < 0.7 * losses[0]
    trained = metrics.ade(f.predict(val_w.observed, 12), val_w.future)
    assert trained < 0.5 * untrained
    # the best epoch's weights are kept and saved
    assert result.best_val_loss == min(losses) and losses[result.best_epoch - 1] == min(losses)
    loaded = models.KerasForecaster.load(result.checkpoint)
    np.testing.assert_array_equal(loaded.predict(val_w.observed, 12), f.predict(val_w.observed, 12))
    # same seed, same run
    again = run()[2]
    assert again.history == result.history


def test_fit_rejects_bad_arguments():
    w = _windows(8)
    f = models.KerasForecaster.build("rnn", units=4, seed=0)
    with pytest.raises(ValueError, match="forecaster: expected a course_utils.models.KerasForecaster"):
        training.fit(baselines.ConstantVelocity(), w, w)
    with pytest.raises(ValueError, match="loss: expected one of"):
        training.fit(f, w, w, loss="huber", epochs=1)
    with pytest.raises(ValueError, match="checkpoint: expected a file name ending in .keras"):
        training.fit(f, w, w, checkpoint="best.h5")
    with pytest.raises(ValueError, match="train: expected a data.Windows or a pair"):
        training.fit(f, w.observed, w)
    with pytest.raises(ValueError, match="val future: expected shape"):
        training.fit(f, w, (w.observed, w.future[:3]))


def test_plot_history_marks_the_best_epoch():
    import matplotlib
    matplotlib.use("Agg")
    result = training.FitResult(history={"loss": [3.0, 2.0, 1.5], "val_loss": [2.5, 2.0, 2.2]}, best_epoch=2,
                                best_val_loss=2.0, epochs_run=3, seconds=0.1, batch_size=8, steps_per_epoch=1,
                                name="net", loss="distance")
    ax = training.plot_history({"net": result})
    assert len(ax.lines) == 3 and list(ax.lines[2].get_xdata()) == [2]
    assert "distance" in ax.get_ylabel()
    with pytest.raises(ValueError, match="expected a FitResult"):
        training.plot_history({})


# ----------------------------------------------------------------- exercise checkers

def test_checkers_accept_solutions_and_explain_mistakes():
    assert checks_keras.check_batches_per_epoch(371)
    assert not checks_keras.check_batches_per_epoch(32)
    assert "Not yet" in repr(checks_keras.check_batches_per_epoch(...))

    assert checks_keras.check_normalise(lambda obs, scale: np.diff(obs, axis=1) / scale)
    wrong = checks_keras.check_normalise(lambda obs, scale: np.diff(obs, axis=1))
    assert not wrong and "different values" in repr(wrong)

    def canonical(obs):
        steps = np.diff(obs, axis=1)
        a = np.arctan2(steps[:, -1, 1], steps[:, -1, 0])[:, None]
        c, s = np.cos(a), np.sin(a)
        return np.stack([c * steps[..., 0] + s * steps[..., 1], -s * steps[..., 0] + c * steps[..., 1]], -1)

    assert checks_keras.check_canonical_frame(canonical)
    assert not checks_keras.check_canonical_frame(lambda obs: np.diff(obs, axis=1))
    broken = checks_keras.check_canonical_frame(lambda obs: 1 / 0)
    assert not broken and "ZeroDivisionError" in repr(broken)


def test_importing_the_modules_does_not_import_tensorflow():
    import subprocess
    import sys
    code = ("import sys, course_utils.models, course_utils.training, course_utils.checks_keras; "
            "print('tensorflow' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
