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


NUMPY_VERSIONS = [pixels.stretch_python, pixels.stretch_numpy]


@pytest.mark.parametrize("stretch", [*NUMPY_VERSIONS, pixels.stretch_tensorflow])
def test_an_array_of_the_wrong_dtype_is_named(stretch):
    with pytest.raises(ValueError, match="^images: expected dtype uint8, got float32 array"):
        stretch(np.zeros((4, 4), np.float32))


@pytest.mark.parametrize("stretch", NUMPY_VERSIONS)
@pytest.mark.parametrize("bad, got", [(np.uint8(5), "uint8"), ([[1, 2]], "list")])
def test_something_that_is_not_an_array_is_named(stretch, bad, got):
    with pytest.raises(TypeError, match=f"^images: expected a NumPy array, got {got}"):
        stretch(bad)
