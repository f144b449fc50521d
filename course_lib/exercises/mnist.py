"""Checkers for notebook 03: a model that learns fast, an input pipeline, a slow loop fixed."""

from __future__ import annotations

import hashlib
from typing import Callable

import numpy as np

from course_lib.mnist.data import NUM_CLASSES
from course_lib.mnist.splits import load_splits
from .report import CheckReport, describe_error, run_cases


def check_fast_model(build_model: Callable[[], object], *, train_size: int | None = None,
                     target: float = 0.98, epochs: int = 2, batch_size: int = 128) -> CheckReport:
    """Train the learner's compiled model for ``epochs`` and check its test accuracy."""
    report = CheckReport(f"Exercise 1 — beat {target:.0%} in {epochs} epochs")
    try:
        model = build_model()
    except Exception as error:  # noqa: BLE001 - a learner's bug is a result
        report.add("build_model()", False, f"raised {describe_error(error)}")
        return report
    if getattr(model, "optimizer", None) is None or not getattr(model, "compiled", True):
        report.add("a compiled Keras model", False,
                   "build_model() must return a model after model.compile(...)")
        return report
    report.add("a compiled Keras model", True)
    train, test = load_splits(train_size=train_size)
    try:
        output = np.asarray(model(train.x_float[:2]))
    except Exception as error:  # noqa: BLE001
        report.add("takes (n, 28, 28) images", False, f"calling it raised {describe_error(error)}")
        return report
    if output.shape != (2, NUM_CLASSES):
        report.add(f"outputs {NUM_CLASSES} class scores", False,
                   f"expected shape (2, {NUM_CLASSES}), got {output.shape}")
        return report
    report.add(f"outputs {NUM_CLASSES} class scores", True)
    model.fit(train.x_float, train.y, epochs=epochs, batch_size=batch_size, verbose=0)
    accuracy = float(np.mean(np.argmax(model.predict(test.x_float, verbose=0), axis=1) == test.y))
    report.add(f"test accuracy after {epochs} epochs on {len(train):,} images",
               accuracy >= target,
               f"{accuracy:.2%} (needs {target:.0%})" + ("" if accuracy >= target else
               ": try convolutions, a larger learning rate or a bigger batch"))
    return report


def _image_key(image: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()


def _judge_pipeline(images: np.ndarray, labels: np.ndarray, batch_size: int):
    import tensorflow as tf

    label_of = {_image_key(image): int(label) for image, label in zip(images, labels)}

    def judge(dataset) -> str | None:
        if not isinstance(dataset, tf.data.Dataset):
            return f"expected a tf.data.Dataset, got {type(dataset).__name__}"
        epochs = []
        for _ in range(2):
            batches = [(x.numpy(), y.numpy()) for x, y in dataset]
            if not batches:
                return "the dataset is empty"
            x, y = batches[0]
            if x.dtype != np.float32 or x.shape[1:] != (28, 28):
                return f"images should be float32 batches of shape (b, 28, 28), got {x.dtype} {x.shape}"
            if x.min() < 0 or x.max() > 1:
                return f"images should be scaled to 0..1, got values up to {x.max():g}"
            if x.shape[0] != batch_size:
                return f"the first batch has {x.shape[0]} images, expected batch_size={batch_size}"
            all_x = np.concatenate([b[0] for b in batches])
            all_y = np.concatenate([b[1] for b in batches])
            if len(all_y) != len(labels):
                return f"one pass gave {len(all_y)} images, expected each of the {len(labels)} once"
            restored = np.rint(all_x * 255).astype(np.uint8)
            if any(label_of.get(_image_key(image)) != int(label)
                   for image, label in zip(restored, all_y)):
                return "some labels no longer belong to their images (shuffle them together)"
            epochs.append(all_y)
        if np.array_equal(epochs[0], epochs[1]) or np.array_equal(epochs[0], labels):
            return "the order is the same every epoch: shuffle, with reshuffle_each_iteration"
        if type(dataset).__name__ != "_PrefetchDataset":
            return "the last step should be .prefetch(tf.data.AUTOTUNE), to overlap input and training"
        return None

    return judge


def check_pipeline(make_pipeline: Callable) -> CheckReport:
    """Run the learner's ``make_pipeline(images, labels, batch_size)`` on small uint8 data."""
    train, _ = load_splits(train_size=600)
    cases = [(f"{n} images, batch {b}", {"images": train.x[:n], "labels": train.y[:n],
                                         "batch_size": b}, _judge_pipeline(train.x[:n], train.y[:n], b))
             for n, b in ((256, 32), (600, 100))]
    return run_cases("Exercise 2 — the input pipeline", make_pipeline, cases)


def slow_predict_all(model, images: np.ndarray) -> np.ndarray:
    """THE STARTING POINT of exercise 3, as a popular tutorial writes it: one ``predict`` call
    per image. Find out why it is slow, then write ``predict_all``."""
    return np.concatenate([model.predict(image[None], verbose=0) for image in images])


class _CountingModel:
    """Wraps a Keras model and counts how often it is run (call or predict)."""

    def __init__(self, model) -> None:
        self._model, self.calls = model, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self._model(*args, **kwargs)

    def predict(self, *args, **kwargs):
        self.calls += 1
        return self._model.predict(*args, **kwargs)

    def predict_on_batch(self, *args, **kwargs):
        self.calls += 1
        return self._model.predict_on_batch(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._model, name)


def check_fast_predict(predict_all: Callable, model) -> CheckReport:
    """The learner's ``predict_all(model, images)`` must match per-image predictions while
    running the model a handful of times, not once per image."""
    _, test = load_splits(test_size=300)
    images = test.x_float
    expected = np.asarray(model.predict(images, verbose=0))
    report = CheckReport("Exercise 3 — fix the slow prediction loop")
    counting = _CountingModel(model)
    try:
        result = np.asarray(predict_all(counting, images))
    except Exception as error:  # noqa: BLE001
        report.add("predict_all(model, 300 images)", False, f"raised {describe_error(error)}")
        return report
    same = result.shape == expected.shape and np.allclose(result, expected, atol=1e-5)
    report.add("same probabilities as the model", same,
               "ok" if same else f"expected shape {expected.shape} matching model.predict, "
                                 f"got shape {result.shape}")
    few = counting.calls <= 3
    report.add("runs the model a few times, not per image", few,
               f"ran the model {counting.calls} time(s) for {len(images)} images" +
               ("" if few else ": every call pays a fixed overhead; pass the whole array once"))
    return report
