"""Compressed models judged alike: one function measures any variant on the same test set.

A *variant* is a Keras model (float32, pruned, distilled, or quantized by Keras) or the bytes of
a LiteRT flatbuffer (.tflite). ``evaluate_variant`` gives each the same treatment — size on disk
raw and gzipped, test accuracy, batch-1 latency and batch-256 throughput, both medians from
``measure.compare`` — so a table of rows compares like with like. How the variants are made
lives in ``quantization``, ``pruning`` and ``distillation``; the plots in ``plots``.
"""

from __future__ import annotations

import gzip
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Callable, Mapping

import numpy as np

from course_lib.checks import check_choice, check_int
from course_lib.compress.keras_models import (check_keras_model, check_split, is_keras_model,
                                             saved_bytes)
from course_lib.compress.litert import LiteRTModel, is_tflite
from course_lib.i18n.language import tr
from course_lib.measure import Comparison, compare
from course_lib.mnist.splits import Split, to_float

if TYPE_CHECKING:
    import pandas as pd

Predictor = Callable[[np.ndarray], np.ndarray]


def as_predictor(model: Any) -> Predictor:
    """``images -> class scores`` for any variant: a Keras model is *called* (no ``predict``
    overhead), tflite bytes run in a ``LiteRTModel``."""
    if isinstance(model, LiteRTModel):
        return model
    if is_tflite(model):
        return LiteRTModel(model)
    if is_keras_model(model):
        return lambda images: np.asarray(model(images, training=False))
    raise TypeError(f"model: expected a Keras model or the bytes of a .tflite flatbuffer, "
                    f"got {type(model).__name__}")


def traced_predictor(model: Any) -> Predictor:
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
    return saved_bytes(model)


def predict_all(predictor: Predictor, images: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Class scores for every image, ``batch_size`` at a time."""
    batch_size = check_int("batch_size", batch_size, minimum=1)
    images = to_float(images)
    return np.concatenate([predictor(images[i:i + batch_size])
                           for i in range(0, len(images), batch_size)])


def accuracy(model: Any, test: Split, batch_size: int = 256) -> float:
    """Share of ``test`` images whose highest-scoring class is the label, for any variant."""
    check_split("test", test)
    scores = predict_all(as_predictor(model), test.x, batch_size)
    return float(np.mean(scores.argmax(axis=1) == test.y))


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
    if not isinstance(name, str):
        raise TypeError(f"name: expected a string, got {type(name).__name__}")
    if not name.strip():
        raise ValueError(f"name: expected a non-empty string, got {name!r}")
    check_split("test", test)
    check_int("batch_size", batch_size, minimum=1)
    if repeats is not None:
        check_int("repeats", repeats, minimum=1)
    model = LiteRTModel(model) if is_tflite(model) else model  # one interpreter for it all
    predictor = as_predictor(model)
    blob = serialized(model)
    share = accuracy(model, test, batch_size)
    images = to_float(test.x)
    one, batch = images[:1], np.resize(images, (batch_size, *images.shape[1:]))
    latency = compare({name: lambda: predictor(one)}, repeats=repeats, progress=False)
    speed = compare({name: lambda: predictor(batch)}, work=batch_size, unit="images",
                    repeats=repeats, progress=False)
    return VariantResult(name, len(blob), len(gzip.compress(blob, 9)), share,
                         latency.per_item_ms(name), speed.row(name).throughput, batch_size)


def results_frame(results: list[VariantResult], baseline: str | None = None) -> pd.DataFrame:
    """The rows as a table, with each variant's size and accuracy relative to ``baseline``
    (default: the first row)."""
    import pandas as pd

    if not results:
        raise ValueError("results: expected at least one VariantResult, got none")
    frame = pd.DataFrame([asdict(result) for result in results])
    if baseline is None:
        base = frame.iloc[0]
    else:
        base = frame.set_index("name").loc[check_choice("baseline", baseline, list(frame["name"]))]
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
    predictors = {name: model if callable(model) and not is_keras_model(model)
                  else as_predictor(model) for name, model in models.items()}
    return compare({name: (lambda p=p: p(images)) for name, p in predictors.items()},
                   work=len(images), unit="images", repeats=repeats, progress=False,
                   title=title or tr("Batch of {count}", count=len(images)))
