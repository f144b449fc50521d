"""Compressed models judged alike: one function measures any variant on the same test set.

A *variant* is a Keras model (float32, pruned, distilled, or quantized by Keras) or the bytes of
a LiteRT flatbuffer (.tflite). ``evaluate_variant`` gives each the same treatment — size on disk
raw and gzipped, test accuracy, batch-1 latency and batch-256 throughput, both medians from
``measure.compare`` — so a table of rows compares like with like. How the variants are made
lives in ``quantization``, ``pruning`` and ``distillation``; the plots in ``compression_plots``.
"""

from __future__ import annotations

import gzip
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from course_lib.measure import Comparison, compare
from course_lib.mnist.splits import Split, to_float, validate

if TYPE_CHECKING:
    import pandas as pd

TFLITE_MAGIC = b"TFL3"  # bytes 4..8 of every LiteRT flatbuffer


def is_tflite(model: Any) -> bool:
    return isinstance(model, (bytes, bytearray)) and bytes(model[4:8]) == TFLITE_MAGIC


def check_keras_model(model: Any, argument: str = "model") -> None:
    """TypeError naming ``argument`` unless ``model`` is a Keras model."""
    import keras

    if not isinstance(model, keras.Model):
        raise TypeError(f"{argument}: expected a Keras model, got {type(model).__name__}")


def copy_model(model: Any) -> Any:
    """A fresh copy of a Keras model (same layers, same weights, no optimizer state).

    Built from the model's config, so a Keras-quantized model stays quantized, and saving the
    copy writes only what inference needs: the size a deployed model has on disk.
    """
    check_keras_model(model)
    copy = model.__class__.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


class LiteRTModel:
    """A .tflite flatbuffer run by the LiteRT interpreter, called like a Keras model.

    One interpreter per batch size (resizing the input re-plans the memory, so it is done once);
    int8 inputs and outputs are quantized and dequantized with the model's own parameters, so
    callers always pass float32 images in [0, 1] and get float32 class scores back.
    """

    def __init__(self, content: bytes, num_threads: int | None = None) -> None:
        if not is_tflite(content):
            raise TypeError(f"content: expected the bytes of a .tflite flatbuffer, "
                            f"got {type(content).__name__}")
        self.content = bytes(content)
        self.num_threads = num_threads or os.cpu_count() or 1
        self._interpreters: dict[int, Any] = {}

    def _interpreter(self, batch: int) -> Any:
        if batch not in self._interpreters:
            from ai_edge_litert.interpreter import Interpreter

            interpreter = Interpreter(model_content=self.content, num_threads=self.num_threads)
            details = interpreter.get_input_details()[0]
            interpreter.resize_tensor_input(details["index"], [batch, *details["shape"][1:]])
            interpreter.allocate_tensors()
            self._interpreters[batch] = interpreter
        return self._interpreters[batch]

    def input_dtype(self) -> np.dtype:
        return np.dtype(self._interpreter(1).get_input_details()[0]["dtype"])

    def __call__(self, images: np.ndarray) -> np.ndarray:
        images = np.asarray(images, dtype=np.float32)
        interpreter = self._interpreter(len(images))
        given, wanted = interpreter.get_input_details()[0], interpreter.get_output_details()[0]
        interpreter.set_tensor(given["index"], _to_tensor(images, given))
        interpreter.invoke()
        return _from_tensor(interpreter.get_tensor(wanted["index"]), wanted)


def _to_tensor(x: np.ndarray, details: Mapping[str, Any]) -> np.ndarray:
    dtype = np.dtype(details["dtype"])
    if dtype.kind == "f":
        return x.astype(dtype)
    scale, zero_point = details["quantization"]
    info = np.iinfo(dtype)
    return np.clip(np.round(x / scale) + zero_point, info.min, info.max).astype(dtype)


def _from_tensor(y: np.ndarray, details: Mapping[str, Any]) -> np.ndarray:
    if np.dtype(details["dtype"]).kind == "f":
        return y.astype(np.float32)
    scale, zero_point = details["quantization"]
    return ((y.astype(np.float32) - zero_point) * scale).astype(np.float32)


def as_predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """``images -> class scores`` for any variant: a Keras model is *called* (no ``predict``
    overhead), tflite bytes run in a ``LiteRTModel``."""
    import keras

    if isinstance(model, LiteRTModel):
        return model
    if is_tflite(model):
        return LiteRTModel(model)
    if isinstance(model, keras.Model):
        return lambda images: np.asarray(model(images, training=False))
    raise TypeError(f"model: expected a Keras model or the bytes of a .tflite flatbuffer, "
                    f"got {type(model).__name__}")


def traced_predictor(model: Any) -> Callable[[np.ndarray], np.ndarray]:
    """The Keras model inside one ``tf.function``: the graph runs without Python stepping
    through the layers, which shows how much of a Keras call is overhead rather than work."""
    import tensorflow as tf

    check_keras_model(model)
    graph = tf.function(lambda images: model(images, training=False), reduce_retracing=True)
    return lambda images: graph(images).numpy()


def serialized(model: Any) -> bytes:
    """What would be shipped: the flatbuffer itself, or a Keras model saved as ``.keras``."""
    if isinstance(model, LiteRTModel):
        return model.content
    if is_tflite(model):
        return bytes(model)
    check_keras_model(model)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        copy_model(model).save(path)
        return path.read_bytes()


def predict_all(predictor: Callable[[np.ndarray], np.ndarray], images: np.ndarray,
                batch_size: int = 256) -> np.ndarray:
    """Class scores for every image, ``batch_size`` at a time."""
    validate(images)
    images = to_float(images)
    return np.concatenate([predictor(images[i:i + batch_size])
                           for i in range(0, len(images), batch_size)])


@dataclass(frozen=True)
class VariantResult:
    """One row of the comparison table."""

    name: str
    size_bytes: int
    gzip_bytes: int
    accuracy: float
    latency_ms: float       # median, batch of 1
    images_per_s: float     # median, batches of ``batch_size``
    batch_size: int


def evaluate_variant(name: str, model: Any, test: Split, *, batch_size: int = 256,
                     repeats: int | None = None) -> VariantResult:
    """Size (raw, gzipped), accuracy on ``test``, batch-1 latency and batch throughput.

    Every variant goes through this one function, so the table compares like with like. The
    timings are medians of interleaved samples from ``measure.compare``.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    predictor = as_predictor(model)
    validate(test.x, test.y, name="test.x")
    blob = serialized(model)
    scores = predict_all(predictor, test.x, batch_size)
    accuracy = float(np.mean(scores.argmax(axis=1) == test.y))
    images = to_float(test.x)
    one, batch = images[:1], np.resize(images, (batch_size, *images.shape[1:]))
    latency = compare({name: lambda: predictor(one)}, repeats=repeats, progress=False)
    speed = compare({name: lambda: predictor(batch)}, work=batch_size, unit="images",
                    repeats=repeats, progress=False)
    return VariantResult(name, len(blob), len(gzip.compress(blob, 9)), accuracy,
                         latency.row(name).median_s * 1e3, speed.row(name).throughput,
                         batch_size)


def results_frame(results: list[VariantResult], baseline: str | None = None) -> pd.DataFrame:
    """The rows as a table, with each variant's size and accuracy relative to ``baseline``
    (default: the first row)."""
    import pandas as pd

    frame = pd.DataFrame([asdict(result) for result in results])
    base = frame.iloc[0] if baseline is None else frame.set_index("name").loc[baseline]
    frame["size_vs_base"] = frame["size_bytes"] / base["size_bytes"]
    frame["gzip_vs_base"] = frame["gzip_bytes"] / base["gzip_bytes"]
    frame["accuracy_drop_pp"] = (base["accuracy"] - frame["accuracy"]) * 100
    frame["pareto_size"] = pareto_front(frame["gzip_bytes"], frame["accuracy"])
    frame["pareto_latency"] = pareto_front(frame["latency_ms"], frame["accuracy"])
    return frame


def pareto_front(cost: Any, quality: Any) -> np.ndarray:
    """True for the points no other point beats: none is as cheap and as good, and better in one.

    ``cost`` lower is better (bytes, milliseconds); ``quality`` higher is better (accuracy).
    """
    cost, quality = np.asarray(cost, dtype=float), np.asarray(quality, dtype=float)
    if cost.shape != quality.shape or cost.ndim != 1:
        raise ValueError(f"cost: expected a 1-D array shaped like quality {quality.shape}, "
                         f"got {cost.shape}")
    beaten = ((cost[None, :] <= cost[:, None]) & (quality[None, :] >= quality[:, None])
              & ((cost[None, :] < cost[:, None]) | (quality[None, :] > quality[:, None])))
    return ~beaten.any(axis=1)


def compare_latency(models: Mapping[str, Any], images: np.ndarray, *,
                    repeats: int | None = None, title: str | None = None) -> Comparison:
    """The same batch through several variants, interleaved, side by side (first = baseline).

    Values may be variants or ready predictors (any callable ``images -> scores``)."""
    images = to_float(images)
    predictors = {name: model if callable(model) and not _is_keras(model) else as_predictor(model)
                  for name, model in models.items()}
    return compare({name: (lambda p=p: p(images)) for name, p in predictors.items()},
                   work=len(images), unit="images", repeats=repeats, progress=False,
                   title=title or f"Batch of {len(images)}")


def _is_keras(model: Any) -> bool:
    import keras

    return isinstance(model, keras.Model)


def count_parameters(model: Any) -> int:
    """Weights that a model stores (trainable and not): what distillation must shrink."""
    check_keras_model(model)
    return int(sum(np.prod(weight.shape) for weight in model.weights))

