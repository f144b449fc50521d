"""Knowledge distillation: train a much smaller student to imitate the CNN's softened outputs.

A teacher's scores hold more than its top answer: "this 7 looks a bit like a 1" is information a
one-hot label does not carry. Dividing the logits by a temperature T > 1 before the softmax
spreads that information out; the student learns from ``alpha`` x the usual hard-label loss plus
``(1 - alpha)`` x T² x the KL divergence between the softened teacher and student outputs (T²
keeps the soft gradients as large as the hard ones whatever T is). The teacher is frozen and
the images are not augmented, so its soft targets are computed once, before training.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from course_lib.checks import check_fraction, check_int, check_number
from course_lib.compress.keras_models import (check_keras_model, check_split, check_training,
                                             count_parameters)
from course_lib.mnist.splits import Split, to_float


def student_cnn(filters: tuple[int, int] = (16, 32), hidden: int = 64) -> Any:
    """A small CNN (about 1/8 of the course CNN's weights) that outputs logits, not
    probabilities: distillation needs them to apply the temperature.

    Batch norm with momentum 0.9 (Keras's default is 0.99): its running statistics settle
    within the few hundred steps a short distillation run takes.
    """
    import keras
    from keras import layers

    def conv(count: int) -> list:
        return [layers.Conv2D(count, 3, padding="same", use_bias=False),
                layers.BatchNormalization(momentum=0.9), layers.ReLU(), layers.MaxPooling2D()]

    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Reshape((28, 28, 1)),
        *conv(filters[0]), *conv(filters[1]),
        layers.Flatten(),
        layers.Dense(hidden, activation="relu"),
        layers.Dense(10),
    ], name="student")


def teacher_log_probs(teacher: Any, images: np.ndarray, batch_size: int = 1000) -> np.ndarray:
    """log p from a teacher that ends in softmax: softmax(log p / T) equals softmax(z / T) for
    its logits z (they differ by a constant per image), so no logits layer is needed."""
    check_keras_model(teacher, "teacher")
    check_int("batch_size", batch_size, minimum=1)
    probs = np.asarray(teacher.predict(to_float(images), batch_size=batch_size, verbose=0))
    return np.log(np.clip(probs, 1e-30, 1.0)).astype(np.float32)


@functools.cache
def _distiller_class() -> type:
    import keras
    from keras import ops

    class Distiller(keras.Model):
        """Wraps the student; its loss mixes hard labels and the teacher's softened scores."""

        def __init__(self, student, temperature: float, alpha: float) -> None:
            super().__init__()
            self.student, self.temperature, self.alpha = student, temperature, alpha

        def call(self, x, training=False):
            return self.student(x, training=training)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            labels, teacher_logp = y
            hard = keras.losses.sparse_categorical_crossentropy(labels, y_pred, from_logits=True)
            t = self.temperature
            soft_teacher = ops.softmax(teacher_logp / t, axis=-1)
            kl = ops.sum(soft_teacher * (ops.log(ops.maximum(soft_teacher, 1e-30))
                                         - ops.log_softmax(y_pred / t, axis=-1)), axis=-1)
            return ops.mean(self.alpha * hard + (1.0 - self.alpha) * t ** 2 * kl)

    return Distiller


@dataclass
class DistillResult:
    """The trained student (ending in softmax, like the teacher) and what it cost."""

    model: Any
    student_parameters: int
    teacher_parameters: int
    losses: list[float]
    temperature: float
    alpha: float

    @property
    def parameter_ratio(self) -> float:
        return self.student_parameters / self.teacher_parameters


def distill(teacher: Any, train: Split, student: Any | None = None, *, temperature: float = 4.0,
            alpha: float = 0.2, epochs: int = 3, batch_size: int = 64,
            learning_rate: float = 3e-3, seed: int = 0) -> DistillResult:
    """Train ``student`` (default ``student_cnn()``) to imitate ``teacher`` on ``train``.

    ``alpha`` weighs the hard-label loss, ``1 - alpha`` the distillation loss; ``alpha=1``
    trains the same student on labels alone, the baseline distillation has to beat.
    The learning rate decays along a cosine to 0, as in the course's CNN recipe.
    """
    import keras

    check_keras_model(teacher, "teacher")
    check_split("train", train)
    check_training(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed)
    check_number("temperature", temperature, positive=True)
    check_fraction("alpha", alpha, include_one=True)
    if student is not None:
        check_keras_model(student, "student")
    keras.utils.set_random_seed(seed)
    student = student_cnn() if student is None else student
    images = train.x_float
    soft = teacher_log_probs(teacher, images)
    steps = epochs * -(-len(train) // batch_size)
    distiller = _distiller_class()(student, temperature, alpha)
    distiller.compile(optimizer=keras.optimizers.Adam(
        keras.optimizers.schedules.CosineDecay(learning_rate, steps)))
    history = distiller.fit(images, (train.y, soft), batch_size=batch_size, epochs=epochs,
                            shuffle=True, verbose=0)
    deployed = keras.Sequential([student, keras.layers.Softmax()], name=f"{student.name}_softmax")
    return DistillResult(deployed, count_parameters(student), count_parameters(teacher),
                         [float(loss) for loss in history.history["loss"]], temperature, alpha)
