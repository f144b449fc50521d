"""Label smoothing's tail: the arithmetic notebook 05 uses to explain why the GPT has none."""

import numpy as np
import pytest

from course_lib.generate import smoothing


def test_the_tail_is_what_keras_smoothing_puts_on_the_wrong_tokens():
    epsilon, codes = 0.1, 512
    target = (1 - epsilon) * np.eye(codes)[7] + epsilon / codes  # Keras's smoothed target
    wrong = np.delete(target, 7).sum()
    assert smoothing.tail_of_smoothed_target(epsilon, codes) == pytest.approx(wrong)
    assert smoothing.tail_of_smoothed_target(0.0, codes) == 0.0


def test_chance_of_a_tail_token_grows_with_the_tokens():
    assert smoothing.chance_of_any_tail_token(0.1, 1) == pytest.approx(0.1)
    assert smoothing.chance_of_any_tail_token(0.1, 2) == pytest.approx(1 - 0.9 ** 2)
    assert smoothing.chance_of_any_tail_token(0.0, 49) == 0.0
    chances = [smoothing.chance_of_any_tail_token(0.05, n) for n in (1, 7, 49, 196)]
    assert chances == sorted(chances) and chances[-1] < 1


def test_mass_outside_top_k():
    logits = np.log(np.array([[0.5, 0.3, 0.15, 0.05], [0.25, 0.25, 0.25, 0.25]]))
    np.testing.assert_allclose(smoothing.mass_outside_top_k(logits, 2), [0.2, 0.5])
    np.testing.assert_allclose(smoothing.mass_outside_top_k(logits, 4), [0.0, 0.0], atol=1e-12)
    sharper = smoothing.mass_outside_top_k(logits, 2, temperature=0.5)
    assert sharper[0] < 0.2 and sharper[1] == pytest.approx(0.5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="epsilon"):
        smoothing.tail_of_smoothed_target(1.5, 512)
    with pytest.raises(TypeError, match="codes"):
        smoothing.tail_of_smoothed_target(0.1, 512.0)
    with pytest.raises(ValueError, match="tokens"):
        smoothing.chance_of_any_tail_token(0.1, 0)
    with pytest.raises(ValueError, match="k"):
        smoothing.mass_outside_top_k(np.zeros((2, 4)), 5)
    with pytest.raises(TypeError, match="logits"):
        smoothing.mass_outside_top_k([[0.0, 1.0]], 1)
