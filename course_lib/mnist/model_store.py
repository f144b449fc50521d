"""Trained models on disk: written atomically, verified when read, keyed by their recipe.

A model file is written to a temporary name and renamed into place, with a sha256 sidecar;
loading checks the hash first, so a half-written or corrupted file is never used silently:
``cached_model`` retrains over it, ``load_classifier`` reports it.
"""

from __future__ import annotations

import json
from pathlib import Path

from course_lib import config, files
from course_lib.mnist.models import Recipe

CLASSIFIER_PATH = config.DATA_DIR / "mnist_cnn.keras"
CLASSIFIER_CARD = config.DATA_DIR / "mnist_cnn.json"


def model_cache_path(recipe: Recipe) -> Path:
    return config.CACHE_DIR / "models" / f"{recipe.key}.keras"


def save_model(model, path: str | Path, card: dict | None = None) -> Path:
    """Save a Keras model atomically (plus a JSON card describing it, if given).

    Only the architecture and weights are kept: the optimizer's state would triple the file
    and is not needed to use the model."""
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"path: expected a file name ending in .keras, got {path.name!r}")
    files.write_atomic(path, lambda tmp: _weights_only(model).save(tmp))
    if card is not None:
        files.write_card(path, card)
    return path


def _weights_only(model):
    copy = model.__class__.from_config(model.get_config())  # uncompiled: no optimizer
    copy.set_weights(model.get_weights())
    return copy


def load_model(path: str | Path):
    """Load a model saved by ``save_model`` after checking that the file is whole."""
    import keras

    return keras.models.load_model(files.verify(path))


def cached_model(recipe: Recipe, train_split, validation_split=None, *, verbose="auto"):
    """The model trained by ``recipe``: from the cache if a whole copy is there, else trained
    now and cached. Returns ``(model, source)`` where source says which ("cache" or a reason)."""
    from course_lib.mnist.training import train

    path = model_cache_path(recipe)
    if path.exists():
        try:
            return load_model(path), "cache"
        except files.FileIntegrityError as error:
            reason = f"retrained: {error}"
    else:
        reason = "trained: not in the cache yet"
    result = train(recipe, train_split, validation_split, verbose=verbose)
    save_model(result.model, path, {**result.summary(), "recipe": recipe.as_dict()})
    return result.model, reason


def load_classifier():
    """The pretrained CNN shipped in ``data/`` (see ``data/mnist_cnn.json`` for how it was made)."""
    try:
        return load_model(CLASSIFIER_PATH)
    except files.FileIntegrityError as error:
        raise files.FileIntegrityError(
            f"{error}. The pretrained classifier ships with the course: restore it with "
            "`git checkout -- data/mnist_cnn.keras data/mnist_cnn.keras.sha256`, or remake "
            "it with `python scripts/train_classifier.py` (about 5 minutes on a laptop CPU)."
        ) from error


def classifier_card() -> dict:
    """The recipe, command and test accuracy recorded beside the pretrained classifier."""
    return json.loads(CLASSIFIER_CARD.read_text())
