"""The course's models: the seed article's network exactly, and recipes that validate and name
themselves stably."""

import re
import warnings

import numpy as np
import pytest

from course_lib.mnist.data import NUM_CLASSES
from course_lib.mnist.models import (ARCHITECTURES, CNN_RECIPE, FAST_MLP_RECIPE, SEED_RECIPE,
                                     Recipe, activation_bytes, seed_mlp)

RECIPE = Recipe("seed_mlp", epochs=2, batch_size=64)


def test_seed_model_is_the_articles_network_built_with_an_input():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Flatten(input_shape=...) would warn in Keras 3
        model = seed_mlp()
    assert model.input_shape == (None, 28, 28)
    described = [(type(layer).__name__, getattr(layer, "units", None),
                  getattr(getattr(layer, "activation", None), "__name__", None))
                 for layer in model.layers]
    assert described == [("Flatten", None, None), ("Dense", 128, "relu"),
                         ("Dense", 10, "softmax")]
    assert model.count_params() == 101_770


@pytest.mark.parametrize("architecture", sorted(ARCHITECTURES))
def test_every_architecture_maps_images_to_class_probabilities(architecture):
    probabilities = np.asarray(ARCHITECTURES[architecture]()(np.zeros((3, 28, 28), np.float32)))
    assert probabilities.shape == (3, NUM_CLASSES)
    assert np.allclose(probabilities.sum(axis=1), 1, atol=1e-5)


def test_course_recipes():
    assert (SEED_RECIPE.architecture, SEED_RECIPE.epochs, SEED_RECIPE.batch_size,
            SEED_RECIPE.learning_rate) == ("seed_mlp", 5, 32, 1e-3)  # as in the article
    assert FAST_MLP_RECIPE.batch_size > SEED_RECIPE.batch_size
    assert CNN_RECIPE.architecture == "cnn"


def test_recipe_key_is_stable_for_equal_recipes():
    twin = Recipe("seed_mlp", epochs=2, batch_size=64, learning_rate=0.001)
    assert twin == RECIPE and twin.key == RECIPE.key == RECIPE.key
    assert re.fullmatch(r"seed_mlp-[0-9a-f]{12}", RECIPE.key)
    assert RECIPE.replace(learning_rate=1).key == RECIPE.replace(learning_rate=1.0).key
    assert RECIPE.replace(batch_size=np.int64(64)).key == RECIPE.key


@pytest.mark.parametrize("change", [
    {"architecture": "wide_mlp"}, {"epochs": 3}, {"batch_size": 128}, {"learning_rate": 2e-3},
    {"seed": 1}, {"steps_per_execution": 4}, {"jit_compile": True}, {"augment": True},
    {"cosine_decay": True}])
def test_recipe_key_changes_with_every_setting(change):
    assert RECIPE.replace(**change).key != RECIPE.key


@pytest.mark.parametrize("change, error, message", [
    ({"architecture": "resnet"}, ValueError, "architecture: expected one of"),
    ({"epochs": 0}, ValueError, "epochs: expected an integer >= 1, got 0"),
    ({"batch_size": 0}, ValueError, "batch_size: expected an integer >= 1, got 0"),
    ({"batch_size": -32}, ValueError, "batch_size: expected an integer >= 1"),
    ({"batch_size": 32.0}, TypeError, r"batch_size: expected an integer >= 1, got 32.0 \(float\)"),
    ({"batch_size": True}, TypeError, "batch_size: expected an integer >= 1"),
    ({"steps_per_execution": 0}, ValueError, "steps_per_execution: expected an integer >= 1"),
    ({"learning_rate": 0}, ValueError, "learning_rate: expected a positive finite number"),
    ({"learning_rate": float("nan")}, ValueError, "learning_rate: expected a positive"),
    ({"learning_rate": "fast"}, TypeError, "learning_rate: expected a positive"),
    ({"seed": "0"}, TypeError, "seed: expected an integer"),
    ({"seed": -1}, ValueError, "seed: expected an integer in 0.."),
    ({"jit_compile": 1}, TypeError, "jit_compile: expected True or False, got 1"),
    ({"augment": "yes"}, TypeError, "augment: expected True or False"),
])
def test_recipe_rejects_bad_settings_naming_them(change, error, message):
    with pytest.raises(error, match=f"^{message}"):
        RECIPE.replace(**change)


def test_activation_bytes_counts_every_layer_output_in_float32():
    assert activation_bytes(seed_mlp()) == 4 * (784 + 128 + NUM_CLASSES)  # Flatten, Dense, Dense


def test_same_recipe_builds_the_same_starting_weights():
    def weights(recipe):
        return recipe.build_and_compile().get_weights()

    first, again, other = weights(RECIPE), weights(RECIPE), weights(RECIPE.replace(seed=1))
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], other[0])


def test_build_and_compile_applies_the_speed_settings():
    model = FAST_MLP_RECIPE.build_and_compile(steps_per_epoch=10)
    assert model.compiled and model.steps_per_execution == FAST_MLP_RECIPE.steps_per_execution
    assert float(model.optimizer.learning_rate) == pytest.approx(FAST_MLP_RECIPE.learning_rate)
    assert model.loss == "sparse_categorical_crossentropy"
