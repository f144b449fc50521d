"""Models on disk: atomic, verified, keyed by recipe; a corrupted or half-written file is never
used silently."""

import json

import numpy as np
import pytest

from course_lib import config
from course_lib.mnist import model_store
from course_lib.files import FileIntegrityError, sidecar
from course_lib.mnist.splits import load_splits
from course_lib.mnist.models import CNN_RECIPE, Recipe

RECIPE = Recipe("seed_mlp", epochs=1, batch_size=64)


@pytest.fixture(scope="module")
def splits():
    return load_splits(train_size=256, test_size=100)


@pytest.fixture(autouse=True)
def cache_in_tmp(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "CACHE_DIR", tmp_path / "cache")


@pytest.fixture
def saved(tmp_path, splits):
    """A freshly compiled model saved with a card, and its predictions on the test images."""
    model = RECIPE.build_and_compile()
    path = model_store.save_model(model, tmp_path / "model.keras", {"note": "test"})
    return path, model.predict(splits[1].x_float, verbose=0)


def flip_bytes(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def predictions(model, splits):
    return model.predict(splits[1].x_float, verbose=0)


def test_round_trip_gives_identical_predictions(saved, splits):
    path, expected = saved
    assert sidecar(path).exists() and not list(path.parent.glob(".model-*"))  # no temp files left
    assert json.loads(path.with_suffix(".json").read_text()) == {"note": "test"}
    assert np.array_equal(predictions(model_store.load_model(path), splits), expected)


@pytest.mark.parametrize("damage, message", [
    (flip_bytes, "corrupted"),
    (lambda path: sidecar(path).unlink(), "half-written"),
    (lambda path: path.unlink(), "file is missing"),
])
def test_load_model_refuses_a_damaged_file(saved, damage, message):
    path, _ = saved
    damage(path)
    with pytest.raises(FileIntegrityError, match=message):
        model_store.load_model(path)


def test_save_model_refuses_a_name_that_is_not_keras(tmp_path):
    with pytest.raises(ValueError, match="path: expected a file name ending in .keras"):
        model_store.save_model(RECIPE.build_and_compile(), tmp_path / "model.h5")
    assert not list(tmp_path.iterdir())


def test_cache_path_is_keyed_by_the_recipe(tmp_path):
    assert model_store.model_cache_path(RECIPE) == tmp_path / "cache" / "models" / f"{RECIPE.key}.keras"
    assert model_store.model_cache_path(RECIPE.replace(seed=1)) != model_store.model_cache_path(RECIPE)


@pytest.mark.parametrize("damage, reason", [(flip_bytes, "corrupted"),
                                            (lambda path: sidecar(path).unlink(), "half-written")])
def test_cached_model_trains_once_then_loads_and_retrains_over_damage(splits, damage, reason):
    model, source = model_store.cached_model(RECIPE, splits[0], verbose=0)
    assert source == "trained: not in the cache yet"
    path = model_store.model_cache_path(RECIPE)
    card = json.loads(path.with_suffix(".json").read_text())
    assert card["recipe"] == RECIPE.as_dict() and card["epochs"] == 1
    assert card["val_accuracy"] is None  # no validation split given, none measured

    cached, source = model_store.cached_model(RECIPE, splits[0], verbose=0)
    assert source == "cache"
    assert np.array_equal(predictions(cached, splits), predictions(model, splits))

    damage(path)
    _, source = model_store.cached_model(RECIPE, splits[0], verbose=0)
    assert source.startswith("retrained: ") and reason in source
    model_store.load_model(path)  # whole again


def test_load_classifier_reports_a_damaged_file_and_how_to_restore_it(saved, monkeypatch):
    path, _ = saved
    flip_bytes(path)
    monkeypatch.setattr(model_store, "CLASSIFIER_PATH", path)
    with pytest.raises(FileIntegrityError, match="corrupted.*git checkout -- data/mnist_cnn.keras"):
        model_store.load_classifier()


needs_classifier = pytest.mark.skipif(not model_store.CLASSIFIER_PATH.exists(),
                                      reason="data/mnist_cnn.keras not made yet")


@needs_classifier
def test_pretrained_classifier_is_whole_and_reaches_its_recorded_accuracy():
    card = model_store.classifier_card()
    assert card["recipe"] == CNN_RECIPE.as_dict()
    assert card["command"] == "python scripts/train_classifier.py"
    _, test = load_splits()
    predicted = model_store.load_classifier().predict(test.x_float, batch_size=1000, verbose=0)
    accuracy = float(np.mean(predicted.argmax(axis=1) == test.y))
    assert accuracy >= 0.993
    assert accuracy == pytest.approx(card["test_accuracy"], abs=1e-4)
