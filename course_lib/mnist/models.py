"""The course's MNIST models and their training recipes.

A *recipe* is everything that decides the trained weights (architecture, optimizer, learning
rate, batch size, epochs, seed) plus the speed settings; its ``key`` names the cached model file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import Callable

import numpy as np

from course_lib.checks import (check_bool, check_choice, check_fraction, check_int, check_number,
                               check_seed)
from course_lib.mnist.data import NUM_CLASSES


def seed_mlp():
    """The seed article's network, layer for layer, with ``keras.Input`` instead of the
    ``Flatten(input_shape=...)`` argument that Keras 3 warns about."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ], name="seed_mlp")


# The stateless random generators TensorFlow can be asked for by name ("auto_select" lets it pick).
RANDOM_GENERATORS = ("auto_select", "philox")


def wide_mlp(dropout: float = 0.0, *, dropout_generator: str | None = None):
    """The seed's network with a hidden layer twice as wide (256 units): one change, width.

    ``dropout`` (off in the course's recipes) adds dropout after the hidden layer: Keras's
    ``Dropout``, or with ``dropout_generator`` ("philox", "auto_select") the same dropout drawing
    its random numbers with that generator. Notebook 03 measures what each costs under XLA."""
    import keras
    from keras import layers

    dropout = check_fraction("dropout", dropout)
    if dropout_generator is not None:
        check_choice("dropout_generator", dropout_generator, RANDOM_GENERATORS)
    hidden = ([] if not dropout else [layers.Dropout(dropout)] if dropout_generator is None
              else [generator_dropout(dropout, dropout_generator)])
    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        *hidden,
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ], name="wide_mlp" if not dropout else "wide_mlp_dropout")


def generator_dropout(rate: float, generator: str):
    """Keras's ``Dropout`` with the random generator named, not left to TensorFlow to pick
    (Keras on TensorFlow calls ``stateless_dropout`` with ``auto_select``)."""
    import keras
    import tensorflow as tf

    check_number("rate", rate, positive=True, below=1.0)
    check_choice("generator", generator, RANDOM_GENERATORS)

    class GeneratorDropout(keras.layers.Dropout):
        def call(self, inputs, training=False):
            if not training:
                return inputs
            # The stateless ops take an int32 seed pair; the seed generator's state is int64.
            seed = tf.cast(tf.math.floormod(self.seed_generator.next(), 2**31 - 1), tf.int32)
            return tf.nn.experimental.stateless_dropout(inputs, rate=self.rate, seed=seed,
                                                        rng_alg=generator)

    return GeneratorDropout(rate, name=f"dropout_{generator}")


def cnn():
    """A small CNN: three conv layers with batch normalisation, then a dense head.

    Deliberately light (about 8 M multiply-adds per image) so it trains on a laptop CPU."""
    import keras
    from keras import layers

    def conv(filters):
        return [layers.Conv2D(filters, 3, padding="same", use_bias=False),
                layers.BatchNormalization(), layers.ReLU()]

    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Reshape((28, 28, 1)),
        *conv(32), layers.MaxPooling2D(),
        *conv(64), layers.MaxPooling2D(),
        *conv(128),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dropout(0.3),
        layers.Dense(NUM_CLASSES, activation="softmax"),
    ], name="cnn")


ARCHITECTURES: dict[str, Callable] = {"seed_mlp": seed_mlp, "wide_mlp": wide_mlp, "cnn": cnn}


def activation_bytes(model) -> int:
    """Bytes one image's float32 layer outputs take: what training keeps per image of a batch
    for the backward pass. Measured peaks stay below it (0.6-0.9x for the course's models)."""
    return 4 * sum(int(np.prod(layer.output.shape[1:])) for layer in model.layers)


@dataclass(frozen=True)
class Recipe:
    """How to train one model. Speed settings change time, not what is learned."""

    architecture: str
    epochs: int
    batch_size: int
    learning_rate: float = 1e-3
    seed: int = 0
    steps_per_execution: int = 1
    jit_compile: bool = False
    augment: bool = False
    cosine_decay: bool = False

    def __post_init__(self) -> None:
        check_choice("architecture", self.architecture, ARCHITECTURES)
        # Normalise in place (the dataclass is frozen): equal recipes must share a key, and
        # 1 and 1.0, or 64 and numpy.int64(64), are equal but serialise differently.
        for name in ("epochs", "batch_size", "steps_per_execution"):
            object.__setattr__(self, name, check_int(name, getattr(self, name), minimum=1))
        object.__setattr__(self, "seed", check_seed(self.seed))
        for name in ("jit_compile", "augment", "cosine_decay"):
            check_bool(name, getattr(self, name))
        object.__setattr__(self, "learning_rate",
                           check_number("learning_rate", self.learning_rate, positive=True))

    def replace(self, **changes) -> "Recipe":
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)

    @property
    def key(self) -> str:
        """A stable name for the trained model: architecture plus a hash of the recipe."""
        import keras

        blob = json.dumps({**self.as_dict(), "keras": keras.__version__}, sort_keys=True)
        return f"{self.architecture}-{hashlib.sha256(blob.encode()).hexdigest()[:12]}"

    def build_and_compile(self, steps_per_epoch: int = 1):
        """A fresh compiled model (seeded, so the same recipe starts from the same weights).

        With ``cosine_decay`` the learning rate falls from ``learning_rate`` to 0 over all
        ``epochs * steps_per_epoch`` steps: fast early progress, a careful finish."""
        import keras

        keras.utils.set_random_seed(self.seed)
        model = ARCHITECTURES[self.architecture]()
        rate = (keras.optimizers.schedules.CosineDecay(self.learning_rate,
                                                       self.epochs * steps_per_epoch)
                if self.cosine_decay else self.learning_rate)
        model.compile(optimizer=keras.optimizers.Adam(rate),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      steps_per_execution=self.steps_per_execution,
                      jit_compile=self.jit_compile)
        return model


# The seed article's recipe: Adam at its default rate, Keras's default batch of 32, 5 epochs.
SEED_RECIPE = Recipe("seed_mlp", epochs=5, batch_size=32)
# The course's fast MLP: 8x the batch, 4x the learning rate decaying to 0 over 4 epochs, a
# wider hidden layer (no dropout), several steps per call (notebook 03's ladder adds them one by
# one; its XLA rung is not part of the recipe).
FAST_MLP_RECIPE = Recipe("wide_mlp", epochs=4, batch_size=256, learning_rate=4e-3,
                         steps_per_execution=8, cosine_decay=True)
# The judge used by later notebooks: the pretrained file in data/ was made with this recipe.
CNN_RECIPE = Recipe("cnn", epochs=12, batch_size=128, learning_rate=2e-3, augment=True,
                    cosine_decay=True)
