"""Train a recipe and time it: per-epoch time, samples/s, the first epoch's tracing cost, and
*validation* accuracy after every epoch (so time-to-accuracy can be read off).

Every decision during training (when to stop) uses the validation split; the test split is not
an argument here at all, so no choice can be tuned to it. Evaluation after each epoch is
excluded from the training clock: it measures, it does not train.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

import keras

from course_lib.checks import check_fits_in_memory, check_fraction, check_int
from course_lib.mnist.models import Recipe, activation_bytes
from course_lib.mnist.splits import Split, make_dataset, validate


@dataclass
class TrainResult:
    recipe: Recipe
    model: object
    epoch_s: list[float]
    val_accuracy: list[float]
    history: dict = field(default_factory=dict)
    train_size: int = 0

    @property
    def train_s(self) -> float:
        return sum(self.epoch_s)

    @property
    def steady_epoch_s(self) -> float:
        """Median epoch time after the first (the first also traces the training step)."""
        rest = self.epoch_s[1:] or self.epoch_s
        return statistics.median(rest)

    @property
    def tracing_s(self) -> float:
        """The first epoch's extra cost: tracing (and XLA compiling) the training step."""
        return max(0.0, self.epoch_s[0] - self.steady_epoch_s) if len(self.epoch_s) > 1 else 0.0

    @property
    def samples_per_s(self) -> float:
        return self.train_size / self.steady_epoch_s

    @property
    def final_val_accuracy(self) -> float:
        return self.val_accuracy[-1]

    def time_to_accuracy(self, target: float) -> float | None:
        """Training seconds until validation accuracy first reached ``target`` (None if never)."""
        elapsed = 0.0
        for seconds, accuracy in zip(self.epoch_s, self.val_accuracy):
            elapsed += seconds
            if accuracy >= target:
                return elapsed
        return None

    def summary(self) -> dict:
        return {"recipe": self.recipe.architecture, "epochs": len(self.epoch_s),
                "batch": self.recipe.batch_size, "train_s": self.train_s,
                "first_epoch_s": self.epoch_s[0], "steady_epoch_s": self.steady_epoch_s,
                "tracing_s": self.tracing_s, "samples/s": self.samples_per_s,
                "val_accuracy": self.final_val_accuracy if self.val_accuracy else None}


class _EpochClock(keras.callbacks.Callback):
    """Times every epoch and evaluates between them, off the clock."""

    def __init__(self, val_data, stop_at):
        super().__init__()
        self.val_data, self.stop_at = val_data, stop_at
        self.epoch_s, self.val_accuracy = [], []

    def on_epoch_begin(self, epoch, logs=None):
        self.started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_s.append(time.perf_counter() - self.started)
        if self.val_data is None:
            return
        _, accuracy = self.model.evaluate(self.val_data, verbose=0)
        self.val_accuracy.append(float(accuracy))
        if self.stop_at is not None and accuracy >= self.stop_at:
            self.model.stop_training = True


def train(recipe: Recipe, train_split: Split, validation_split: Split | None = None, *,
          epochs: int | None = None, use_tf_data: bool = True, pipeline: dict | None = None,
          stop_at_accuracy: float | None = None, strategy=None, verbose="auto") -> TrainResult:
    """Train ``recipe`` on ``train_split``; evaluate on ``validation_split`` after every epoch.

    ``use_tf_data=False`` feeds NumPy arrays to ``fit`` as the seed article does;
    ``pipeline`` passes stage switches to ``make_dataset``; ``strategy`` (a ``tf.distribute``
    strategy) builds and trains the same model data-parallel; ``stop_at_accuracy`` ends
    training once the validation accuracy reaches it (for time-to-accuracy).
    """
    validate(train_split.x, train_split.y, name="train_split.x")
    if validation_split is not None:
        validate(validation_split.x, validation_split.y, name="validation_split.x")
    epochs = check_int("epochs", recipe.epochs if epochs is None else epochs, minimum=1)
    if stop_at_accuracy is not None:
        check_fraction("stop_at_accuracy", stop_at_accuracy, include_one=True)
        if validation_split is None:
            raise ValueError("stop_at_accuracy: needs a validation_split to measure the "
                             "accuracy on")
    if pipeline and not use_tf_data:
        raise ValueError("pipeline: tf.data options need use_tf_data=True")

    steps_per_epoch = -(-len(train_split) // recipe.batch_size)
    if strategy is not None:
        with strategy.scope():
            model = recipe.build_and_compile(steps_per_epoch)
    else:
        model = recipe.build_and_compile(steps_per_epoch)
    batch = min(recipe.batch_size, len(train_split))
    check_fits_in_memory("batch_size", batch * activation_bytes(model),
                         f"training {model.name} on batches of {batch:,} images")
    val_data = (None if validation_split is None
                else make_dataset(validation_split, 1000, shuffle=False, augment=False))
    clock = _EpochClock(val_data, stop_at_accuracy)
    if use_tf_data:
        options = {"augment": recipe.augment, "seed": recipe.seed, **(pipeline or {})}
        data = make_dataset(train_split, recipe.batch_size, **options)
        history = model.fit(data, epochs=epochs, callbacks=[clock], verbose=verbose, shuffle=False)
    else:
        history = model.fit(train_split.x_float, train_split.y, batch_size=recipe.batch_size,
                            epochs=epochs, shuffle=True, callbacks=[clock], verbose=verbose)
    return TrainResult(recipe, model, clock.epoch_s, clock.val_accuracy,
                       dict(history.history), len(train_split))
