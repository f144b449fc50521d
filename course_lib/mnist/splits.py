"""MNIST for training: validated NumPy arrays and a ``tf.data`` pipeline with switchable stages.

Each pipeline stage (cache, shuffle, batch, prefetch) is an option, so notebook 03 can switch
them on one at a time and measure what each buys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from course_lib.checks import (check_array, check_bool, check_fits_in_memory, check_fraction,
                               check_int, check_seed, describe_array)
from course_lib.mnist.data import IMAGE_SHAPE, NUM_CLASSES, load_mnist

if TYPE_CHECKING:
    import tensorflow as tf


@dataclass(frozen=True)
class Split:
    """Images as stored (uint8, shape (n, 28, 28)) and labels as int64 class ids 0..9."""

    x: np.ndarray
    y: np.ndarray

    def __len__(self) -> int:
        return len(self.y)

    @property
    def x_float(self) -> np.ndarray:
        """Images as float32 in [0, 1], what the models take."""
        return to_float(self.x)

    def take(self, n: int) -> "Split":
        return Split(self.x[:n], self.y[:n])


IMAGE_DTYPES = (np.uint8, np.float32)  # 0..255 as stored, or 0..1 as the models take


def validate(images: np.ndarray, labels: np.ndarray | None = None, *,
             name: str = "images") -> None:
    """Clear errors for the mistakes learners make, before TensorFlow gives a cryptic one.

    Float images must be finite and in 0..1: a NaN pixel poisons a whole batch's gradients,
    and 0..255 floats (scaling forgotten) train badly without any error."""
    check_array(name, images, dtypes=IMAGE_DTYPES, nonempty=True, finite=True)
    if images.shape[1:] not in (IMAGE_SHAPE, IMAGE_SHAPE + (1,)):
        raise ValueError(f"{name}: expected shape (n, 28, 28) or (n, 28, 28, 1), "
                         f"got {describe_array(images)}")
    if images.dtype == np.float32 and (images.min() < 0 or images.max() > 1):
        raise ValueError(f"{name}: expected float32 values in 0..1 (uint8 / 255), got values "
                         f"from {images.min():g} to {images.max():g}")
    if labels is None:
        return
    check_array("labels", labels)
    if labels.shape != (len(images),):
        raise ValueError(f"labels: expected shape ({len(images)},) to match {name}, "
                         f"got {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels: expected integer class ids 0..{NUM_CLASSES - 1}, "
                         f"got dtype {labels.dtype}")
    if labels.min() < 0 or labels.max() >= NUM_CLASSES:
        raise ValueError(f"labels: expected class ids 0..{NUM_CLASSES - 1}, got values from "
                         f"{labels.min()} to {labels.max()}")


def to_float(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 0..1 (float32 input is returned as is)."""
    validate(images)
    return images.astype(np.float32) / 255.0 if images.dtype == np.uint8 else images


def load_splits(train_size: int | None = None, test_size: int | None = None) -> tuple[Split, Split]:
    """The course's MNIST as splits, optionally only the first ``*_size`` images of each."""
    for name, size in (("train_size", train_size), ("test_size", test_size)):
        if size is not None:
            check_int(name, size, minimum=1)
    (x_train, y_train), (x_test, y_test) = load_mnist()
    train = Split(x_train[:train_size], y_train[:train_size].astype(np.int64))
    test = Split(x_test[:test_size], y_test[:test_size].astype(np.int64))
    return train, test


def hold_out(split: Split, fraction: float = 0.1, *, seed: int = 0) -> tuple[Split, Split]:
    """``(train, validation)``: ``fraction`` of every class moved to a validation split.

    Why: a model chosen or stopped by its *test* accuracy is tuned to the test set, so the test
    number stops measuring new digits. Decisions use the validation split; the test split is
    read once, at the end. Stratified (each digit keeps its share) and seeded, so the split is
    the same on every run; both parts keep the original order."""
    check_fraction("fraction", fraction)
    check_seed(seed)
    validate(split.x, split.y, name="split.x")
    rng = np.random.default_rng(seed)
    chosen = [rng.permutation(np.flatnonzero(split.y == digit))
              [:round(fraction * np.count_nonzero(split.y == digit))]
              for digit in range(NUM_CLASSES)]
    held = np.zeros(len(split), dtype=bool)
    held[np.concatenate(chosen)] = True
    if held.all() or not held.any():
        raise ValueError(f"fraction: {fraction:g} of {len(split):,} images leaves "
                         f"{'no training' if held.all() else 'no validation'} images")
    return Split(split.x[~held], split.y[~held]), Split(split.x[held], split.y[held])


def make_dataset(split: Split, batch_size: int, *, vectorize: bool = True,
                 parallel: bool = True, cache: bool = True, shuffle: bool = True,
                 prefetch: bool = True, augment: bool = False,
                 seed: int = 0) -> tf.data.Dataset:
    """A ``tf.data.Dataset`` of (float images, labels) batches, each stage switchable.

    The pipeline scales uint8 images to float32 in a ``map``: ``vectorize`` maps whole batches
    (one op call per batch) instead of single images; ``parallel`` runs the map on several
    threads; ``cache`` keeps the elements after the first epoch (with a per-image map, the
    scaled images, so later epochs skip it); ``shuffle`` comes after the cache so every epoch
    gets a new order; ``augment`` shifts each image by up to 2 pixels; ``prefetch`` prepares
    the next batch while the model trains on this one.
    """
    import tensorflow as tf

    check_int("batch_size", batch_size, minimum=1)
    switches = {"vectorize": vectorize, "parallel": parallel, "cache": cache, "shuffle": shuffle,
                "prefetch": prefetch, "augment": augment}
    for name, value in switches.items():
        check_bool(name, value)
    check_seed(seed)
    validate(split.x, split.y, name="split.x")
    check_fits_in_memory("split", pipeline_bytes(split, per_image_map=not vectorize,
                                                 buffered=cache or shuffle),
                         f"a tf.data pipeline over {len(split):,} images")
    # ``deterministic`` only applies to (and without threads only warns about) parallel maps.
    calls = {"num_parallel_calls": tf.data.AUTOTUNE, "deterministic": True} if parallel else {}

    def scale(images, labels):
        return tf.cast(images, tf.float32) / 255.0, labels

    dataset = tf.data.Dataset.from_tensor_slices((split.x, split.y))
    if not vectorize:
        dataset = dataset.map(scale, **calls)
    if cache:
        dataset = dataset.cache()
    if shuffle:
        dataset = dataset.shuffle(len(split), seed=seed, reshuffle_each_iteration=True)
    if augment:
        dataset = dataset.map(_random_shift(seed), **calls)
    dataset = dataset.batch(batch_size)
    if vectorize:
        dataset = dataset.map(scale, **calls)
    if prefetch:
        dataset = dataset.prefetch(tf.data.AUTOTUNE)
    return dataset


def _random_shift(seed: int, pixels: int = 2):
    """Pad by ``pixels`` and crop back at a random offset: small shifts a CNN should ignore."""
    import tensorflow as tf

    generator = tf.random.Generator.from_seed(seed)

    def shift(image, label):
        padded = tf.pad(image[..., None], [[pixels, pixels], [pixels, pixels], [0, 0]])
        offset = generator.uniform([2], 0, 2 * pixels + 1, dtype=tf.int32)
        return tf.slice(padded, [offset[0], offset[1], 0], [28, 28, 1])[..., 0], label

    return shift


def pipeline_bytes(split: Split, *, per_image_map: bool, buffered: bool) -> int:
    """The least memory a pipeline over ``split`` holds: TensorFlow's copy of the arrays and,
    when it caches or shuffles, every element again (float32, 4x the bytes, when a per-image
    map has scaled them first). Measured on MNIST it held this much to twice as much."""
    source = split.x.nbytes + split.y.nbytes
    element = split.x.nbytes * (4 if per_image_map else 1) + split.y.nbytes
    return source + (element if buffered else 0)


def one_pass(dataset: tf.data.Dataset) -> int:
    """Read a dataset once, as an epoch of training would, and count the examples it gave."""
    return sum(int(labels.shape[0]) for _, labels in dataset)
