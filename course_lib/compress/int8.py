"""int8 by hand: the arithmetic every int8 scheme shares, in the two forms the course meets.

A float range is mapped onto integers by ``q = round(x / scale) + zero_point``; going back,
``x ≈ (q - zero_point) * scale``, wrong by at most ``scale / 2`` for any ``x`` in the range.

- **Symmetric, one scale per channel** (``quantize_per_channel``): zero point 0 and the range
  ``[-max|w|, max|w|]`` onto -127..127, separately for each output channel, so a channel of
  small weights is not forced onto the steps of the largest one. TensorFlow's converter stores
  weights this way; computed in float64 as it does, the codes match its own to the last one.
- **Affine, one scale per tensor** (``int8_params``, ``quantize``, ``dequantize``): the range
  ``[min(x, 0), max(x, 0)]`` onto all 256 integers -128..127, with the zero point that stands
  for 0.0. One-sided values (ReLU outputs, pixels) would waste half the codes if symmetric:
  a full-integer model quantizes its input and activations this way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from course_lib.checks import check_array, check_int

INT8_MIN, INT8_MAX = -128, 127
SYMMETRIC_MAX = 127  # -128 is left out, so that the range is symmetric around 0
WEIGHT_DIMS = range(1, 6)  # a bias (1) to a 3-D convolution's kernel (5)


@dataclass(frozen=True)
class QuantParams:
    """How floats map onto int8: ``q = round(x / scale) + zero_point``."""

    scale: float
    zero_point: int


def int8_params(x: np.ndarray) -> QuantParams:
    """Affine int8 parameters covering ``x``'s range, widened to include 0.

    0 must be exactly representable: padding, ReLU outputs and pruned weights are exact zeros.
    """
    x = check_array("x", x, nonempty=True, finite=True)
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    scale = (hi - lo) / (INT8_MAX - INT8_MIN) or 1.0  # all zeros: any scale will do
    zero_point = int(np.clip(round(INT8_MIN - lo / scale), INT8_MIN, INT8_MAX))
    return QuantParams(scale, zero_point)


def quantize(x: np.ndarray, params: QuantParams) -> np.ndarray:
    """Floats to int8 with ``params`` (values outside the range saturate at -128 or 127)."""
    q = np.round(np.asarray(x, dtype=np.float64) / params.scale) + params.zero_point
    return np.clip(q, INT8_MIN, INT8_MAX).astype(np.int8)


def dequantize(q: np.ndarray, params: QuantParams) -> np.ndarray:
    """int8 back to float32: the value each integer stands for."""
    return ((np.asarray(q, dtype=np.float64) - params.zero_point) * params.scale).astype(np.float32)


def _channel_axis(ndim: int, axis: int) -> int:
    return check_int("axis", axis, minimum=-ndim, maximum=ndim - 1) % ndim


def _along(values: np.ndarray, ndim: int, axis: int) -> np.ndarray:
    """One value per channel, shaped to broadcast along ``axis`` of an ``ndim`` array."""
    shape = [1] * ndim
    shape[axis] = -1
    return np.asarray(values, dtype=np.float64).reshape(shape)


def quantize_per_channel(weights: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 codes and one scale per channel along ``axis`` (Keras kernels keep their
    output channels last): ``scale = max|w| / 127``, ``q = clip(round(w / scale), -127, 127)``.
    """
    w = check_array("weights", weights, ndim=WEIGHT_DIMS, nonempty=True, finite=True)
    w = w.astype(np.float64)
    axis = _channel_axis(w.ndim, axis)
    others = tuple(i for i in range(w.ndim) if i != axis)
    scales = np.abs(w).max(axis=others) / SYMMETRIC_MAX
    scales[scales == 0] = 1.0  # an all-zero channel: any scale keeps it exact
    q = np.round(w / _along(scales, w.ndim, axis))
    return np.clip(q, -SYMMETRIC_MAX, SYMMETRIC_MAX).astype(np.int8), scales


def dequantize_per_channel(q: np.ndarray, scales: np.ndarray, axis: int = -1,
                           zero_points: np.ndarray | int = 0) -> np.ndarray:
    """int8 codes back to float32, each channel with its own scale (and zero point, 0 when
    symmetric). One scale for all is a per-tensor scheme, and works too."""
    q = check_array("q", q, ndim=WEIGHT_DIMS, dtypes=[np.int8])
    axis = _channel_axis(q.ndim, axis)
    scales, zero_points = np.ravel(scales), np.ravel(zero_points)
    for name, values in (("scales", scales), ("zero_points", zero_points)):
        if values.size not in (1, q.shape[axis]):
            raise ValueError(f"{name}: expected 1 or {q.shape[axis]} values (one per channel "
                             f"along axis {axis}), got {values.size}")
    back = (q.astype(np.float64) - _along(zero_points, q.ndim, axis)) \
        * _along(scales, q.ndim, axis)
    return back.astype(np.float32)
