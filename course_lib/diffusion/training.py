"""Training the denoisers: one compiled step, an average of the weights, a progress bar.

The teacher sees ``x = sqrt(abar_t) x0 + sqrt(1 - abar_t) eps`` and learns to predict the
velocity ``v = sqrt(abar_t) eps - sqrt(1 - abar_t) x0`` (Salimans & Ho 2022), from which the
noise and the clean digit both follow. Predicting the noise itself (the DDPM paper's choice)
learned too slowly here: at high noise ``x`` is almost all noise, so that loss is near zero and
says little about the digit. A first run that predicted the noise scored 10% classifier
agreement (chance) after 1,000 steps, and its samples still ignored the requested class after
3,000; predicting v, the class was followed after 1,000. One image in ten is shown with class 10 ("no class") instead of its digit, so
the same network also learns the unconditional prediction that classifier-free guidance (Ho &
Salimans 2022) needs. The student (``reflow``) has its own loss; both go through ``fit``.

The weights sampled from are an exponential moving average of the trained ones (as in the DDPM
paper): on a short run the last step's weights are noisier than their average.
"""

from __future__ import annotations

import time
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from course_lib.checks import check_int, check_number
from course_lib.diffusion.denoiser import NULL_CLASS, DigitDenoiser
from course_lib.diffusion.schedule import Schedule

LossFn = Callable[[DigitDenoiser, tuple, tf.Tensor], tf.Tensor]


def to_signed(images: np.ndarray | tf.Tensor) -> tf.Tensor:
    """uint8 0..255 or float 0..1 images (n, 28, 28) -> float32 (n, 28, 28, 1) in [-1, 1],
    the range the noise is scaled against."""
    images = tf.convert_to_tensor(images)
    images = tf.cast(images, tf.float32) / (255.0 if images.dtype == tf.uint8 else 1.0)
    return (images * 2.0 - 1.0)[..., None]


def to_unit(signed: tf.Tensor | np.ndarray) -> np.ndarray:
    """The inverse of ``to_signed``: (n, 28, 28) float32 in [0, 1], clipped."""
    return np.clip((np.asarray(signed)[..., 0] + 1.0) / 2.0, 0.0, 1.0).astype(np.float32)


def velocity_prediction_loss(schedule: Schedule, drop_class: float = 0.1) -> LossFn:
    """The teacher's loss on a batch (images in [-1, 1], classes): noise a random timestep,
    predict the velocity, mean squared error; ``drop_class`` of the classes become
    NULL_CLASS."""
    alpha_bars = tf.constant(schedule.alpha_bars, tf.float32)

    def loss(model: DigitDenoiser, batch: tuple, seed: tf.Tensor) -> tf.Tensor:
        x0, classes = batch
        n = tf.shape(x0)[0]
        t = tf.random.stateless_uniform([n], seed, 0, schedule.steps, tf.int32)
        eps = tf.random.stateless_normal(tf.shape(x0), seed + 1)
        keep = tf.random.stateless_uniform([n], seed + 2) >= drop_class
        classes = tf.where(keep, classes, NULL_CLASS)
        abar = tf.gather(alpha_bars, t)[:, None, None, None]
        noisy = tf.sqrt(abar) * x0 + tf.sqrt(1.0 - abar) * eps
        velocity = tf.sqrt(abar) * eps - tf.sqrt(1.0 - abar) * x0
        return tf.reduce_mean(tf.square(model((noisy, tf.cast(t, tf.float32), classes))
                                        - velocity))

    return loss


def fit(model: DigitDenoiser, data: tuple[np.ndarray, ...], loss: LossFn, *, steps: int,
        batch_size: int = 128, learning_rate: float = 1e-3, ema_decay: float = 0.999,
        seed: int = 0, every: int = 50, on_checkpoint: Callable[[int], None] | None = None,
        verbose: bool = True) -> dict[str, list[float]]:
    """``steps`` Adam steps on random batches of ``data`` (arrays with the same first axis,
    e.g. images and classes), learning rate warmed up over 200 steps then cosine-decayed to 10%;
    at the end the model holds the moving average of its weights. The history: the mean loss of
    every ``every`` steps and the seconds they took; ``on_checkpoint(step)`` runs every 1,000
    steps (with the trained, not the averaged, weights)."""
    check_int("steps", steps, minimum=1)
    check_int("batch_size", batch_size, minimum=1)
    check_number("ema_decay", ema_decay, maximum=1.0)
    size = len(data[0])
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0, steps, alpha=0.1, warmup_target=learning_rate, warmup_steps=min(200, steps // 4))
    optimizer = keras.optimizers.Adam(schedule)
    optimizer.build(model.trainable_variables)
    average = [tf.Variable(w, trainable=False) for w in model.trainable_variables]

    @tf.function(jit_compile=True)
    def train_step(batch, step_seed):
        with tf.GradientTape() as tape:
            value = loss(model, batch, step_seed)
        grads = tape.gradient(value, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables))
        for kept, weight in zip(average, model.trainable_variables):
            kept.assign(ema_decay * kept + (1.0 - ema_decay) * weight)
        return value

    rng = np.random.default_rng(seed)
    progress = keras.utils.Progbar(steps, stateful_metrics=["loss"], verbose=1 if verbose else 0)
    history: dict[str, list[float]] = {"loss": [], "seconds": []}
    order, cursor, losses, start = rng.permutation(size), 0, [], time.perf_counter()
    for step in range(steps):
        if cursor + batch_size > size:
            order, cursor = rng.permutation(size), 0
        index = order[cursor:cursor + batch_size]
        cursor += batch_size
        batch = tuple(tf.constant(array[index]) for array in data)
        losses.append(float(train_step(batch, tf.constant([seed, step], tf.int32))))
        if (step + 1) % every == 0 or step + 1 == steps:
            history["loss"].append(float(np.mean(losses)))
            history["seconds"].append(time.perf_counter() - start)
            progress.update(step + 1, [("loss", history["loss"][-1])])
            losses = []
        if on_checkpoint is not None and (step + 1) % 1000 == 0:
            on_checkpoint(step + 1)
    for weight, kept in zip(model.trainable_variables, average):
        weight.assign(kept)
    return history

