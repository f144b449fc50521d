"""Step distillation by reflow: a student that walks a straight line from noise to digit.

Liu, Gong & Liu 2023, "Flow Straight and Fast: Learning to Generate and Transfer Data with
Rectified Flow" (ICLR): run the teacher's deterministic sampler (DDIM, guidance on) from many
starting noises ``x0`` to the digits ``x1`` it ends at, then train a student to predict the
direction ``x0 - x1`` anywhere on the straight line ``x_s = s * x1 + (1 - s) * x0`` (pointing
toward the noise, the sign of the teacher's velocity ``v``, so the copy of the teacher it starts
from already points the right way near pure noise). Where the
teacher's path curves, a few big Euler steps along it miss; the student's path is (nearly)
straight, so 4, 2, even 1 step land close to where the teacher's 20 do. The pairs were drawn
with guidance, so the student also learns guidance for free: one pass per step, not two (what
guidance distillation, Meng et al. 2023, buys). InstaFlow (Liu et al. 2024) did the same to
Stable Diffusion.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from course_lib.checks import check_int
from course_lib.diffusion import samplers
from course_lib.diffusion.denoiser import DigitDenoiser
from course_lib.diffusion.schedule import STEPS
from course_lib.diffusion.training import LossFn
from course_lib.mnist.data import NUM_CLASSES

STUDENT_GRID = 4  # half the training times are drawn from 0, 1/4, 2/4, 3/4: where 4, 2 and
#                   1-step Euler ask the student


def teacher_pairs(teacher: DigitDenoiser, count: int, *, steps: int = 20, guidance: float = 2.0,
                  batch: int = 250, seed: int = 0, progress: bool = True
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(starting noises, the teacher's digits from them in [-1, 1], classes), ``count`` of
    each, classes balanced; DDIM at ``steps`` with ``guidance``. Chunk ``k`` uses seed
    ``seed + k``, whose starting noise ``samplers.normal_noise`` redraws exactly."""
    import keras

    check_int("count", count, minimum=1)
    noises, digits, classes = [], [], []
    bar = keras.utils.Progbar(count, verbose=1 if progress else 0)
    for k, start in enumerate(range(0, count, batch)):
        labels = (np.arange(start, min(start + batch, count)) % NUM_CLASSES).astype(np.int32)
        made = samplers.sample(teacher, labels, method="ddim", steps=steps, guidance=guidance,
                               seed=seed + k)
        noises.append(samplers.normal_noise(len(labels), seed + k, 0).numpy())
        digits.append(made[..., None] * 2.0 - 1.0)  # back to [-1, 1]; DDIM's last step clips
        classes.append(labels)
        bar.update(start + len(labels))
    return np.concatenate(noises), np.concatenate(digits), np.concatenate(classes)


def velocity_loss() -> LossFn:
    """The student's loss on a batch (noises, digits, classes): squared error between its
    output at a point on the straight line and the line's direction ``noise - digit``."""

    def loss(model: DigitDenoiser, batch: tuple, seed: tf.Tensor) -> tf.Tensor:
        x0, x1, classes = batch
        n = tf.shape(x0)[0]
        uniform = tf.random.stateless_uniform([n], seed)
        grid = tf.cast(tf.random.stateless_uniform([n], seed + 1, 0, STUDENT_GRID, tf.int32),
                       tf.float32) / STUDENT_GRID
        on_grid = tf.random.stateless_uniform([n], seed + 2) < 0.5
        s = tf.where(on_grid, grid, uniform)
        x_s = s[:, None, None, None] * x1 + (1.0 - s[:, None, None, None]) * x0
        velocity = model((x_s, (1.0 - s) * (STEPS - 1), classes))
        return tf.reduce_mean(tf.square(velocity - (x0 - x1)))

    return loss
