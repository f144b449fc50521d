"""What every technique does to a Keras model: check it is one (and the data and settings it is
trained with), copy it, count its weights, and write it as the file that would ship.

Quantization, pruning and distillation each start from a Keras model they must not change, and
the evaluator needs its size on disk; these few steps are the same for all of them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from course_lib.checks import check_int, check_number, check_seed
from course_lib.mnist.splits import Split, validate


def is_keras_model(model: Any) -> bool:
    import keras

    return isinstance(model, keras.Model)


def check_keras_model(model: Any, argument: str = "model") -> Any:
    """``model`` if it is a Keras model, else a TypeError naming ``argument``."""
    if not is_keras_model(model):
        raise TypeError(f"{argument}: expected a Keras model, got {type(model).__name__}")
    return model


def check_split(name: str, split: Any) -> Split:
    """``split`` if it is a ``Split`` of valid images and labels, else an error naming ``name``."""
    if not isinstance(split, Split):
        raise TypeError(f"{name}: expected a Split of images and labels (from load_splits), "
                        f"got {type(split).__name__}")
    validate(split.x, split.y, name=f"{name}.x")
    return split


def check_training(*, epochs: int, batch_size: int, learning_rate: float, seed: int) -> None:
    """The settings every fine-tuning run takes (pruning, distillation), checked before Keras
    sees them: its own errors surface mid-training, far from the argument."""
    check_int("epochs", epochs, minimum=1)
    check_int("batch_size", batch_size, minimum=1)
    check_number("learning_rate", learning_rate, positive=True)
    check_seed(seed)


def copy_model(model: Any) -> Any:
    """A fresh copy of a Keras model (same layers, same weights, no optimizer state).

    Built from the model's config, so a Keras-quantized model stays quantized, and saving the
    copy writes only what inference needs: the size a deployed model has on disk.
    """
    check_keras_model(model)
    copy = model.__class__.from_config(model.get_config())
    copy.set_weights(model.get_weights())
    return copy


def count_parameters(model: Any) -> int:
    """Weights that a model stores (trainable and not): what distillation must shrink."""
    check_keras_model(model)
    return int(sum(np.prod(weight.shape) for weight in model.weights))


def saved_bytes(model: Any) -> bytes:
    """The ``.keras`` file of a copy of ``model``: what would ship, without optimizer state."""
    check_keras_model(model)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.keras"
        copy_model(model).save(path)
        return path.read_bytes()
