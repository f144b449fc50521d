"""The course's models: the seed article's network exactly, and recipes that validate and name
themselves stably."""

import math
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


def test_wide_mlp_is_the_seed_network_twice_as_wide_and_dropout_is_opt_in():
    layers_of = lambda model: [type(layer).__name__ for layer in model.layers]  # noqa: E731
    assert layers_of(ARCHITECTURES["wide_mlp"]()) == ["Flatten", "Dense", "Dense"]
    assert ARCHITECTURES["wide_mlp"]().layers[1].units == 2 * seed_mlp().layers[1].units
    with_dropout = ARCHITECTURES["wide_mlp"](dropout=0.1)
    assert layers_of(with_dropout) == ["Flatten", "Dense", "Dropout", "Dense"]
    assert with_dropout.layers[2].rate == pytest.approx(0.1)


@pytest.mark.parametrize("dropout, error", [(1.0, ValueError), (-0.1, ValueError),
                                            ("0.1", TypeError)])
def test_wide_mlp_rejects_a_bad_dropout_rate(dropout, error):
    with pytest.raises(error, match="^dropout: "):
        ARCHITECTURES["wide_mlp"](dropout=dropout)


# --- step_timing: one training step, one random draw, as callables for compare ---------------

@pytest.fixture(scope="module")
def small_split():
    from course_lib.mnist.splits import load_splits

    return load_splits(train_size=64, test_size=1)[0]


@pytest.mark.parametrize("jit_compile", [False, True])
def test_training_step_updates_the_weights_and_lowers_the_loss(small_split, jit_compile):
    from course_lib.mnist.step_timing import training_step

    step = training_step(ARCHITECTURES["wide_mlp"], small_split, batch_size=32,
                         jit_compile=jit_compile)
    losses = [float(step()) for _ in range(10)]
    assert all(math.isfinite(loss) for loss in losses)
    assert losses[-1] < losses[0]


def test_training_step_builds_under_a_policy_and_restores_the_global_one(small_split):
    import keras

    from course_lib.mnist.step_timing import training_step

    built = []
    step = training_step(lambda: built.append(seed_mlp()) or built[-1], small_split,
                         batch_size=16, policy="mixed_bfloat16")
    assert built[0].dtype_policy.compute_dtype == "bfloat16"
    assert keras.mixed_precision.global_policy().name == "float32"
    assert math.isfinite(float(step()))


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"batch_size": 65}, ValueError, "^batch_size: "),
    ({"batch_size": 0}, ValueError, "^batch_size: "),
    ({"policy": "float16"}, ValueError, "^policy: "),
    ({"jit_compile": "yes"}, TypeError, "^jit_compile: "),
    ({"build": "wide_mlp"}, TypeError, "^build: "),
])
def test_training_step_rejects_bad_arguments(small_split, kwargs, error, pattern):
    from course_lib.mnist.step_timing import training_step

    arguments = {"build": ARCHITECTURES["wide_mlp"], "batch_size": 16, **kwargs}
    with pytest.raises(error, match=pattern):
        training_step(arguments.pop("build"), small_split, **arguments)


@pytest.mark.parametrize("alg", ["auto_select", "philox"])
@pytest.mark.parametrize("jit_compile", [False, True])
def test_random_draw_is_uniform_and_the_same_every_call(alg, jit_compile):
    from course_lib.mnist.step_timing import random_draw

    draw = random_draw((64, 32), alg=alg, jit_compile=jit_compile)
    first, second = draw(), draw()
    assert first.shape == (64, 32) and np.array_equal(first, second)
    assert 0 <= first.min() and first.max() < 1 and abs(first.mean() - 0.5) < 0.05


@pytest.mark.parametrize("kwargs, error, pattern", [
    ({"alg": "mersenne"}, ValueError, "^alg: "), ({"shape": (0, 4)}, ValueError, r"^shape\[0\]: "),
    ({"jit_compile": 1}, TypeError, "^jit_compile: ")])
def test_random_draw_rejects_bad_arguments(kwargs, error, pattern):
    from course_lib.mnist.step_timing import random_draw

    with pytest.raises(error, match=pattern):
        random_draw(**kwargs)


@pytest.mark.parametrize("generator", ["philox", "auto_select"])
def test_dropout_with_a_named_generator_drops_and_rescales_like_keras(generator):
    model = ARCHITECTURES["wide_mlp"](dropout=0.25, dropout_generator=generator)
    layer = model.layers[2]
    hidden = np.ones((64, 256), np.float32)
    dropped = np.asarray(layer(hidden, training=True))
    assert np.all(np.isclose(dropped, 0) | np.isclose(dropped, 1 / 0.75))
    assert 0.2 < (dropped == 0).mean() < 0.3
    assert not np.array_equal(dropped, np.asarray(layer(hidden, training=True)))  # new draw
    assert np.array_equal(np.asarray(layer(hidden, training=False)), hidden)


def test_dropout_generator_must_be_named_correctly():
    with pytest.raises(ValueError, match="^dropout_generator: "):
        ARCHITECTURES["wide_mlp"](dropout=0.1, dropout_generator="mersenne")


@pytest.mark.parametrize("rate, generator, error, pattern", [
    (0.0, "philox", ValueError, "^rate: "), (1.0, "philox", ValueError, "^rate: "),
    (0.1, "threefry", ValueError, "^generator: ")])
def test_generator_dropout_rejects_bad_arguments(rate, generator, error, pattern):
    from course_lib.mnist.models import generator_dropout

    with pytest.raises(error, match=pattern):
        generator_dropout(rate, generator)
