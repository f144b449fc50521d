"""Notebook 05's checkers pass the reference solutions and fail wrong answers in plain words."""

import keras
import numpy as np

from course_lib.exercises import generation as ex
from course_lib.exercises import solution


def failures(report) -> str:
    assert not report.passed
    return " | ".join(f"{case.name}: {case.message}" for case in report.failures)


def test_kv_cache_update_passes_the_reference():
    report = ex.check_kv_cache_update(solution("kv_cache_update"))
    assert report.passed, str(report)
    assert any("recompute" in case.name for case in report.cases)  # whole-decode check ran


def test_kv_cache_update_off_by_one_slot_fails():
    def next_slot(cache, position, new):
        return keras.ops.slice_update(cache, [0, 0, (position + 1) % 8, 0], new[:, :, None, :])

    assert "time slot 0" in failures(ex.check_kv_cache_update(next_slot))


def test_kv_cache_update_that_returns_the_cache_unchanged_fails():
    assert "differ" in failures(ex.check_kv_cache_update(lambda cache, position, new: cache))


def test_top_k_passes_the_reference():
    assert ex.check_top_k_sample(solution("top_k_sample")).passed


def test_top_k_that_ignores_k_or_temperature_fails():
    def no_cut(logits, k, temperature, gumbel):
        return np.argmax(np.asarray(logits) / temperature + gumbel, axis=1)

    def no_temperature(logits, k, temperature, gumbel):
        return solution("top_k_sample")(logits, k, 1.0, gumbel)

    assert "k=1 is greedy" in failures(ex.check_top_k_sample(no_cut))
    assert "temperature 0.5" in failures(ex.check_top_k_sample(no_temperature))


def test_generation_flops_passes_the_reference_and_fails_without_the_prefix():
    assert ex.check_generation_flops(solution("generation_flops")).passed
    reference = solution("generation_flops")

    def always_cached(width, depth, codes, length, cached):
        return reference(width, depth, codes, length, True)

    message = failures(ex.check_generation_flops(always_cached))
    assert "cached=False" in message and "cached=True" not in message


def test_remask_passes_the_reference():
    report = ex.check_remask(solution("remask"))
    assert report.passed, str(report)
    assert any("decoding" in case.name for case in report.cases)


def test_remask_that_masks_the_most_confident_fails():
    def most_confident(confidence, masked, remaining):
        confidence = np.where(masked, confidence, -np.inf)
        order = np.argsort(-confidence, axis=1, kind="stable")
        chosen = np.zeros(confidence.shape, bool)
        np.put_along_axis(chosen, order[:, :remaining], True, axis=1)
        return chosen

    assert "keep 1 masked" in failures(ex.check_remask(most_confident))
