import numpy as np
import pytest

from course_lib.shapes import pixels


@pytest.fixture
def images():
    return np.random.default_rng(0).integers(0, 256, size=(3, 28, 28), dtype=np.uint8)


@pytest.mark.parametrize("gain, bias", [(1.5, 0.0), (0.5, 20.0), (3.0, -40.0)])
def test_all_versions_give_the_same_pixels(images, gain, bias):
    reference = pixels.stretch_python(images, gain, bias)
    assert np.array_equal(pixels.stretch_numpy(images, gain, bias), reference)
    assert np.array_equal(pixels.stretch_tensorflow(images, gain, bias).numpy(), reference)


def test_stretch_clips_and_keeps_the_midpoint():
    out = pixels.stretch_numpy(np.array([[0, 128, 255]], dtype=np.uint8), gain=2.0)
    assert out.tolist() == [[0, 128, 255]]


@pytest.mark.parametrize("bad", [np.zeros((4, 4), np.float32), np.uint8(5), [[1, 2]]])
def test_bad_images_are_named(bad):
    with pytest.raises(ValueError, match="images: expected a uint8 array of pixels"):
        pixels.stretch_numpy(bad)
