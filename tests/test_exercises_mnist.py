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


# --- Exercise 3: the slow prediction loop ----------------------------------------------------

@pytest.fixture(scope="module")
def model():
    return SEED_RECIPE.build_and_compile()


def per_image(model, images):
    return np.concatenate([np.asarray(model(images[i:i + 1])) for i in range(len(images))])


def test_fast_predict_checker_passes_the_reference(model):
    report = ex.check_fast_predict(solution("predict_all"), model)
    assert report.passed, str(report)
    assert "ran the model 1 time(s) for 300 images" in str(report)


@pytest.mark.parametrize("predict_all, message", [
    (per_image, "ran the model 300 time(s) for 300 images: every call pays a fixed overhead"),
    (lambda model, images: model.predict(images, verbose=0).argmax(axis=1),
     "expected shape (300, 10) matching model.predict, got shape (300,)"),
    (lambda model, images: model.predict(images.reshape(-1, 784), verbose=0),
     "predict_all(model, 300 images): raised"),
])
def test_fast_predict_checker_names_the_mistake(model, predict_all, message):
    assert message in failures(ex.check_fast_predict(predict_all, model))


def test_the_slow_starting_point_is_right_but_runs_the_model_once_per_image(model):
    images = np.random.default_rng(0).random((5, 28, 28), dtype=np.float32)
    counting = ex._CountingModel(model)
    slow = ex.slow_predict_all(counting, images)
    assert np.allclose(slow, model.predict(images, verbose=0), atol=1e-5)
    assert counting.calls == 5
