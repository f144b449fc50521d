"""int8 by hand: the affine per-tensor scheme and the symmetric per-channel one (no TensorFlow)."""

import numpy as np
import pytest

from course_lib.compress import int8


def round_trip(x):
    params = int8.int8_params(x)
    return int8.dequantize(int8.quantize(x, params), params), params


# --- affine, one scale per tensor ------------------------------------------------------------

@pytest.mark.parametrize("x", [
    np.random.default_rng(0).normal(0, 0.05, (128, 64)),
    np.random.default_rng(1).uniform(0, 6, 1000),          # all positive: range widened to 0
    -np.random.default_rng(2).uniform(1, 3, 500),           # all negative
    np.r_[np.random.default_rng(3).normal(0, 1, 999), 40.0],  # one outlier stretches the scale
], ids=["normal", "positive", "negative", "outlier"])
def test_round_trip_error_is_at_most_half_a_step(x):
    back, params = round_trip(x)
    assert np.abs(back - x).max() <= params.scale / 2 * (1 + 1e-5)
    lo, hi = min(x.min(), 0), max(x.max(), 0)
    assert params.scale == pytest.approx((hi - lo) / 255)   # all 256 levels used, none wasted
    assert int8.dequantize(int8.quantize(np.zeros(3), params), params).tolist() == [0, 0, 0]


def test_quantize_saturates_outside_the_range_and_handles_all_zeros():
    params = int8.int8_params(np.array([-1.0, 1.0]))
    assert int8.quantize(np.array([-5.0, 5.0]), params).tolist() == [-128, 127]
    back, _ = round_trip(np.zeros((4, 4)))
    assert not back.any()


@pytest.mark.parametrize("x, error, message", [
    (np.array([]), ValueError, "x: expected at least one element"),
    (np.array([1.0, np.nan]), ValueError, "x: expected finite values"),
    ([0.5, 1.0], TypeError, "x: expected a NumPy array, got list")])
def test_int8_params_refuses_empty_nan_and_lists(x, error, message):
    with pytest.raises(error, match=message):
        int8.int8_params(x)


# --- symmetric, one scale per channel --------------------------------------------------------

def test_per_channel_codes_use_the_full_symmetric_range_of_every_channel():
    rng = np.random.default_rng(4)
    kernel = rng.normal(0, 1, (3, 3, 8, 16)) * np.geomspace(1e-3, 1, 16)  # channels 1000x apart
    q, scales = int8.quantize_per_channel(kernel)
    assert q.dtype == np.int8 and q.shape == kernel.shape and scales.shape == (16,)
    assert np.abs(q).reshape(-1, 16).max(axis=0).tolist() == [127] * 16  # no channel wastes codes
    assert q.min() >= -127
    back = int8.dequantize_per_channel(q, scales)
    assert (np.abs(back - kernel) <= scales / 2 * (1 + 1e-5) + 1e-7).all()
    # One scale for the whole tensor would leave the smallest channel a handful of codes.
    assert len(np.unique(int8.quantize_per_channel(kernel.reshape(1, -1), axis=0)[0]
                         .reshape(kernel.shape)[..., 0])) < 5


def test_per_channel_along_another_axis_and_an_all_zero_channel():
    kernel = np.array([[0.0, 0.0, 0.0], [1.0, -2.0, 0.5]], dtype=np.float32)
    q, scales = int8.quantize_per_channel(kernel, axis=0)
    assert scales.tolist() == [1.0, 2.0 / 127] and q[0].tolist() == [0, 0, 0]
    assert q[1].tolist() == [64, -127, 32]  # 63.5 rounds to the even 64
    assert np.array_equal(int8.dequantize_per_channel(q, scales, axis=0)[0], [0, 0, 0])


def test_dequantize_per_channel_subtracts_zero_points_and_checks_counts():
    q = np.array([[10, -10], [0, 5]], dtype=np.int8)
    back = int8.dequantize_per_channel(q, np.array([0.5, 2.0]), zero_points=np.array([10, 0]))
    assert back.tolist() == [[0.0, -20.0], [-5.0, 10.0]]
    with pytest.raises(ValueError, match="scales: expected 1 or 2 values"):
        int8.dequantize_per_channel(q, np.ones(3))
    with pytest.raises(ValueError, match="q: expected dtype int8"):
        int8.dequantize_per_channel(q.astype(np.int16), np.ones(2))


@pytest.mark.parametrize("weights, axis, error, message", [
    (np.ones((2, 2)), 2, ValueError, "axis: expected an integer in -2..1"),
    (np.ones((2, 2)), 1.0, TypeError, "axis: expected an integer"),
    (np.array(1.0), -1, ValueError, "weights: expected 1 or 2 or 3 or 4 or 5 dimensions"),
    (np.array([1.0, np.inf]), -1, ValueError, "weights: expected finite values")])
def test_quantize_per_channel_refuses_bad_arguments(weights, axis, error, message):
    with pytest.raises(error, match=message):
        int8.quantize_per_channel(weights, axis)
