"""The validation split: held out of the training images, disjoint, stratified, seeded."""

import numpy as np
import pytest

from course_lib.mnist.data import NUM_CLASSES
from course_lib.mnist.splits import Split, hold_out, load_splits


@pytest.fixture(scope="module")
def train_split():
    return load_splits(train_size=5000, test_size=1)[0]


def rows(split: Split) -> set[bytes]:
    return {image.tobytes() + bytes([label]) for image, label in zip(split.x, split.y)}


def test_validation_images_are_held_out_of_training_not_copied(train_split):
    train, validation = hold_out(train_split, 0.2, seed=3)
    assert len(train) + len(validation) == len(train_split)
    assert len(validation) == pytest.approx(0.2 * len(train_split), abs=NUM_CLASSES)
    assert not rows(train) & rows(validation)  # no image is in both
    assert rows(train) | rows(validation) == rows(train_split)


def test_every_digit_keeps_its_share(train_split):
    _, validation = hold_out(train_split, 0.1)
    expected = np.round(0.1 * np.bincount(train_split.y, minlength=NUM_CLASSES))
    assert np.array_equal(np.bincount(validation.y, minlength=NUM_CLASSES), expected)


def test_the_split_is_fixed_by_its_seed(train_split):
    first, second, other = (hold_out(train_split, 0.1, seed=seed)[1] for seed in (0, 0, 1))
    assert np.array_equal(first.x, second.x) and np.array_equal(first.y, second.y)
    assert not np.array_equal(first.x, other.x)


def test_both_parts_keep_the_original_order(train_split):
    train, _ = hold_out(train_split, 0.1)
    positions = {image.tobytes(): i for i, image in enumerate(train_split.x)}
    kept = [positions[image.tobytes()] for image in train.x]
    assert kept == sorted(kept)


@pytest.mark.parametrize("fraction, seed, error, message", [
    (1.0, 0, ValueError, "fraction: expected a non-negative finite number and < 1.0, got 1.0"),
    ("0.1", 0, TypeError, "fraction: expected a non-negative"),
    (0.0, 0, ValueError, "fraction: 0 of 5,000 images leaves no validation images"),
    (0.1, "0", TypeError, "seed: expected an integer"),
    (0.1, -1, ValueError, "seed: expected an integer in 0.."),
])
def test_bad_arguments_are_named(train_split, fraction, seed, error, message):
    with pytest.raises(error, match=f"^{message}"):
        hold_out(train_split, fraction, seed=seed)


def test_a_fraction_that_leaves_no_training_images_is_refused():
    tiny = Split(np.zeros((3, 28, 28), np.uint8), np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="^fraction: 0.9 of 3 images leaves no training images"):
        hold_out(tiny, 0.9)
