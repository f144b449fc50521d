"""One pixel operation three ways: the first speed comparison of the course (notebook 00).

The operation is a contrast stretch with clipping, ``out = clip(gain * (x - 128) + 128 + bias)``
on uint8 images. It is memory-bound (a few arithmetic operations per byte), so the gap between
the versions is mostly interpreter overhead, not arithmetic.
"""

from __future__ import annotations

import numpy as np

from course_lib.checks import check_array


def _stretch_pixel(value: int, gain: float, bias: float) -> int:
    out = round(gain * (value - 128) + 128 + bias)
    return 0 if out < 0 else 255 if out > 255 else out


def stretch_python(images: np.ndarray, gain: float = 1.5, bias: float = 0.0) -> np.ndarray:
    """Pixel by pixel in Python: every pixel pays for several interpreted operations."""
    check_array("images", images, dtypes=(np.uint8,))
    flat = images.reshape(-1).tolist()
    result = [_stretch_pixel(v, gain, bias) for v in flat]
    return np.array(result, dtype=np.uint8).reshape(images.shape)


def stretch_numpy(images: np.ndarray, gain: float = 1.5, bias: float = 0.0) -> np.ndarray:
    """Whole array at once: the loop runs in C over contiguous memory."""
    check_array("images", images, dtypes=(np.uint8,))
    out = np.rint(gain * (images.astype(np.float32) - 128) + (128 + bias))
    return np.clip(out, 0, 255).astype(np.uint8)


def stretch_tensorflow(images, gain: float = 1.5, bias: float = 0.0):
    """The same with TensorFlow ops (runs on a GPU when there is one). Returns a tf.Tensor."""
    import tensorflow as tf

    if isinstance(images, np.ndarray):
        check_array("images", images, dtypes=(np.uint8,))
    out = tf.round(gain * (tf.cast(images, tf.float32) - 128.0) + (128.0 + bias))
    return tf.cast(tf.clip_by_value(out, 0.0, 255.0), tf.uint8)
