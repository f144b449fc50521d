"""Sampling: noise in, digit out, one full denoiser pass per step (two with guidance).

Three samplers share one step function, ``update``:

* ``ddpm`` - the ancestral sampler of the DDPM paper: all 1,000 timesteps, fresh noise added
  back at each one (``eta = 1``).
* ``ddim`` - Song et al. 2021: the same trained model, a deterministic update (``eta = 0``)
  that can jump over timesteps, so 50, 20, 10 or 5 steps instead of 1,000.
* ``euler`` - the distilled student (``reflow``): it predicts the straight line's direction
  ``noise - digit``, and each step is ``x -= dt * v`` from noise (time 0) to digit (time 1).

Each comes twice: ``reference`` is a plain Python loop calling the model eagerly (the readable
version), ``sample`` runs the SAME update as one XLA-compiled ``tf.while_loop`` with fixed shapes,
so Python runs once per batch, not once per step. The tests check the two draw the same digits
from the same seed. All randomness comes from ``normal_noise(seed, index)``, compiled with XLA
in both (XLA's random numbers differ from eager TensorFlow's, so both must draw them the same way).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import tensorflow as tf

from course_lib.checks import check_int, check_number, check_seed
from course_lib.diffusion.denoiser import NULL_CLASS, DigitDenoiser
from course_lib.diffusion.schedule import STEPS, ddim_timesteps, linear_schedule
from course_lib.diffusion.training import to_unit
from course_lib.generate import common

METHODS = ("ddpm", "ddim", "euler")
SHAPE = (28, 28, 1)
_SCHEDULE = linear_schedule()
ALPHA_BARS = tf.constant(_SCHEDULE.alpha_bars, tf.float32)
BETAS = tf.constant(_SCHEDULE.betas, tf.float32)


@tf.function(jit_compile=True)
def _xla_normal(shape: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    return tf.random.stateless_normal(shape, seed=seed, alg="philox")


def normal_noise(batch: int, seed: int | tf.Tensor, index: int | tf.Tensor) -> tf.Tensor:
    """Standard normal (batch, 28, 28, 1): index 0 is the starting noise, index i + 1 the noise
    the ancestral sampler adds at its step i. The same numbers inside or outside a loop."""
    seeds = tf.stack([tf.cast(seed, tf.int32), tf.cast(index, tf.int32)])
    return _xla_normal(tf.constant((batch,) + SHAPE, tf.int32), seeds)


def predict(model: DigitDenoiser, x: tf.Tensor, t: tf.Tensor, classes: tf.Tensor,
            guidance: tf.Tensor | None) -> tf.Tensor:
    """The model's output at noise level ``t`` (scalar, 0..999 scale). With ``guidance`` (a
    scale s) ONE pass over the doubled batch (with and without the class) and the mix
    ``uncond + s * (cond - uncond)``: s = 1 is the conditional model, s > 1 pushes further
    toward the class (Ho & Salimans 2022, "Classifier-Free Diffusion Guidance")."""
    n = tf.shape(x)[0]
    if guidance is None:
        return model((x, tf.fill([n], tf.cast(t, tf.float32)), classes))
    both = model((tf.concat([x, x], 0), tf.fill([2 * n], tf.cast(t, tf.float32)),
                  tf.concat([classes, tf.fill([n], NULL_CLASS)], 0)))
    cond, uncond = both[:n], both[n:]
    return uncond + guidance * (cond - uncond)


def denoised(v: tf.Tensor, x: tf.Tensor, abar: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    """(clean image, noise) that the predicted velocity ``v`` says make up ``x`` at level
    ``abar``: ``x = sqrt(abar) x0 + sqrt(1 - abar) eps`` and ``v = sqrt(abar) eps -
    sqrt(1 - abar) x0`` (Salimans & Ho 2022). The clean image is clipped to the pixel range
    [-1, 1] and the noise recomputed to match it."""
    x0 = tf.clip_by_value(tf.sqrt(abar) * x - tf.sqrt(1.0 - abar) * v, -1.0, 1.0)
    return x0, (x - tf.sqrt(abar) * x0) / tf.sqrt(1.0 - abar)


def ddim_step(x0: tf.Tensor, eps: tf.Tensor, abar_next: tf.Tensor) -> tf.Tensor:
    """DDIM (eta = 0): the same clean image and the same noise, mixed at the next level."""
    return tf.sqrt(abar_next) * x0 + tf.sqrt(1.0 - abar_next) * eps


def ddpm_step(x0: tf.Tensor, x: tf.Tensor, t: tf.Tensor, noise: tf.Tensor) -> tf.Tensor:
    """DDPM's ancestral step from level ``t`` to ``t - 1``: the mean of q(x_{t-1} | x_t, x0)
    plus fresh Gaussian noise of its variance (none at the last step)."""
    abar = tf.gather(ALPHA_BARS, t)
    abar_prev = tf.where(t > 0, tf.gather(ALPHA_BARS, tf.maximum(t - 1, 0)), 1.0)
    beta = tf.gather(BETAS, t)
    mean = (beta * tf.sqrt(abar_prev) * x0 + (1.0 - abar_prev) * tf.sqrt(1.0 - beta) * x) \
        / (1.0 - abar)
    spread = tf.sqrt(beta * (1.0 - abar_prev) / (1.0 - abar))
    return mean + tf.where(t > 0, spread, 0.0) * noise


def update(method: str, model: DigitDenoiser, x: tf.Tensor, i: tf.Tensor, times: tf.Tensor,
           classes: tf.Tensor, guidance: tf.Tensor | None, noise: tf.Tensor | None) -> tf.Tensor:
    """One step of ``method`` from ``x`` at step ``i`` of ``times`` (``timesteps``: for DDPM and
    DDIM the timesteps, descending, then -1 for "the clean image"; for ``euler`` the times
    0..1, ascending)."""
    if method == "euler":
        dt = times[i + 1] - times[i]
        return x - dt * predict(model, x, (1.0 - times[i]) * (STEPS - 1), classes, None)
    t = times[i]
    x0, eps = denoised(predict(model, x, t, classes, guidance), x, tf.gather(ALPHA_BARS, t))
    if method == "ddpm":
        return ddpm_step(x0, x, t, noise)
    following = times[i + 1]
    return ddim_step(x0, eps, tf.where(following < 0, 1.0,
                                       tf.gather(ALPHA_BARS, tf.maximum(following, 0))))


def timesteps(method: str, steps: int) -> tf.Tensor:
    """What ``update`` walks through: DDPM all 1,000 timesteps, DDIM ``steps`` of them, each
    followed by -1 (the clean image); Euler the times 0, 1/steps, ..., 1."""
    return tf.constant(_times(method, steps))


def _times(method: str, steps: int) -> np.ndarray:
    """``timesteps`` as NumPy (int32, float32 for Euler): built without TensorFlow ops, whose
    eager dispatch cost more than a whole one-step sampler here."""
    if method == "ddpm":
        if steps != STEPS:
            raise ValueError(f"steps: the ancestral sampler runs all {STEPS}, got {steps}")
        return np.arange(STEPS - 1, -2, -1, dtype=np.int32)
    if method == "ddim":
        return np.append(ddim_timesteps(steps), -1).astype(np.int32)
    return np.linspace(0.0, 1.0, steps + 1, dtype=np.float32)


def _padded(times: np.ndarray) -> tf.Tensor:
    """``times`` repeated at its end up to STEPS + 1 entries: one shape for every step count,
    so the compiled loop traces once, not once per step count (the loop stops before the
    padding)."""
    return tf.constant(np.pad(times, (0, STEPS + 1 - len(times)), mode="edge"))


def check_setting(method: str, steps: int, guidance: float) -> tuple[np.ndarray, float]:
    """(the timesteps ``update`` walks, the guidance scale as a float) for a valid setting; a
    ValueError naming the argument otherwise."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    check_int("steps", steps, minimum=1, maximum=STEPS)
    guidance = check_number("guidance", guidance)
    if method == "euler" and guidance != 1.0:
        raise ValueError("guidance: the student learned the guided teacher's digits, it takes "
                         f"none of its own (1.0); got {guidance}")
    return _times(method, steps), guidance


def _check(model: DigitDenoiser, classes, batch: int | None, method: str, steps: int,
           guidance: float, temperature: float, seed: int) -> tuple:
    if not isinstance(model, DigitDenoiser):
        raise TypeError(f"model: expected a DigitDenoiser, got {type(model).__name__}")
    times, guidance = check_setting(method, steps, guidance)
    temperature = check_number("temperature", temperature, positive=True)
    labels = tf.constant(common.check_classes(classes, batch))
    return labels, times, guidance, temperature, check_seed(seed)


def reference(model: DigitDenoiser, classes: int | Sequence[int] | np.ndarray, *,
              method: str = "ddim", steps: int = 20, guidance: float = 1.0,
              temperature: float = 1.0, seed: int = 0, batch: int | None = None) -> np.ndarray:
    """The readable sampler: a Python loop running ``update`` eagerly, step by step. Only the
    denoiser call itself runs as a TensorFlow graph (not XLA): eagerly, a Keras model's
    many small layers cost ~0.1 s a call here, and the 1,000-step reference would take minutes.
    Images (n, 28, 28) in [0, 1]."""
    labels, times, guidance, temperature, seed = _check(model, classes, batch, method, steps,
                                                        guidance, temperature, seed)
    n = int(labels.shape[0])
    x = normal_noise(n, seed, 0) * temperature
    scale = None if guidance == 1.0 else tf.constant(guidance, tf.float32)
    call = common.compiled(model, "diffusion_denoiser_graph", lambda m, inputs: m(inputs))
    times = tf.constant(times)
    for i in range(steps):
        noise = normal_noise(n, seed, i + 1) if method == "ddpm" else None
        x = update(method, call, x, tf.constant(i), times, labels, scale, noise)
    return to_unit(x)


def _loop(method: str, guided: bool, model: DigitDenoiser, x: tf.Tensor, times: tf.Tensor,
          count: tf.Tensor, classes: tf.Tensor, guidance: tf.Tensor, seed: tf.Tensor
          ) -> tf.Tensor:

    def step(i, x):
        noise = (tf.random.stateless_normal(tf.shape(x), tf.stack([seed, i + 1]), alg="philox")
                 if method == "ddpm" else None)
        x = update(method, model, x, i, times, classes, guidance if guided else None, noise)
        return tf.ensure_shape(x, [None, *SHAPE])

    return common.while_loop(step, x, count)


def sample(model: DigitDenoiser, classes: int | Sequence[int] | np.ndarray, *,
           method: str = "ddim", steps: int = 20, guidance: float = 1.0,
           temperature: float = 1.0, seed: int = 0, batch: int | None = None) -> np.ndarray:
    """``reference``'s digits from one compiled XLA loop (traced once per method, guidance on
    or off and batch size: the step count is an input). Images (n, 28, 28) in [0, 1]."""
    labels, times, guidance, temperature, seed = _check(model, classes, batch, method, steps,
                                                        guidance, temperature, seed)
    guided = guidance != 1.0
    name = f"diffusion_{method}{'_guided' if guided else ''}"
    run = common.compiled(model, name, lambda m, *args: _loop(method, guided, m, *args),
                          jit_compile=True)
    x = normal_noise(int(labels.shape[0]), seed, 0) * temperature
    return to_unit(run(x, _padded(times), tf.constant(steps), labels,
                       tf.constant(guidance, tf.float32), tf.constant(seed, tf.int32)))


def passes_per_image(method: str, steps: int, guidance: float = 1.0) -> int:
    """Denoiser passes one image costs: one per step, two with guidance (its batch doubles);
    the same checks as ``sample`` (the student takes no guidance, DDPM runs all 1,000)."""
    _, guidance = check_setting(method, steps, guidance)
    return steps * (2 if guidance != 1.0 else 1)
