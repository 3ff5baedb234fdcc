"""course_utils.gradients: dL/dh_t against finite differences, Jacobian products, IRNN, tape norms."""
import numpy as np
import pytest

from course_utils import gradients, rnn


def small_case(activation="tanh", seed=0, radius=None, steps=6):
    params = rnn.init_params(2, 5, 3, seed=seed, spectral_radius=radius)
    rng = np.random.default_rng(seed + 10)
    params["b"] = rng.normal(0, 0.3, 5)         # ReLU units active and inactive
    x = rng.normal(0, 1, (4, steps, 2))
    target = rng.normal(0, 1, (4, 3))
    return params, x, target


@pytest.mark.parametrize("activation", ["tanh", "relu"])
@pytest.mark.parametrize("t", [1, 3, 6])
def test_state_gradients_match_finite_differences(activation, t):
    params, x, target = small_case(activation)
    analytic = gradients.state_gradients(params, x, target, activation)[:, t - 1]
    numeric = gradients.numerical_state_gradient(params, x, t, target, activation)
    assert analytic.shape == numeric.shape == (4, 5)
    scale = np.abs(numeric).max()
    assert np.abs(analytic - numeric).max() <= 1e-6 * scale + 1e-12


def test_state_gradients_agree_with_backward_pass():
    """dL/dh0 from rnn.backward is what flows out of step 1: dL/dh_1 * f'(a_1) U^T."""
    params, x, target = small_case()
    outputs, cache = rnn.forward(params, x)
    _, g = rnn.mse_loss(outputs[:, -1], target)
    dout = np.zeros_like(outputs)
    dout[:, -1] = g
    grads = rnn.backward(params, cache, dout)
    dh1 = gradients.state_gradients(params, x, target)[:, 0]
    h1 = cache["h"][1]
    assert np.allclose(((dh1 * (1 - h1 ** 2)) @ params["U"].T).sum(axis=0), grads["h0"])


def test_norms_are_reversed_in_time_and_use_the_whole_batch():
    params, x, target = small_case()
    grads = gradients.state_gradients(params, x, target)
    norms = gradients.state_gradient_norms(params, x, target)
    assert norms.shape == (6,)
    assert np.isclose(norms[0], np.linalg.norm(grads[:, -1]))
    assert np.isclose(norms[-1], np.linalg.norm(grads[:, 0]))


def test_jacobian_product_gives_the_state_gradients():
    """With the loss on h_T only, dL/dh_t = dL/dh_T (dh_T/dh_t); norms of the product bounded by s_max(U)^d."""
    params, x, target = small_case(radius=0.9)
    norms = gradients.jacobian_product_norms(params, x)
    assert norms.shape == (4, 6) and np.allclose(norms[:, 0], 1.0)
    s_max = np.linalg.norm(params["U"], 2)
    assert np.all(norms[:, 1:] <= s_max ** np.arange(1, 6)[None] + 1e-9)
    assert np.all(np.diff(norms, axis=1) <= 1e-12)          # |tanh'| <= 1 and s_max < 1: never grows


def test_radius_decides_vanishing_or_exploding_for_a_linear_regime():
    """Tiny inputs keep tanh near its linear part: norms follow the spectral radius."""
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1e-4, (8, 30, 2))
    small = gradients.state_gradient_norms(rnn.init_params(2, 16, 2, seed=1, spectral_radius=0.5), x)
    large = gradients.state_gradient_norms(rnn.init_params(2, 16, 2, seed=1, spectral_radius=1.5), x)
    assert small[-1] / small[0] < 1e-6
    assert large[-1] / large[0] > 1e4


def test_spectral_radius_and_identity_init():
    params = rnn.init_params(2, 8, 2, seed=3, spectral_radius=1.1)
    assert np.isclose(gradients.spectral_radius(params["U"]), 1.1)
    irnn = gradients.identity_init_params(2, 8, 2, seed=3)
    assert np.array_equal(irnn["U"], np.eye(8)) and not irnn["b"].any()
    small = gradients.identity_init_params(2, 8, 2, seed=3, scale=0.5, input_std=1e-3)
    assert np.isclose(gradients.spectral_radius(small["U"]), 0.5) and np.abs(small["W"]).max() < 0.01


def test_bad_inputs_raise_clear_errors():
    params, x, target = small_case()
    with pytest.raises(ValueError, match="t: expected a step from 1 to T=6"):
        gradients.numerical_state_gradient(params, x, 7, target)
    with pytest.raises(ValueError, match="target"):
        gradients.state_gradients(params, x, np.zeros((4, 2)))
    with pytest.raises(ValueError, match="square"):
        gradients.spectral_radius(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="h_t"):
        gradients.loss_from_state(params, x, 2, np.zeros((4, 3)))
    with pytest.raises(ValueError, match="scale"):
        gradients.identity_init_params(2, 4, 2, scale=0.0)
    with pytest.raises(ValueError, match="eps"):
        gradients.numerical_state_gradient(params, x, 1, target, eps=0.0)


def test_tape_norms_match_the_numpy_rnn():
    """Keras SimpleRNN with the NumPy RNN's weights: the tape's dL/dh_t equals state_gradients."""
    from course_utils.notebook import quiet_tensorflow
    quiet_tensorflow()
    import keras

    params, x, _ = small_case()
    params["h0"][:] = 0.0                        # Keras cells start from zeros
    layer, dense = rnn.to_keras(params)
    tape = gradients.autodiff_state_gradient_norms(layer, x, head=dense)
    numpy_norms = gradients.state_gradient_norms(params, x)   # target 0: loss mean(y_T^2)
    assert np.allclose(tape["h"], numpy_norms, rtol=1e-4)
    lstm = keras.layers.LSTM(4)
    lstm.build((None, None, 2))
    both = gradients.autodiff_state_gradient_norms(lstm, x)
    assert set(both) == {"h", "c"} and both["c"].shape == (6,)
    assert np.all(np.isfinite(both["c"])) and both["c"][-1] > 0
