"""The capstone checker measures a plan live and judges its digits: the reference plan passes,
a slow plan fails on latency, a poor generator fails on quality, a typed prediction is caught,
and a bad field is named."""

import dataclasses
import math

import pytest

from course_lib.exercises import capstone, solution
from course_lib.exercises.capstone import CHALLENGE, Plan
from course_lib.measure.budgets import BUDGETS_BY_KEY
from course_lib.measure.machine import MachineLimits

LIMITS = MachineLimits(20.0, 5.0)  # GFLOP/s and GB/s: fixed, so predictions are exact here


@pytest.fixture(scope="module")
def found():
    return capstone.load_contenders()


@pytest.fixture(scope="module")
def classifier():
    from course_lib.mnist.model_store import load_classifier

    return load_classifier()


def computed(generator, batch, passes=None, words="a plan whose prediction is computed"):
    """A learner's plan_for that chooses ``generator`` and computes its prediction properly."""
    def plan_for(challenge, contenders, limits):
        draft = Plan(generator, batch, passes, "float32", 1.0, "")
        ms = capstone.predicted_ms(draft, challenge, contenders, limits)
        return dataclasses.replace(draft, predicted_ms=ms,
                                   justification=f"{words}: {ms:.1f} ms " + "because " * 12)
    return plan_for


def cases(report):
    return {case.name: case for case in report.cases}


def test_the_reference_plan_passes_live(found, classifier):
    report = capstone.check_plan(solution("plan_for"), found, classifier, limits=LIMITS)
    assert report.passed, str(report)
    assert report.details["quality"].images == 200  # quick mode
    timing = report.details["timing"]
    assert timing.row("gpt_cached_xla").median_s * 1e3 <= CHALLENGE.budget_ms
    assert "Measured on this machine" in cases(report)["fits the budget, measured now"].message


def test_a_plan_over_budget_fails_on_latency(found, classifier):
    # The reference plan makes its 100 digits in one call: far more than one VR frame allows.
    frame = capstone.Challenge(BUDGETS_BY_KEY["vr_90hz"], images=CHALLENGE.images)
    report = capstone.check_plan(solution("plan_for"), found, classifier, challenge=frame,
                                 limits=LIMITS, quality_images=CHALLENGE.images, repeats=3)
    by_name = cases(report)
    assert not by_name["fits the budget, measured now"].passed
    assert not by_name["predicted to fit the budget"].passed
    assert by_name["prediction computed from the limits (this machine)"].passed
    assert f"against {frame.budget_ms:g} ms" in by_name["fits the budget, measured now"].message


def test_plans_under_the_floors_fail_on_quality(found, classifier):
    one_pass = cases(capstone.check_plan(computed("maskgit", 100, passes=1), found, classifier,
                                         limits=LIMITS, repeats=2))
    assert not one_pass["classifier agreement >= 95%"].passed  # 76.5% on its card
    cvae = cases(capstone.check_plan(computed("cvae", 100), found, classifier, limits=LIMITS,
                                     repeats=2))
    assert cvae["fits the budget, measured now"].passed  # fast, but its digits vary too little
    assert not cvae["diversity >= 90% of real digits'"].passed


def test_a_typed_prediction_fails(found, classifier):
    right_here = capstone.predicted_ms(Plan("cvae", 100, None, "float32", 1.0, ""),
                                       CHALLENGE, found, LIMITS)

    def typed(challenge, contenders, limits):
        return Plan("cvae", 100, None, "float32", right_here,
                    f"I looked it up once: {right_here} ms, " + "surely " * 15)

    by_name = cases(capstone.check_plan(typed, found, classifier, limits=LIMITS,
                                        quality_images=100, repeats=2))
    assert by_name["prediction computed from the limits (this machine)"].passed
    slower = by_name["prediction computed from the limits (a machine 10x slower)"]
    assert not slower.passed and "compute it from `limits`" in slower.message
    assert not by_name["justification quotes the prediction (a machine 10x slower)"].passed


def test_the_prediction_is_the_roofline_of_the_plan(found):
    gpt, cvae = found["gpt_cached_xla"], found["cvae"]
    plan = Plan("gpt_cached_xla", 30, None, "float32", 1.0, "")  # 4 calls for 100 digits
    compute_s = 30 * 49 * gpt.flops_per_pass / 20e9
    memory_s = 49 * gpt.weights * 4 / 5e9
    assert capstone.calls(plan, CHALLENGE) == 4
    assert capstone.predicted_ms(plan, CHALLENGE, found, LIMITS) == pytest.approx(
        4 * max(compute_s, memory_s) * 1e3)
    assert capstone.predicted_ms(Plan("cvae", 100, None, "float32", 1.0, ""), CHALLENGE, found,
                                 LIMITS) == pytest.approx(
        max(100 * cvae.flops_per_pass / 20e9, cvae.weights * 4 / 5e9) * 1e3)
    maskgit = Plan("maskgit", 100, 8, "float32", 1.0, "")
    assert capstone.predicted_ms(maskgit, CHALLENGE, found, LIMITS) == pytest.approx(
        8 * capstone.predicted_ms(dataclasses.replace(maskgit, passes=1), CHALLENGE, found,
                                  LIMITS))
    assert gpt.passes == 49 and cvae.passes == 1 and found["maskgit"].passes is None
    assert cvae.weights < gpt.weights  # the decoder only: sampling never runs the encoder


def test_the_cards_say_which_generators_can_meet_the_floors():
    table = capstone.card_quality()
    assert table["meets both floors"].to_dict() == {
        "GPT (cached or not: the same tokens)": True, "cVAE": False, "MaskGIT, 1 pass": False,
        **{f"MaskGIT, {n} passes": False for n in (2, 4, 8, 12, 16)}}
    assert table.loc["cVAE", "agreement"] >= 0.95  # the cVAE misses on variety, not agreement
    assert table.loc["MaskGIT, 4 passes", "agreement"] < 0.95


@pytest.mark.parametrize("fields, error, field", [
    (dict(generator="dalle"), ValueError, "generator"),
    (dict(generator=3), TypeError, "generator"),
    (dict(batch=0), ValueError, "batch"),
    (dict(batch=2.5), TypeError, "batch"),
    (dict(passes=4), ValueError, "passes"),
    (dict(generator="maskgit", passes=None), TypeError, "passes"),
    (dict(generator="maskgit", passes=50), ValueError, "passes"),
    (dict(precision="int8"), ValueError, "precision"),
    (dict(predicted_ms=0), ValueError, "predicted_ms"),
    (dict(predicted_ms=math.nan), ValueError, "predicted_ms"),
    (dict(justification=None), TypeError, "justification"),
])
def test_bad_fields_raise_naming_the_field(fields, error, field):
    good = dict(generator="gpt_cached_xla", batch=10, passes=None, precision="float32",
                predicted_ms=30.0, justification="why")
    with pytest.raises(error, match=f"^{field}"):
        Plan(**{**good, **fields})


def test_only_float32_is_offered_and_the_error_says_why():
    assert list(capstone.PRECISIONS) == ["float32"]
    with pytest.raises(ValueError, match="only 'float32' exists"):
        Plan("cvae", 10, None, "bfloat16", 1.0, "")


def test_a_plan_that_raises_or_is_not_a_plan_is_reported(found, classifier):
    def raises(challenge, contenders, limits):
        return Plan("cvae", 0, None, "float32", 1.0, "")

    report = capstone.check_plan(raises, found, classifier, limits=LIMITS)
    assert not report.passed and "batch: expected an integer >= 1" in str(report)
    report = capstone.check_plan(lambda challenge, contenders, limits: {"generator": "cvae"},
                                 found, classifier, limits=LIMITS)
    assert not report.passed and "expected a capstone.Plan, got dict" in str(report)


def test_bad_checker_arguments_name_themselves(found, classifier):
    with pytest.raises(TypeError, match="plan_for"):
        capstone.check_plan("gpt", found, classifier, limits=LIMITS)
    with pytest.raises(ValueError, match="quality_images"):
        capstone.check_plan(solution("plan_for"), found, classifier, limits=LIMITS,
                            quality_images=5)
