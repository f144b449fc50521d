"""Checkers for notebook 03: a model that learns fast, an input pipeline, a predictor that never
retraces."""

from __future__ import annotations

import hashlib
from typing import Callable

import numpy as np

from course_lib.checks import check_int
from course_lib.i18n.language import tr
from course_lib.mnist.data import NUM_CLASSES
from course_lib.mnist.splits import load_splits
from .report import CheckReport, describe_error, run_cases


def check_fast_model(build_model: Callable[[], object], *, train_size: int | None = None,
                     target: float = 0.98, epochs: int = 2, batch_size: int = 128) -> CheckReport:
    """Train the learner's compiled model for ``epochs`` and check its test accuracy."""
    report = CheckReport(tr("Exercise 1 — beat {target:.0%} in {epochs} epochs",
                            target=target, epochs=epochs))
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
    return run_cases(tr("Exercise 2 — the input pipeline"), make_pipeline, cases)


def predict_in_batches(compiled: Callable, images: np.ndarray, batch_size: int) -> np.ndarray:
    """THE STARTING POINT of exercise 3: right answers, in batches of ``batch_size`` with the
    last one ragged. A compiled function traces (and compiles) again for every new input shape,
    so each request size that is not a multiple of ``batch_size`` can cost a trace."""
    return np.concatenate([np.asarray(compiled(images[start:start + batch_size]))
                           for start in range(0, len(images), batch_size)])


class CompiledModel:
    """A model behind one ``tf.function``, as a server would hold it: it counts its traces and
    records the batch size of every call."""

    def __init__(self, model) -> None:
        import tensorflow as tf

        self.traces, self.batch_sizes = 0, []

        def run(images):
            self.traces += 1  # Python code in a tf.function runs only while it is being traced
            return model(images, training=False)

        self._run = tf.function(run)

    def __call__(self, images):
        self.batch_sizes.append(int(images.shape[0]))
        return self._run(images)


def _request_sizes(batch_size: int) -> tuple[int, ...]:
    """Ragged, exact, tiny and multi-batch requests: every way a last batch can come out."""
    return (2 * batch_size + 37, batch_size, 1, batch_size - 1, batch_size + 1)


def check_padded_predict(predict: Callable, model, batch_size: int = 64) -> CheckReport:
    """The learner's ``predict(compiled, images, batch_size)`` must give the model's outputs for
    requests of any size while calling the compiled model only with full batches: one trace."""
    check_int("batch_size", batch_size, minimum=2)
    _, test = load_splits(test_size=4 * batch_size)
    sizes = _request_sizes(batch_size)
    report = CheckReport(tr("Exercise 3 — one trace for every request size (batch {batch_size})",
                            batch_size=batch_size))
    compiled = CompiledModel(model)
    for size in sizes:
        images = test.x_float[:size]
        try:
            result = np.asarray(predict(compiled, images, batch_size))
        except Exception as error:  # noqa: BLE001 - a learner's bug is a result
            report.add(f"a request of {size} images", False, f"raised {describe_error(error)}")
            return report
        expected = np.asarray(model(images, training=False))
        if result.shape != expected.shape or not np.allclose(result, expected, atol=1e-5):
            report.add(f"a request of {size} images", False,
                       f"expected the model's {expected.shape} outputs, got shape {result.shape}"
                       + (" with other values" if result.shape == expected.shape else
                          ": drop the padding rows" if len(result) > size else ""))
            return report
    report.add(f"requests of {', '.join(map(str, sizes))} images", True,
               "the model's outputs, in order")
    wrong = sorted(set(compiled.batch_sizes) - {batch_size})
    report.add(f"every call gets exactly {batch_size} images", not wrong,
               "ok" if not wrong else f"also called with {', '.join(map(str, wrong))} images: "
                                      "pad the last batch up to batch_size")
    report.add("traced once for all request sizes", compiled.traces == 1,
               f"traced {compiled.traces} time(s)" + ("" if compiled.traces == 1 else
               ": every new input shape traces and compiles the function again"))
    return report


def serve_cold(predict: Callable, model, images: np.ndarray, batch_size: int) -> int:
    """Answer one request of every size in ``_request_sizes`` with a freshly compiled model (what
    a server pays after each start) and return how many traces it took."""
    compiled = CompiledModel(model)
    for size in _request_sizes(batch_size):
        predict(compiled, images[:size], batch_size)
    return compiled.traces
