"""Quantization by the tools: TensorFlow's post-training converter to LiteRT, and Keras's own int8.

Both apply the arithmetic of ``int8``. The converter stores weights per output channel; it
quantizes activations on the fly from their own range (dynamic range), or with ranges measured
on a *representative* set of real inputs (full integer, where input and activations are int8).
What the converter wrote is read back with ``litert.largest_int8_tensor``.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import sys
import tempfile
import warnings
from typing import Any

import numpy as np

from course_lib.checks import check_choice
from course_lib.compress.keras_models import check_keras_model, copy_model
from course_lib.mnist.splits import to_float, validate

KINDS = ("float32", "dynamic", "float16", "int8")


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
    check_choice("kind", kind, KINDS)
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
    with quietly():  # the converter prints its SavedModel signature and warns about defaults
        return bytes(converter.convert())


@contextlib.contextmanager
def quietly() -> Any:
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
    return to_float(representative)


def keras_int8(model: Any) -> Any:
    """A copy of ``model`` quantized by Keras 3's own ``quantize("int8")`` (the original is kept).

    Keras 3.15 quantizes Dense (and Einsum/Embedding) layers, per output channel; convolutions
    stay float32.
    """
    quantized = copy_model(model)
    with quietly():  # one warning per layer it leaves alone
        quantized.quantize("int8")
    return quantized


def quantized_layers(model: Any) -> list[str]:
    """Names of the layers Keras stores in int8 (their dtype policy says so)."""
    check_keras_model(model)
    return [layer.name for layer in model.layers if "int8" in layer.dtype_policy.name]
