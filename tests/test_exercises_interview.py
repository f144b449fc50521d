"""Notebook 01's checkers: the references pass, and each common mistake fails with its name."""

import pytest

from course_lib.exercises import show_solution, solution
from course_lib.exercises.interview import (check_decoding_floor, check_image_estimates,
                                            expected_estimates)
from course_lib.interview.decode_demo import decoding_floor


def test_the_references_pass_and_are_shown_on_request():
    assert check_decoding_floor(solution("decoding_floor")).passed
    assert check_image_estimates(solution("image_estimates"), 12.5).passed
    assert "def decoding_floor" in str(show_solution("decoding_floor"))
    assert "576" in str(show_solution("image_estimates"))


def test_the_floor_is_the_weight_bytes_over_the_read_bandwidth():
    per_token, per_image = decoding_floor(7e9, 16, 3_350, 576)
    assert per_token == pytest.approx(14e9 / 3.35e12)  # 14 GB per token at 3.35 TB/s: ~4.2 ms
    assert per_image == pytest.approx(576 * per_token)  # ~2.4 s, the bank's number
    assert expected_estimates(3_350)["H100, 4-bit"] == pytest.approx(per_image / 4)
    with pytest.raises(ValueError, match="read_gbs"):
        decoding_floor(7e9, 16, 0, 576)


@pytest.mark.parametrize("wrong, hint", [
    (lambda parameters, bits_per_weight, read_gbs, tokens:
     (parameters * bits_per_weight / (read_gbs * 1e9),) * 2, "bits taken for bytes"),
    (lambda parameters, bits_per_weight, read_gbs, tokens:
     (parameters * bits_per_weight / 8 / (read_gbs * 1e9),) * 2, "once per token"),
    (lambda parameters, bits_per_weight, read_gbs, tokens:
     tuple(x * tokens ** i for i, x in enumerate([parameters * bits_per_weight / 8 / (read_gbs * 2**30)] * 2)),
     "not 2^30"),
    (lambda parameters, bits_per_weight, read_gbs, tokens:
     tuple(1e3 * x * tokens ** i for i, x in enumerate([parameters * bits_per_weight / 8 / (read_gbs * 1e9)] * 2)),
     "milliseconds"),
    (lambda parameters, bits_per_weight, read_gbs, tokens:
     decoding_floor(parameters, bits_per_weight, read_gbs, tokens)[::-1], "swapped"),
    (lambda parameters, bits_per_weight, read_gbs, tokens: 0.1, "expected a pair"),
])
def test_common_floor_mistakes_fail_with_their_name(wrong, hint):
    report = check_decoding_floor(wrong)
    assert not report.passed
    assert all(hint in case.message for case in report.failures), str(report)


def test_estimates_typed_in_or_miscounted_fail():
    right = solution("image_estimates")
    typed_in = right(12.5)
    report = check_image_estimates(lambda read_gbs: typed_in, 12.5)
    assert not report.passed and report.cases[0].passed, "numbers typed in fail on other machines"
    pixels = check_image_estimates(
        lambda read_gbs: {key: value * 9216 / 576 for key, value in right(read_gbs).items()}, 12.5)
    assert not pixels.passed and "576 tokens" in pixels.failures[0].message
    bits = check_image_estimates(
        lambda read_gbs: {key: value * 8 for key, value in right(read_gbs).items()}, 12.5)
    assert "bits taken for bytes" in bits.failures[0].message
    missing = check_image_estimates(lambda read_gbs: {"H100, bf16": 2.4}, 12.5)
    assert "expected a dict with the keys" in missing.failures[0].message


def test_a_stub_fails_without_crashing():
    def stub(*args, **kwargs):
        raise NotImplementedError("not yet")

    for report in (check_decoding_floor(stub), check_image_estimates(stub, 12.5)):
        assert not report.passed and "NotImplementedError" in report.failures[0].message
    with pytest.raises(ValueError, match="read_gbs"):
        check_image_estimates(stub, -1.0)
