"""The denoiser: a small U-Net that looks at a noisy digit and says which way is clean.

One call = one full forward pass over all 784 pixels. Unlike the GPT's tokens, nothing carries
over from one denoising step to the next (the input image changes everywhere at every step), so
there is no KV cache to keep: a sampler with N steps pays N full passes, twice with guidance.

Shape (``DenoiserConfig``): the 28x28 digit is cut into 2x2 patches (a 14x14 map of 4 numbers,
as a DiT's patch embedding does: the full-size level cost 3/4 of the work and bought little on
digits), then 14x14 at ``widths[0]`` channels and 7x7 at ``widths[1]``, residual blocks down and
up, a skip connection across. The noise
level ``t`` (sinusoidal features) and the digit class (a learned vector; class 10 = "no class",
for classifier-free guidance) are added inside every block; the class also enters as 11 one-hot
planes beside the pixels, so the first convolution already knows the digit (what made notebook
05's conditional VAE obey its class).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from course_lib import config, files
from course_lib.mnist.data import NUM_CLASSES

MODEL_PATH = config.DATA_DIR / "digit_diffusion.npz"
STUDENT_PATH = config.DATA_DIR / "digit_diffusion_student.npz"
PATCH = 2  # pixels per side of a patch
NULL_CLASS = NUM_CLASSES  # the "unconditional" label classifier-free guidance trains with


@dataclass(frozen=True)
class DenoiserConfig:
    """Channels at 14x14 and 7x7, and the size of the time/class embedding."""

    widths: tuple[int, int] = (32, 64)
    embedding: int = 128

    def __post_init__(self) -> None:
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))


def timestep_features(t: tf.Tensor, size: int) -> tf.Tensor:
    """Sines and cosines of ``t`` (float, 0..1000) at ``size // 2`` frequencies (the
    Transformer's position code, as in the DDPM paper), so nearby noise levels look alike."""
    half = size // 2
    frequencies = tf.exp(-math.log(10_000.0) * tf.range(half, dtype=tf.float32) / half)
    angles = tf.cast(t, tf.float32)[:, None] * frequencies[None, :]
    return tf.concat([tf.sin(angles), tf.cos(angles)], axis=-1)


class ResBlock(keras.layers.Layer):
    """norm -> swish -> conv, plus the embedding as a per-channel shift, twice; a residual
    connection (through a 1x1 conv when the channel count changes)."""

    def __init__(self, channels: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.channels = channels
        self.norm1 = keras.layers.GroupNormalization(8)
        self.conv1 = keras.layers.Conv2D(channels, 3, padding="same")
        self.shift = keras.layers.Dense(channels)
        self.norm2 = keras.layers.GroupNormalization(8)
        self.conv2 = keras.layers.Conv2D(channels, 3, padding="same")
        self.skip = None

    def build(self, input_shape) -> None:
        if input_shape[0][-1] != self.channels:
            self.skip = keras.layers.Conv2D(self.channels, 1)

    def call(self, inputs):
        x, embedding = inputs
        h = self.conv1(tf.nn.silu(self.norm1(x)))
        h = h + self.shift(embedding)[:, None, None, :]
        h = self.conv2(tf.nn.silu(self.norm2(h)))
        return h + (x if self.skip is None else self.skip(x))


class DigitDenoiser(keras.Model):
    """``model((noisy, t, classes))`` -> (n, 28, 28, 1): the teacher's velocity
    ``sqrt(abar) eps - sqrt(1 - abar) x0``, or the student's straight-line velocity.

    ``noisy`` (n, 28, 28, 1) float32, ``t`` (n,) float32 noise level on the 0..1000 scale,
    ``classes`` (n,) int32 in 0..10 (10: no class)."""

    def __init__(self, widths=(32, 64), embedding: int = 128, **kwargs) -> None:
        super().__init__(**kwargs)
        self.spec = DenoiserConfig(tuple(widths), embedding)
        w1, w2 = self.spec.widths
        self.time_mlp = keras.Sequential([keras.layers.Dense(embedding, activation="silu"),
                                          keras.layers.Dense(embedding)], name="time_mlp")
        self.class_vectors = keras.layers.Embedding(NUM_CLASSES + 1, embedding, name="classes")
        self.stem = keras.layers.Conv2D(w1, 3, padding="same", name="stem")
        self.down1 = ResBlock(w1, name="down1")
        self.pool = keras.layers.Conv2D(w2, 3, strides=2, padding="same", name="pool")
        self.down2 = ResBlock(w2, name="down2")
        self.middle = ResBlock(w2, name="middle")
        self.up1 = ResBlock(w1, name="up1")
        self.head_norm = keras.layers.GroupNormalization(8, name="head_norm")
        self.head = keras.layers.Conv2D(PATCH * PATCH, 3, padding="same", name="head")

    def call(self, inputs):
        noisy, t, classes = inputs
        embedding = tf.nn.silu(self.time_mlp(timestep_features(t, self.spec.embedding))
                               + self.class_vectors(tf.cast(classes, tf.int32)))
        classes = tf.cast(classes, tf.int32)
        planes = tf.broadcast_to(tf.one_hot(classes, NUM_CLASSES + 1)[:, None, None, :],
                                 [tf.shape(noisy)[0], 14, 14, NUM_CLASSES + 1])
        patches = tf.concat([tf.nn.space_to_depth(noisy, PATCH), planes], -1)
        h14 = self.down1((self.stem(patches), embedding))
        h = self.middle((self.down2((self.pool(h14), embedding)), embedding))
        h = self.up1((tf.concat([_upsample(h), h14], -1), embedding))
        return tf.nn.depth_to_space(self.head(tf.nn.silu(self.head_norm(h))), PATCH)

    def get_config(self) -> dict:
        return asdict(self.spec)


def _upsample(x: tf.Tensor) -> tf.Tensor:
    """Nearest-neighbour x2 (7 -> 14)."""
    return tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)


def build(spec: DenoiserConfig = DenoiserConfig(), seed: int = 0) -> DigitDenoiser:
    """A freshly initialised denoiser, built (weights exist) and seeded."""
    keras.utils.set_random_seed(seed)
    model = DigitDenoiser(**asdict(spec))
    model((np.zeros((1, 28, 28, 1), np.float32), np.zeros(1, np.float32), np.zeros(1, np.int32)))
    return model


def flops_per_pass(spec: DenoiserConfig) -> int:
    """Multiply-adds x 2 of one denoiser call on one image: the 3x3 and 1x1 convolutions
    (each output pixel times k*k*C_in*C_out). Norms, activations and the embedding MLP are left
    out: under 5% of the work."""
    w1, w2 = spec.widths
    p = PATCH * PATCH

    def conv(size: int, c_in: int, c_out: int, k: int = 3) -> int:
        return size * size * k * k * c_in * c_out

    def block(size: int, c_in: int, c_out: int) -> int:
        return (conv(size, c_in, c_out) + conv(size, c_out, c_out)
                + (conv(size, c_in, c_out, 1) if c_in != c_out else 0))

    macs = (conv(14, p + NUM_CLASSES + 1, w1) + block(14, w1, w1) + conv(7, w1, w2) + 2 * block(7, w2, w2)
            + block(14, w2 + w1, w1) + conv(14, w1, p))
    return 2 * macs


# --- shipping ---------------------------------------------------------------------------------

def save(model: DigitDenoiser, path: str | Path = MODEL_PATH, card: dict | None = None) -> Path:
    """Weights and shape in one .npz (atomic, with sha256), plus a JSON card beside it."""
    return files.write_model(path, model, card)


def load(path: str | Path = MODEL_PATH) -> DigitDenoiser:
    """The denoiser written by ``save`` (hash checked first)."""
    return files.read_model(path, lambda spec: build(DenoiserConfig(**spec)))


def load_pretrained() -> DigitDenoiser:
    """The teacher shipped in ``data/`` (its card, ``data/digit_diffusion.json``, says how)."""
    return files.load_shipped(load, MODEL_PATH, "scripts/train_digit_diffusion.py")


def load_student() -> DigitDenoiser:
    """The few-step student shipped in ``data/`` (``data/digit_diffusion_student.json``)."""
    return files.load_shipped(load, STUDENT_PATH, "scripts/train_digit_diffusion_student.py")
