"""Quantization: int8 arithmetic by hand, TensorFlow's post-training converter, Keras's own int8.

The arithmetic is what every int8 scheme shares: a float range ``[lo, hi]`` is mapped onto the
256 integers -128..127 by ``q = round(x / scale) + zero_point``; going back,
``x ≈ (q - zero_point) * scale``, wrong by at most ``scale / 2`` for any ``x`` in the range.
The converter applies it per tensor or per channel, with ranges from the weights (dynamic range)
or from a *representative* set of real inputs (full integer, where activations need ranges too).
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib.compress.evaluate import check_keras_model, copy_model
from course_lib.mnist.splits import validate

INT8_MIN, INT8_MAX = -128, 127
KINDS = ("float32", "dynamic", "float16", "int8")


@dataclass(frozen=True)
class QuantParams:
    """How floats map onto int8: ``q = round(x / scale) + zero_point``."""

    scale: float
    zero_point: int


def int8_params(x: np.ndarray) -> QuantParams:
    """Affine (asymmetric) int8 parameters covering ``x``'s range, widened to include 0.

    0 must be exactly representable: padding, ReLU outputs and pruned weights are exact zeros.
    """
    x = np.asarray(x, dtype=np.float32)
    if x.size == 0:
        raise ValueError("x: expected a non-empty array, got an empty one")
    if not np.isfinite(x).all():
        raise ValueError("x: expected finite values, got NaN or infinity")
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


def round_trip(x: np.ndarray) -> tuple[np.ndarray, QuantParams]:
    """``x`` quantized to int8 and back, and the parameters used: what int8 storage keeps."""
    params = int8_params(x)
    return dequantize(quantize(x, params), params), params


def to_tflite(model: Any, kind: str = "float32",
              representative: np.ndarray | None = None) -> bytes:
    """Convert a Keras model to a LiteRT (.tflite) flatbuffer, optionally quantized.

    ``kind``: ``"float32"`` (no quantization), ``"dynamic"`` (int8 weights, float activations,
    nothing to calibrate), ``"float16"`` (half-size weights) or ``"int8"`` (full integer: int8
    weights, activations, input and output, calibrated on ``representative`` images).
    TF 2.21 converts Keras 3 models with ``from_keras_model`` directly.
    """
    import tensorflow as tf

    check_keras_model(model)
    if kind not in KINDS:
        raise ValueError(f"kind: expected one of {KINDS}, got {kind!r}")
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if kind != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if kind == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if kind == "int8":
        images = _representative_images(representative)
        converter.representative_dataset = lambda: ([image[None]] for image in images)
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    elif representative is not None:
        raise ValueError(f"representative: only used by kind='int8', got it with kind={kind!r}")
    with _quietly():  # the converter prints its SavedModel signature and warns about defaults
        return bytes(converter.convert())


@contextlib.contextmanager
def _quietly() -> Any:
    """Silence the converter's chatter: Python prints, warnings and TensorFlow's logger, and the
    C++ logs it writes straight to file descriptors 1 and 2. On an error the logs are shown."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    logger = logging.getLogger("tensorflow")
    level = logger.level
    failed = False
    try:
        with tempfile.TemporaryFile() as sink:
            os.dup2(sink.fileno(), 1)
            os.dup2(sink.fileno(), 2)
            logger.setLevel(logging.ERROR)
            try:
                with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    yield
            except BaseException:
                failed = True
                raise
            finally:
                os.dup2(saved[0], 1)
                os.dup2(saved[1], 2)
                if failed:
                    sink.seek(0)
                    sys.stderr.write(sink.read().decode(errors="replace")[-4000:])
    finally:
        logger.setLevel(level)
        os.close(saved[0])
        os.close(saved[1])


def _representative_images(representative: np.ndarray | None) -> np.ndarray:
    if representative is None or len(representative) == 0:
        raise ValueError("representative: full-integer quantization needs real input images to "
                         "measure activation ranges; got none (pass e.g. 200 training images)")
    validate(representative, name="representative")
    from course_lib.mnist.splits import to_float

    return to_float(np.asarray(representative))


def keras_int8(model: Any) -> Any:
    """A copy of ``model`` quantized by Keras 3's own ``quantize("int8")`` (the original is kept).

    Keras 3.15 quantizes Dense (and Einsum/Embedding) layers, per output channel; convolutions
    stay float32.
    """
    quantized = copy_model(model)
    with _quietly():  # one warning per layer it leaves alone
        quantized.quantize("int8")
    return quantized


def quantized_layers(model: Any) -> list[str]:
    """Names of the layers Keras stores in int8 (their dtype policy says so)."""
    return [layer.name for layer in model.layers if "int8" in layer.dtype_policy.name]


@dataclass(frozen=True)
class StoredTensor:
    """A quantized constant as the converter stored it: int8 values, one scale per channel."""

    name: str
    values: np.ndarray
    scales: np.ndarray
    zero_points: np.ndarray
    axis: int

    def dequantized(self) -> np.ndarray:
        shape = [1] * self.values.ndim
        shape[self.axis] = -1
        scales = self.scales.reshape(shape) if self.scales.size > 1 else self.scales
        points = self.zero_points.reshape(shape) if self.zero_points.size > 1 else self.zero_points
        return ((self.values.astype(np.float32) - points) * scales).astype(np.float32)


def largest_int8_tensor(content: bytes) -> StoredTensor:
    """The biggest int8 tensor in a quantized flatbuffer (for the CNN: the dense kernel)."""
    from ai_edge_litert.interpreter import Interpreter

    from course_lib.compress.evaluate import is_tflite

    if not is_tflite(content):
        raise TypeError(f"content: expected the bytes of a .tflite flatbuffer, "
                        f"got {type(content).__name__}")
    interpreter = Interpreter(model_content=bytes(content))
    interpreter.allocate_tensors()
    found = [d for d in interpreter.get_tensor_details()
             if d["dtype"] == np.int8 and len(d["quantization_parameters"]["scales"])]
    if not found:
        raise ValueError("content: this model stores no int8 tensors (was it quantized?)")
    details = max(found, key=lambda d: int(np.prod(d["shape"])))
    params = details["quantization_parameters"]
    return StoredTensor(details["name"], interpreter.get_tensor(details["index"]),
                        params["scales"], params["zero_points"], params["quantized_dimension"])
