"""The small model the compress tests share: trained once per test run, whichever test file
asks first (the builders are cached; the fixtures hand out the same objects, never changed)."""

import functools

import pytest

from course_lib.compress import quantization
from course_lib.mnist.splits import load_splits


@functools.cache
def _splits():
    return load_splits(train_size=3000, test_size=500)


@functools.cache
def _small_cnn():
    """A small CNN shaped like the course's (conv, batch norm, dense), trained for seconds."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(28, 28)), layers.Reshape((28, 28, 1)),
        layers.Conv2D(8, 3, padding="same", use_bias=False), layers.BatchNormalization(),
        layers.ReLU(), layers.MaxPooling2D(),
        layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax")], name="small_cnn")
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    train, _ = _splits()
    model.fit(train.x_float, train.y, epochs=3, batch_size=64, verbose=0)
    return model


@pytest.fixture
def splits():
    return _splits()


@pytest.fixture
def small_cnn():
    return _small_cnn()


@functools.cache
def _tflite_models():
    train, _ = _splits()
    return {kind: quantization.to_tflite(_small_cnn(), kind,
                                         train.x[:100] if kind == "int8" else None)
            for kind in quantization.KINDS}


@pytest.fixture
def tflite_models():
    return _tflite_models()
