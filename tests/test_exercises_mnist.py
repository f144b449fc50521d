"""Notebook 03's checkers pass the reference solutions and fail wrong answers in plain words."""

import keras
import numpy as np
import pytest

from course_lib.exercises import mnist as ex
from course_lib.exercises import solution
from course_lib.mnist.models import SEED_RECIPE


def failures(report) -> str:
    assert not report.passed
    return " | ".join(f"{case.name}: {case.message}" for case in report.failures)


# --- Exercise 1: a model that learns fast ----------------------------------------------------

def mlp(output_units=10, learning_rate=1e-3, compile=True):
    def build_model():
        model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                                  keras.layers.Dense(output_units, activation="softmax")])
        if compile:
            model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                          loss="sparse_categorical_crossentropy")
        return model
    return build_model


def test_fast_model_checker_passes_the_reference():
    keras.utils.set_random_seed(0)
    report = ex.check_fast_model(solution("build_fast_model"), train_size=3000, target=0.9)
    assert report.passed, str(report)
    assert "on 3,000 images" in report.cases[-1].name


def broken_build():
    raise RuntimeError("no layers yet")


@pytest.mark.parametrize("build_model, message", [
    (mlp(compile=False), "build_model() must return a model after model.compile(...)"),
    (broken_build, "raised RuntimeError: no layers yet"),
    (mlp(output_units=5), "expected shape (2, 10), got (2, 5)"),
])
def test_fast_model_checker_fails_before_training_with_a_reason(build_model, message):
    assert message in failures(ex.check_fast_model(build_model, train_size=100))


def test_fast_model_checker_fails_a_model_that_learns_too_little():
    keras.utils.set_random_seed(0)
    message = failures(ex.check_fast_model(mlp(learning_rate=1e-7), train_size=500, epochs=1,
                                           target=0.9))
    assert "(needs 90%): try convolutions" in message


# --- Exercise 2: the input pipeline ----------------------------------------------------------

def pipeline(shuffle=True, together=True, scale=True, prefetch=True):
    """The reference pipeline, or one with a single mistake."""
    import tensorflow as tf

    def make_pipeline(images, labels, batch_size):
        if together:
            dataset = tf.data.Dataset.from_tensor_slices((images, labels))
            if shuffle:
                dataset = dataset.shuffle(len(labels))
        else:  # the mistake: images and labels each shuffled on their own
            dataset = tf.data.Dataset.zip(tuple(
                tf.data.Dataset.from_tensor_slices(part).shuffle(len(labels))
                for part in (images, labels)))
        dataset = dataset.batch(batch_size)
        if scale:
            dataset = dataset.map(lambda x, y: (tf.cast(x, tf.float32) / 255.0, y))
        return dataset.prefetch(tf.data.AUTOTUNE) if prefetch else dataset
    return make_pipeline


@pytest.mark.parametrize("make_pipeline", [solution("make_pipeline"), pipeline()],
                         ids=["reference", "variant"])
def test_pipeline_checker_passes_correct_pipelines(make_pipeline):
    report = ex.check_pipeline(make_pipeline)
    assert report.passed, str(report)


@pytest.mark.parametrize("mistake, message", [
    ({"shuffle": False}, "the order is the same every epoch"),
    ({"scale": False}, "images should be float32 batches"),
    ({"together": False}, "some labels no longer belong to their images"),
    ({"prefetch": False}, "the last step should be .prefetch(tf.data.AUTOTUNE)"),
])
def test_pipeline_checker_names_the_mistake(mistake, message):
    assert message in failures(ex.check_pipeline(pipeline(**mistake)))


def test_pipeline_checker_fails_images_cast_but_not_scaled():
    import tensorflow as tf

    def unscaled(images, labels, batch_size):
        dataset = pipeline(scale=False, prefetch=False)(images, labels, batch_size)
        return dataset.map(lambda x, y: (tf.cast(x, tf.float32), y)).prefetch(1)

    assert "images should be scaled to 0..1, got values up to 255" in failures(
        ex.check_pipeline(unscaled))


# --- Exercise 3: a predictor that never retraces ---------------------------------------------

@pytest.fixture(scope="module")
def model():
    return SEED_RECIPE.build_and_compile()


def test_padded_predict_checker_passes_the_reference(model):
    report = ex.check_padded_predict(solution("predict_padded"), model, batch_size=32)
    assert report.passed, str(report)
    assert "traced 1 time(s)" in str(report)


def pad_without_trimming(compiled, images, batch_size):
    padded = np.concatenate([images, np.zeros((-len(images) % batch_size, 28, 28), np.float32)])
    return ex.predict_in_batches(compiled, padded, batch_size)


@pytest.mark.parametrize("predict, message", [
    (ex.predict_in_batches,  # the starting point: ragged last batches
     "also called with 1, 5, 31 images: pad the last batch up to batch_size"),
    (lambda compiled, images, batch_size: np.asarray(compiled(images)),  # all at once
     "traced 5 time(s): every new input shape traces and compiles the function again"),
    (lambda compiled, images, batch_size: np.concatenate([np.asarray(compiled(image[None]))
                                                          for image in images]),  # per image
     "also called with 1 images"),
    (pad_without_trimming, "got shape (128, 10): drop the padding rows"),
    (lambda compiled, images, batch_size: np.asarray(compiled(images)).argmax(axis=1),
     "a request of 101 images: expected the model's (101, 10) outputs, got shape (101,)"),
    (lambda compiled, images, batch_size: images.reshape(-1, 784),
     "expected the model's (101, 10) outputs, got shape (101, 784)"),
    (lambda compiled, images, batch_size: 1 / 0, "a request of 101 images: raised ZeroDivision"),
])
def test_padded_predict_checker_names_the_mistake(model, predict, message):
    assert message in failures(ex.check_padded_predict(predict, model, batch_size=32))


def test_the_starting_point_is_right_but_traces_once_per_ragged_size(model):
    images = np.random.default_rng(0).random((70, 28, 28), dtype=np.float32)
    compiled = ex.CompiledModel(model)
    result = ex.predict_in_batches(compiled, images, 32)
    np.testing.assert_allclose(result, model.predict(images, verbose=0), atol=1e-5)
    assert compiled.batch_sizes == [32, 32, 6] and compiled.traces == 2
    assert ex.serve_cold(ex.predict_in_batches, model, images, 16) == 4  # shapes 16, 5, 1, 15
    assert ex.serve_cold(solution("predict_padded"), model, images, 16) == 1


def test_padded_predict_checker_rejects_a_batch_of_one(model):
    with pytest.raises(ValueError, match="^batch_size: expected an integer >= 2, got 1"):
        ex.check_padded_predict(solution("predict_padded"), model, batch_size=1)
