"""course_utils.augment: one property test per law, and the bad-input errors."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from course_utils import augment

angles = st.floats(-10, 10, allow_nan=False)


def walks(n, t):
    """Windows of n walkers, t positions each: a start anywhere, then steps of 5 cm to 3 m in any direction
    (never zero-length, so that every turn angle is defined)."""
    start = arrays(np.float64, (n, 1, 2), elements=st.floats(-50, 50))
    length = arrays(np.float64, (n, t - 1), elements=st.floats(0.05, 3.0))
    heading = arrays(np.float64, (n, t - 1), elements=st.floats(-np.pi, np.pi))
    return st.builds(lambda s, l, h: np.concatenate(
        [s, s + np.cumsum(np.stack([l * np.cos(h), l * np.sin(h)], axis=-1), axis=1)], axis=1), start, length, heading)


windows = st.integers(1, 4).flatmap(lambda n: st.integers(3, 10).flatmap(lambda t: walks(n, t)))


def same_angle(a, b):
    return np.allclose(np.angle(np.exp(1j * (a - b))), 0.0, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(windows, angles)
def test_rotation_preserves_speeds_and_turn_angles(xy, angle):
    out = augment.rotate(xy, angle)
    assert out.shape == xy.shape
    assert np.allclose(augment.speeds(out), augment.speeds(xy), atol=1e-9)
    assert same_angle(augment.turn_angles(out), augment.turn_angles(xy))


@settings(max_examples=60, deadline=None)
@given(windows, angles)
def test_reflection_preserves_speeds_and_mirrors_turns(xy, axis):
    out = augment.reflect(xy, axis)
    assert out.shape == xy.shape
    assert np.allclose(augment.speeds(out), augment.speeds(xy), atol=1e-9)
    assert np.allclose(augment.reflect(out, axis), xy, atol=1e-9)          # a mirror twice is the identity
    assert same_angle(augment.turn_angles(out), -augment.turn_angles(xy))


@settings(max_examples=60, deadline=None)
@given(windows, st.floats(0.1, 10))
def test_scaling_multiplies_speeds_and_keeps_turns(xy, factor):
    out = augment.scale(xy, factor)
    assert np.allclose(augment.speeds(out), factor * augment.speeds(xy), atol=1e-9)
    assert np.allclose(out[:, 0], xy[:, 0])
    assert same_angle(augment.turn_angles(out), augment.turn_angles(xy))


@settings(max_examples=60, deadline=None)
@given(windows)
def test_reversal_keeps_speeds_backwards_and_mirrors_turns(xy):
    out = augment.reverse(xy)
    assert np.allclose(augment.speeds(out), augment.speeds(xy)[:, ::-1])
    assert same_angle(augment.turn_angles(out), -augment.turn_angles(xy)[:, ::-1])


@settings(max_examples=40, deadline=None)
@given(windows, st.integers(0, 2 ** 32 - 1), st.booleans())
def test_random_augment_keeps_shapes_and_never_mixes_windows(xy, seed, reversal):
    kwargs = dict(scaling=(0.8, 1.2), noise=0.0, reversal=reversal)
    out = augment.random_augment(xy, np.random.default_rng(seed), **kwargs)
    assert out.shape == xy.shape
    assert np.allclose(out[:, 0], xy[:, 0], atol=1e-9)                      # each window stays where it was
    ratio = augment.speeds(out).sum(axis=1) / np.maximum(augment.speeds(xy).sum(axis=1), 1e-12)
    moving = augment.speeds(xy).sum(axis=1) > 1e-3
    assert np.all((ratio[moving] >= 0.8 - 1e-9) & (ratio[moving] <= 1.2 + 1e-9))   # path length scaled only
    # change one window: with the same random draws, every other output window is unchanged
    changed = xy.copy()
    changed[0] += 1.0 + np.arange(xy.shape[1])[:, None]
    again = augment.random_augment(changed, np.random.default_rng(seed), **kwargs)
    assert np.allclose(again[1:], out[1:])


def test_random_augment_is_reproducible_and_noise_has_its_size():
    rng = np.random.default_rng(0)
    xy = np.cumsum(rng.normal(0, 1, (200, 20, 2)), axis=1)
    a = augment.random_augment(xy, np.random.default_rng(5), noise=0.05)
    b = augment.random_augment(xy, np.random.default_rng(5), noise=0.05)
    assert np.array_equal(a, b)
    plain = augment.add_noise(xy, 0.05, np.random.default_rng(1)) - xy
    assert abs(plain.std() - 0.05) < 0.002


def test_bad_inputs_raise_clear_errors():
    xy = np.zeros((2, 5, 2))
    with pytest.raises(ValueError, match=r"xy: expected shape \(n, n, 2\)"):
        augment.rotate(np.zeros((5, 2)), 0.1)
    with pytest.raises(ValueError, match="factors: expected positive"):
        augment.scale(xy, -1.0)
    with pytest.raises(ValueError, match="angles"):
        augment.rotate(xy, np.zeros(3))
    with pytest.raises(ValueError, match="rng"):
        augment.random_augment(xy, 0)
    with pytest.raises(ValueError, match="scaling"):
        augment.random_augment(xy, np.random.default_rng(0), scaling=(1.2, 0.8))
    with pytest.raises(ValueError, match="std"):
        augment.add_noise(xy, -0.1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="NaN"):
        augment.reverse(np.full((1, 3, 2), np.nan))
