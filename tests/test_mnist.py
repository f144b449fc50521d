"""MNIST data: clear errors for bad input, and a tf.data pipeline whose every stage combination
yields the same (image, label) pairs, shuffled only when asked."""

import itertools
import warnings
from collections import Counter

import numpy as np
import pytest

from course_lib import checks
from course_lib.checks import MemoryNeedError
from course_lib.mnist.splits import (Split, load_splits, make_dataset, one_pass, pipeline_bytes,
                                     to_float, validate)

STAGES = ("vectorize", "parallel", "cache", "shuffle", "prefetch")
BATCH = 32


@pytest.fixture(scope="module")
def small():
    """100 training images: three full batches of 32 and a last one of 4."""
    return load_splits(train_size=100, test_size=10)[0]


def epoch(dataset):
    """One pass as (images, labels), checking every batch on the way."""
    batches = [(x.numpy(), y.numpy()) for x, y in dataset]
    assert all(len(y) == BATCH for _, y in batches[:-1]) and 1 <= len(batches[-1][1]) <= BATCH
    images, labels = (np.concatenate(parts) for parts in zip(*batches))
    assert images.dtype == np.float32 and images.shape[1:] == (28, 28)
    assert images.min() >= 0 and images.max() <= 1
    return images, labels


def pairs(images, labels) -> Counter:
    """The multiset of (image, label) pairs, images compared as the bytes they came from."""
    pixels = np.rint(np.asarray(images, np.float32) * 255).astype(np.uint8)
    return Counter((image.tobytes(), int(label)) for image, label in zip(pixels, labels))


# --- Loading and validation ------------------------------------------------------------------

def test_load_splits_gives_uint8_images_and_int64_labels():
    train, test = load_splits(train_size=50, test_size=20)
    assert (len(train), len(test)) == (50, 20)
    assert train.x.dtype == np.uint8 and train.x.shape == (50, 28, 28)
    assert train.y.dtype == np.int64 and list(train.y[:10]) == [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]
    assert list(test.y[:5]) == [7, 2, 1, 0, 4]
    assert len(train.take(7)) == 7 and np.array_equal(train.take(7).x, train.x[:7])


def test_to_float_scales_to_unit_range_and_keeps_float32():
    images = np.array([[[0, 255] * 14] * 28], dtype=np.uint8)
    scaled = to_float(images)
    assert scaled.dtype == np.float32 and scaled.min() == 0 and scaled.max() == 1
    assert to_float(scaled) is scaled
    assert Split(images, np.array([3])).x_float.max() == 1


@pytest.mark.parametrize("size, error", [(0, ValueError), (-5, ValueError), (2.5, TypeError),
                                         ("100", TypeError)])
@pytest.mark.parametrize("name", ["train_size", "test_size"])
def test_load_splits_rejects_bad_sizes(name, size, error):
    with pytest.raises(error, match=f"^{name}: expected an integer >= 1"):
        load_splits(**{name: size})


IMAGES = np.zeros((4, 28, 28), np.uint8)
LABELS = np.array([0, 1, 2, 9])


def float_images(value: float) -> np.ndarray:
    images = np.zeros((4, 28, 28), np.float32)
    images[2, 5, 5] = value
    return images


@pytest.mark.parametrize("images, labels, error, message", [
    ([[0] * 28] * 28, None, TypeError, "images: expected a NumPy array, got list"),
    (np.zeros((0, 28, 28), np.uint8), None, ValueError, "images: expected at least one element"),
    (np.zeros((4, 28, 27), np.uint8), None, ValueError,
     r"images: expected shape \(n, 28, 28\).*got uint8 array of shape \(4, 28, 27\)"),
    (np.zeros((4, 784), np.uint8), None, ValueError, r"images: expected shape .*\(4, 784\)"),
    (IMAGES.astype(np.float64), None, ValueError,
     "images: expected dtype uint8 or float32, got float64"),
    (IMAGES.astype(np.int32), None, ValueError,
     "images: expected dtype uint8 or float32, got int32"),
    (float_images(np.nan), None, ValueError,
     "images: expected finite values, got 1 NaN or infinite value"),
    (float_images(np.inf), None, ValueError, "images: expected finite values"),
    (float_images(-np.inf), None, ValueError, "images: expected finite values"),
    (float_images(255.0), None, ValueError,
     r"images: expected float32 values in 0..1 \(uint8 / 255\), got values from 0 to 255"),
    (float_images(-0.5), None, ValueError, "images: expected float32 values in 0..1"),
    (IMAGES, list(LABELS), TypeError, "labels: expected a NumPy array, got list"),
    (IMAGES, LABELS[:3], ValueError, r"labels: expected shape \(4,\) to match images, got \(3,\)"),
    (IMAGES, LABELS[:, None], ValueError, r"labels: expected shape \(4,\)"),
    (IMAGES, LABELS.astype(np.float32), ValueError, "labels: expected integer class ids"),
    (IMAGES, np.array([0, 1, 2, 10]), ValueError,
     "labels: expected class ids 0..9, got values from 0 to 10"),
    (IMAGES, np.array([-1, 1, 2, 3]), ValueError,
     "labels: expected class ids 0..9, got values from -1 to 3"),
])
def test_validate_names_the_bad_argument(images, labels, error, message):
    with pytest.raises(error, match=f"^{message}"):
        validate(images, labels)


@pytest.mark.parametrize("images", [IMAGES, IMAGES[..., None], IMAGES.astype(np.float32),
                                    float_images(1.0)])
def test_validate_accepts_what_the_models_take(images):
    assert validate(images, LABELS) is None  # returns quietly, raises nothing


@pytest.mark.parametrize("batch_size, error", [(0, ValueError), (-1, ValueError),
                                               (2.0, TypeError), (True, TypeError),
                                               ("32", TypeError)])
def test_make_dataset_rejects_bad_batch_sizes(small, batch_size, error):
    with pytest.raises(error, match="^batch_size: expected an integer >= 1"):
        make_dataset(small, batch_size)


@pytest.mark.parametrize("switch", STAGES + ("augment",))
def test_make_dataset_rejects_switches_that_are_not_true_or_false(small, switch):
    with pytest.raises(TypeError, match=f"^{switch}: expected True or False, got 1"):
        make_dataset(small, BATCH, **{switch: 1})


def test_make_dataset_rejects_a_bad_seed(small):
    with pytest.raises(TypeError, match="^seed: expected an integer"):
        make_dataset(small, BATCH, seed=0.5)


def test_a_pipeline_that_cannot_fit_in_memory_is_refused_before_tensorflow_copies(small,
                                                                                    monkeypatch):
    monkeypatch.setattr(checks, "available_memory", lambda: 100_000)  # pretend 100 kB is free
    # 100 images of 784 bytes, copied once, plus the per-image map's float32 cache (4x).
    expected = pipeline_bytes(small, per_image_map=True, buffered=True)
    assert expected == small.x.nbytes * 5 + small.y.nbytes * 2
    with pytest.raises(MemoryNeedError, match=r"^split: a tf.data pipeline over 100 images "
                                              r"would need 394 kB of memory, but only 100 kB"):
        make_dataset(small, BATCH, vectorize=False)
    assert pipeline_bytes(small, per_image_map=False, buffered=False) == (
        small.x.nbytes + small.y.nbytes)


def test_one_pass_counts_every_example_once(small):
    assert one_pass(make_dataset(small, BATCH)) == len(small) == 100
    assert one_pass(make_dataset(small.take(33), 8, shuffle=False)) == 33


@pytest.mark.parametrize("split, message", [
    (Split(IMAGES[:0], LABELS[:0]), "split.x: expected at least one element"),
    (Split(IMAGES.astype(np.float64), LABELS), "split.x: expected dtype"),
    (Split(IMAGES, LABELS + 1), "labels: expected class ids 0..9"),
])
def test_make_dataset_rejects_bad_splits(split, message):
    with pytest.raises(ValueError, match=message):
        make_dataset(split, BATCH)


# --- The pipeline ----------------------------------------------------------------------------

@pytest.mark.parametrize("switches", [dict(zip(STAGES, values))
                                      for values in itertools.product([True, False], repeat=5)],
                         ids=lambda s: "-".join(k for k, on in s.items() if on) or "none")
def test_every_stage_combination_yields_the_same_pairs(small, switches):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no stage combination warns the learner
        dataset = make_dataset(small, BATCH, **switches)
    first, second = epoch(dataset), epoch(dataset)
    expected = pairs(small.x_float, small.y)
    assert pairs(*first) == expected and pairs(*second) == expected
    orders = [labels for _, labels in (first, second)]
    if switches["shuffle"]:  # a new order every epoch
        assert not np.array_equal(orders[0], orders[1])
        assert not any(np.array_equal(order, small.y) for order in orders)
    else:  # the stored order, every epoch
        assert all(np.array_equal(order, small.y) for order in orders)


@pytest.mark.parametrize("vectorize", [True, False])
def test_augment_shifts_images_by_up_to_two_pixels_and_keeps_labels(small, vectorize):
    images, labels = epoch(make_dataset(small, BATCH, shuffle=False, augment=True,
                                        vectorize=vectorize))
    assert np.array_equal(labels, small.y)
    padded = np.pad(small.x_float, ((0, 0), (2, 2), (2, 2)))
    shifts = np.stack([padded[:, dy:dy + 28, dx:dx + 28] for dy in range(5) for dx in range(5)],
                      axis=1)  # (n, 25, 28, 28): every shift of every original image
    matches = np.all(shifts == images[:, None], axis=(2, 3))
    assert matches.any(axis=1).all(), "every augmented image is a shift of its own original"
    assert not matches[:, 12].all(), "some images moved (shift 12 is no shift)"
