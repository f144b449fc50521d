"""The image tokenizer: patch layout, k-means codebook, round trip and clear errors."""

import numpy as np
import pytest

from course_lib.generate.image_tokens import (Tokenizer, fit_tokenizer, from_patches, to_patches,
                                              tokens_per_image)


def images(n=60, seed=0):
    """Blocky random images: a few bright 4x4 squares on black, like strokes."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28), np.uint8)
    for image in x:
        for row, col in rng.integers(0, 7, (6, 2)):
            image[4 * row:4 * row + 4, 4 * col:4 * col + 4] = rng.integers(100, 256)
    return x


@pytest.mark.parametrize("height, width, patch, tokens", [
    (256, 256, 16, 256), (256, 256, 8, 1024), (512, 512, 16, 1024), (256, 512, 16, 512),
    (28, 28, 4, 49), (28, 28, 2, 196), (28, 28, 1, 784)])
def test_tokens_per_image(height, width, patch, tokens):
    assert tokens_per_image(height, width, patch) == tokens


@pytest.mark.parametrize("args, error, message", [
    ((256, 256, 7), ValueError, "patch: expected a divisor"),
    ((0, 256, 16), ValueError, "height: expected an integer >= 1"),
    ((256, 256, 2.0), TypeError, "patch: expected an integer"),
    ((256, True, 16), TypeError, "width")])
def test_tokens_per_image_refuses_bad_sizes(args, error, message):
    with pytest.raises(error, match=message):
        tokens_per_image(*args)


def test_token_counts_shrink_with_the_patch():
    assert [tokens_per_image(28, 28, p) for p in (1, 2, 4)] == [784, 196, 49]
    with pytest.raises(ValueError, match="patch"):
        tokens_per_image(28, 28, 3)


@pytest.mark.parametrize("patch", [1, 2, 4, 7])
def test_patches_round_trip_exactly(patch):
    x = images(5)
    patches = to_patches(x, patch)
    assert patches.shape == (5, tokens_per_image(28, 28, patch), patch * patch)
    np.testing.assert_array_equal(from_patches(patches, patch), x / np.float32(255))


def test_first_patch_is_the_top_left_square():
    x = np.arange(28 * 28, dtype=np.float32).reshape(1, 28, 28) / 784
    np.testing.assert_array_equal(to_patches(x, 4)[0, 0], x[0, :4, :4].ravel())
    np.testing.assert_array_equal(to_patches(x, 4)[0, 1], x[0, :4, 4:8].ravel())


def test_codebook_round_trip_is_exact_for_codebook_images():
    tokenizer = fit_tokenizer(images(), patch=4, codes=16, iterations=5, seed=1)
    tokens = np.random.default_rng(0).integers(0, 16, (3, 49))
    np.testing.assert_array_equal(tokenizer.encode(tokenizer.decode(tokens)), tokens)


def test_fit_is_seeded_and_lowers_the_error():
    x = images()
    a = fit_tokenizer(x, codes=8, iterations=1, seed=3)
    b = fit_tokenizer(x, codes=8, iterations=1, seed=3)
    np.testing.assert_array_equal(a.codebook, b.codebook)
    better = fit_tokenizer(x, codes=32, iterations=10, seed=3)
    assert better.reconstruction_error(x) < a.reconstruction_error(x)
    assert better.encode(x).dtype == np.int32 and better.encode(x).shape == (60, 49)


def test_decode_names_bad_tokens():
    tokenizer = Tokenizer(np.zeros((4, 16), np.float32), 4)
    with pytest.raises(ValueError, match="tokens: expected shape"):
        tokenizer.decode(np.zeros((2, 48), int))
    with pytest.raises(ValueError, match=r"tokens: expected ids in 0..3"):
        tokenizer.decode(np.full((2, 49), 4))
    with pytest.raises(ValueError, match="images"):
        tokenizer.encode(np.zeros((2, 27, 28)))
