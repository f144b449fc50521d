"""course_lib.checks: one convention for every argument check in the course.

A wrong type raises TypeError, a wrong value ValueError, and the message starts with the
argument's name, says what was expected and what came instead."""

import math

import numpy as np
import pytest

from course_lib import checks
from course_lib.checks import (MemoryNeedError, check_array, check_bool, check_callable,
                               check_choice, check_fits_in_memory, check_fraction, check_int,
                               check_number, check_real, check_seed, format_bytes)


@pytest.mark.parametrize("value, kwargs, expected", [
    (3, {}, 3), (np.int64(5), {"minimum": 1}, 5), (0, {"minimum": 0, "maximum": 0}, 0)])
def test_integers_in_range_come_back_as_int(value, kwargs, expected):
    result = check_int("n", value, **kwargs)
    assert result == expected and type(result) is int


@pytest.mark.parametrize("value, kwargs, error, message", [
    (2.0, {}, TypeError, "n: expected an integer, got 2.0 (float)"),
    (True, {"minimum": 0}, TypeError, "n: expected an integer >= 0, got True (bool)"),
    ("3", {}, TypeError, "n: expected an integer, got '3' (str)"),
    (0, {"minimum": 1}, ValueError, "n: expected an integer >= 1, got 0"),
    (11, {"minimum": 1, "maximum": 10}, ValueError, "n: expected an integer in 1..10, got 11"),
    (11, {"maximum": 10}, ValueError, "n: expected an integer <= 10, got 11")])
def test_check_int_refuses_wrong_types_and_values(value, kwargs, error, message):
    with pytest.raises(error, match=f"^{message}$".replace("(", r"\(").replace(")", r"\)")):
        check_int("n", value, **kwargs)


@pytest.mark.parametrize("value, kwargs, error", [
    ("1", {}, TypeError), (None, {}, TypeError), (False, {}, TypeError),
    (-0.1, {}, ValueError), (math.nan, {}, ValueError), (math.inf, {}, ValueError),
    (0, {"positive": True}, ValueError), (2.5, {"maximum": 2}, ValueError),
    (1.0, {"below": 1.0}, ValueError)])
def test_check_number_refuses_wrong_types_and_values(value, kwargs, error):
    with pytest.raises(error, match="^t: expected a"):
        check_number("t", value, **kwargs)


def test_check_number_and_fraction_accept_what_they_promise():
    assert check_number("t", np.float32(0.5), positive=True) == 0.5
    assert check_number("t", 2, maximum=2) == 2.0 and isinstance(check_number("t", 2), float)
    assert check_fraction("share", 0.0) == 0.0 and check_fraction("share", 1, include_one=True) == 1
    with pytest.raises(ValueError, match="^share: .* < 1.0, got 1"):
        check_fraction("share", 1)


def test_seeds_are_what_the_stateless_generators_take():
    assert check_seed(0) == 0 and check_seed(2**31 - 1) == 2**31 - 1
    with pytest.raises(ValueError, match=r"^seed: expected an integer in 0\.\.2147483647"):
        check_seed(2**31)
    with pytest.raises(TypeError, match="^rng_seed: "):
        check_seed("0", name="rng_seed")


def test_choice_callable_and_bool():
    assert check_choice("kind", "int8", ("int8", "float16")) == "int8"
    with pytest.raises(ValueError, match="^kind: expected one of 'int8', 'float16', got 'x'"):
        check_choice("kind", "x", ("int8", "float16"))
    with pytest.raises(ValueError, match="^kind: "):
        check_choice("kind", ["unhashable"], {"a": 1})
    assert check_callable("fn", len) is len
    with pytest.raises(TypeError, match="^fn: expected a zero-argument callable, got int"):
        check_callable("fn", 3, "a zero-argument callable")
    assert check_bool("flag", False) is False
    with pytest.raises(TypeError, match="^flag: expected True or False, got 1"):
        check_bool("flag", 1)


@pytest.mark.parametrize("value", [-30, 0, 2.5, np.float32(-1.5), np.int64(7)])
def test_finite_numbers_of_either_sign_come_back_as_floats(value):
    result = check_real("rotation", value)
    assert isinstance(result, float) and result == float(value)


@pytest.mark.parametrize("value, error", [
    ("left", TypeError), (None, TypeError), (True, TypeError), ([1.0], TypeError),
    (math.nan, ValueError), (-math.inf, ValueError), (np.float64("inf"), ValueError)])
def test_check_real_refuses_anything_else_naming_the_argument(value, error):
    with pytest.raises(error, match="^rotation: expected a finite number, got "):
        check_real("rotation", value)


def test_arrays_by_type_dimensions_dtype_emptiness_and_finiteness():
    images = np.zeros((2, 28, 28), np.float32)
    assert check_array("images", images, ndim=(3, 4), dtypes=[np.float32], finite=True) is images
    cases = [([1, 2], {}, TypeError, "images: expected a NumPy array, got list"),
             (images, {"ndim": 2}, ValueError, "images: expected 2 dimensions, got float32 array"),
             (images, {"dtypes": [np.uint8]}, ValueError, "images: expected dtype uint8"),
             (images[:0], {"nonempty": True}, ValueError, "images: expected at least one"),
             (np.array([0.5, np.nan, np.inf], np.float32), {"finite": True}, ValueError,
              "images: expected finite values, got 2 NaN or infinite values")]
    for value, kwargs, error, message in cases:
        with pytest.raises(error, match=f"^{message}"):
            check_array("images", value, **kwargs)
    assert check_array("ids", np.array([1, 2]), finite=True).shape == (2,)  # ints are finite


def test_memory_check_names_the_argument_and_the_sizes_before_allocating(monkeypatch):
    with pytest.raises(MemoryNeedError, match="^batch: 3 images would need 2 GB of memory, "
                                              "but only 1 GB is available here; make batch"):
        check_fits_in_memory("batch", 2e9, "3 images", available=10**9)
    check_fits_in_memory("batch", 7e8, "3 images", available=10**9)  # within the headroom
    assert isinstance(MemoryNeedError("x"), ValueError)

    def refuse():
        raise AssertionError("must not ask the system for a small size")

    monkeypatch.setattr(checks, "available_memory", refuse)
    check_fits_in_memory("canvas", 1000, "a tiny drawing", skip_below=checks.ALWAYS_FITS_BYTES)
    with pytest.raises(AssertionError):
        check_fits_in_memory("canvas", 1000, "a tiny drawing")


@pytest.mark.parametrize("nbytes, text", [(512, "512 B"), (3.2e6, "3.2 MB"), (1.5e9, "1.5 GB"),
                                          (2e12, "2 TB")])
def test_bytes_are_shown_in_a_readable_unit(nbytes, text):
    assert format_bytes(nbytes) == text
