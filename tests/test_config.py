import numpy as np
import pytest

from course_lib import config


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("0", False),
                                             ("", False), ("off", False)])
def test_quick_mode_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_QUICK", value)
    assert config.quick_mode() is expected
    assert config.pick(quick="q", full="f") == ("q" if expected else "f")


def test_unclear_quick_mode_value_is_an_error(monkeypatch):
    monkeypatch.setenv("COURSE_QUICK", "maybe")
    with pytest.raises(ValueError, match="COURSE_QUICK"):
        config.quick_mode()


def test_set_seed_makes_numpy_repeatable():
    config.set_seed(7)
    first = np.random.rand(3)
    config.set_seed(7)
    assert np.array_equal(first, np.random.rand(3))


@pytest.mark.parametrize("seed, error", [("7", TypeError), (True, TypeError), (1.0, TypeError),
                                         (-1, ValueError), (2**32, ValueError)])
def test_set_seed_names_a_bad_seed(seed, error):
    with pytest.raises(error, match="seed: expected an integer"):
        config.set_seed(seed)
