"""The synthetic data set: seeded, labelled by the shapes drawn, each wholly on its canvas."""

import numpy as np
import pytest

from course_lib import checks
from course_lib.checks import MemoryNeedError
from course_lib.shapes import draw
from course_lib.shapes.draw import coverage
from course_lib.shapes.synthetic import random_shapes


def test_random_shapes_is_seeded_labelled_and_fits_the_canvas():
    batch = random_shapes(60, canvas=(48, 40), seed=3)
    assert batch.images.shape == (60, 40, 48) and batch.images.dtype == np.uint8
    assert np.array_equal(batch.images, random_shapes(60, canvas=(48, 40), seed=3).images)
    assert not np.array_equal(batch.images, random_shapes(60, canvas=(48, 40), seed=4).images)
    assert set(batch.frame()["kind"]) == set(draw.KINDS)
    for i in range(len(batch)):
        shape = batch.shape_at(i)
        shape.check_fits((48, 40))
        expected = np.rint(coverage(shape, (48, 40)) * 255)
        assert np.array_equal(batch.images[i], expected)  # the labels describe the image


def test_random_shapes_respects_kinds_and_supersampling():
    batch = random_shapes(10, kinds=("circle",), supersample=4)
    assert set(batch.frame()["kind"]) == {"circle"}
    assert ((batch.images > 0) & (batch.images < 255)).any()


@pytest.mark.parametrize("kwargs,error,message", [
    ({"n": 0}, ValueError, "n: expected an integer >= 1, got 0"),
    ({"n": 2.5}, TypeError, "n: expected an integer >= 1"),
    ({"n": 3, "kinds": ()}, ValueError, "kinds: need at least one"),
    ({"n": 3, "kinds": ("circle", "star")}, ValueError, "kinds: expected one of .* got 'star'"),
    ({"n": 3, "canvas": (64, 0)}, ValueError, "canvas:"),
    ({"n": 3, "seed": "0"}, TypeError, "seed: expected an integer"),
    ({"n": 3, "seed": -1}, ValueError, "seed: expected an integer in 0.."),
    ({"n": 3, "supersample": 0}, ValueError, "supersample: expected an integer >= 1"),
])
def test_random_shapes_rejects_bad_input(kwargs, error, message):
    with pytest.raises(error, match=f"^{message}"):
        random_shapes(**kwargs)


def test_a_data_set_too_big_for_memory_is_refused_before_drawing(monkeypatch):
    monkeypatch.setattr(checks, "available_memory", lambda: 10**9)  # pretend 1 GB is free
    with pytest.raises(MemoryNeedError, match=r"^n: 1,000,000 labelled images of 64x64 pixels "
                                              r"would need 4.15 GB of memory"):
        random_shapes(10**6)
