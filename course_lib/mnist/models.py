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


def seed_mlp():
    """The seed article's network, layer for layer, with ``keras.Input`` instead of the
    ``Flatten(input_shape=...)`` argument that Keras 3 warns about."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Flatten(),
        layers.Dense(128, activation="relu"),
        layers.Dense(10, activation="softmax"),
    ], name="seed_mlp")


def wide_mlp():
    """A wider MLP with dropout: trains well with big batches and a higher learning rate."""
    import keras
    from keras import layers

    return keras.Sequential([
        keras.Input(shape=(28, 28)),
        layers.Flatten(),
        layers.Dense(256, activation="relu"),
        layers.Dropout(0.1),
        layers.Dense(10, activation="softmax"),
    ], name="wide_mlp")


def cnn():
    """A small CNN: three conv layers with batch normalisation, then a dense head.

    Deliberately light (about 7 M multiply-adds per image) so it trains on a laptop CPU."""
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
        layers.Dense(10, activation="softmax"),
    ], name="cnn")


ARCHITECTURES: dict[str, Callable] = {"seed_mlp": seed_mlp, "wide_mlp": wide_mlp, "cnn": cnn}


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

    def __post_init__(self):
        if self.architecture not in ARCHITECTURES:
            raise ValueError(f"architecture: expected one of {sorted(ARCHITECTURES)}, "
                             f"got {self.architecture!r}")
        for name in ("epochs", "batch_size", "steps_per_execution"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"{name}: expected an integer >= 1, got {value!r}")
        if not self.learning_rate > 0:
            raise ValueError(f"learning_rate: expected a positive number, "
                             f"got {self.learning_rate!r}")
        # Equal recipes must share a key: 1 and 1.0 are equal but serialise differently.
        object.__setattr__(self, "learning_rate", float(self.learning_rate))

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
# The course's fast MLP: 8x the batch, 4x the learning rate decaying to 0 over 4 epochs,
# several steps per call.
FAST_MLP_RECIPE = Recipe("wide_mlp", epochs=4, batch_size=256, learning_rate=4e-3,
                         steps_per_execution=8, cosine_decay=True)
# The judge used by later notebooks: the pretrained file in data/ was made with this recipe.
CNN_RECIPE = Recipe("cnn", epochs=12, batch_size=128, learning_rate=2e-3, augment=True,
                    cosine_decay=True)
