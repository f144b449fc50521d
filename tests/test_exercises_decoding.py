"""Notebook 06's checkers pass the reference solutions, fail each plausible wrong answer with a
sentence that names the mistake, and report a stub as not written yet."""

import numpy as np
import pytest

from course_lib.checks import check_distribution
from course_lib.exercises import decoding as ex
from course_lib.exercises import show_solution, solution, solution_names
from course_lib.measure.machine import MachineLimits

NAMES = ("acceptance_probability", "residual", "predict_ms_per_token",
         "expected_tokens_per_round", "best_k")


def failures(report) -> dict[str, str]:
    assert not report.passed
    return {case.name: case.message for case in report.failures}


def stub(*args, **kwargs):
    raise NotImplementedError("write it")


def with_references(check, *names):
    """``check`` run on the learner's functions given (in order or by name), and the reference
    solution for each function not given."""
    def run(*learners, **by_name):
        by_name.update(zip(names, learners))
        return check(*(by_name.get(name) or solution(name) for name in names))
    return run


def test_the_solutions_are_registered_and_shown_only_on_request():
    assert set(NAMES) <= set(solution_names())
    assert "min(1.0, p[token] / q[token])" in show_solution("acceptance_probability").code


# ---- Exercise 1 ------------------------------------------------------------------------------

accept_reject = with_references(ex.check_accept_reject, "acceptance_probability", "residual")


def test_the_reference_rule_passes_and_its_output_is_the_target():
    report = accept_reject()
    assert report.passed, str(report)
    assert sum(case.name.startswith("output distribution == p") for case in report.cases) == 5


def test_the_output_distribution_worked_by_hand():
    p, q = np.array([0.2, 0.8]), np.array([0.5, 0.5])
    # kept: 0.5 x 0.4 of token 0 and 0.5 x 1 of token 1; the rejected 0.3 goes to token 1
    out = ex.output_distribution(solution("acceptance_probability"), solution("residual"), p, q)
    np.testing.assert_allclose(out, [0.2, 0.8])
    wrong = ex.output_distribution(solution("acceptance_probability"), lambda p, q: p, p, q)
    np.testing.assert_allclose(wrong, [0.2 + 0.3 * 0.2, 0.5 + 0.3 * 0.8])


def test_drawing_from_p_after_a_rejection_is_caught_by_the_distribution():
    found = failures(accept_reject(residual=lambda p, q: p))
    assert "that is p itself" in found["p = [0.2, 0.8], q = [0.5, 0.5]"]
    differs = [message for name, message in found.items() if name.startswith("output")]
    assert differs and all("not p;" in message and "the target gives it" in message
                           for message in differs)


def test_an_unclipped_ratio_is_not_a_probability_and_changes_the_output():
    found = failures(accept_reject(lambda p, q, token: p[token] / q[token]))
    assert "cannot exceed 1" in found["p > q: the draft under-proposes token 1, so it is "
                                      "always kept"]
    # it only shows where p has mass the draft never proposes: then the kept mass exceeds p
    assert "not p;" in found["output distribution == p: q has zeros where p has mass (the "
                               "draft never proposes some tokens)"]


def test_swapped_ratio_and_unclipped_residual_are_named():
    def swapped(p, q, token):
        return min(1.0, q[token] / p[token]) if p[token] > 0 else 0.0

    assert "which is q/p" in failures(accept_reject(swapped))[
        "p < q: token 0 is kept with probability 0.2 / 0.5"]

    def no_clip(p, q):
        with np.errstate(invalid="ignore"):  # p == q: 0 / 0
            return (p - q) / np.abs(p - q).sum()

    assert "negative entries" in failures(accept_reject(residual=no_clip))[
        "p = [0.2, 0.8], q = [0.5, 0.5]"]


def test_a_residual_that_divides_zero_by_zero_fails_only_the_stated_convention():
    def no_guard(p, q):
        leftover = np.maximum(p - q, 0)
        with np.errstate(invalid="ignore"):
            return leftover / leftover.sum()

    found = failures(accept_reject(residual=no_guard))
    assert list(found) == ["p == q: nothing left over; return p (never drawn from)"]
    assert "return p" in found["p == q: nothing left over; return p (never drawn from)"]


def test_stubs_are_reported_as_not_written_yet():
    both = accept_reject(stub, stub)
    assert [case.name for case in both.cases] == ["acceptance_probability: not written yet",
                                                   "residual: not written yet"]
    assert "'write it'" in both.cases[0].message
    half = accept_reject(residual=stub)
    assert half.failures[0].name == "residual: not written yet" and len(half.failures) == 1
    assert not any(case.name.startswith("output") for case in half.cases)


def test_a_list_instead_of_a_number_is_named():
    found = failures(accept_reject(lambda p, q, token: [p[token]]))
    assert "expected one number, got list" in found["q == p: every proposal is kept"]


# ---- Exercise 2 ------------------------------------------------------------------------------

def test_the_reference_prediction_passes_and_is_the_roofline_by_hand():
    reference = solution("predict_ms_per_token")
    assert ex.check_predict_ms_per_token(reference).passed
    limits = MachineLimits(40.0, 10.0)
    report = ex.check_predict_ms_per_token(reference, limits)
    assert report.passed and sum("this machine" in case.name for case in report.cases) == 2
    # 400 MB at 12.5 GB/s = 32 ms; batch 256 does 51.2 GFLOP at 100 GFLOP/s = 512 ms
    assert reference(100e6, 4, 1, 12.5, 100.0) == pytest.approx(32.0)
    assert reference(100e6, 4, 256, 12.5, 100.0) == pytest.approx(512.0)
    with pytest.raises(TypeError, match="^limits"):
        ex.check_predict_ms_per_token(reference, {"bandwidth_gbs": 10})


@pytest.mark.parametrize("factor, words", [
    (1e-3, "that is seconds"), (1e9 / 2**30, "not 2^30 (GiB)"), (8, "no factor of 8")])
def test_unit_mistakes_are_named_at_batch_1(factor, words):
    def wrong(parameters, bytes_per_weight, batch, bandwidth_gbs, peak_gflops):
        return solution("predict_ms_per_token")(parameters, bytes_per_weight, batch,
                                                bandwidth_gbs, peak_gflops) * factor

    assert words in failures(ex.check_predict_ms_per_token(wrong))[
        "100M float32 weights, batch 1 (memory-bound)"]


def test_regime_mistakes_are_named():
    def memory_only(parameters, bytes_per_weight, batch, bandwidth_gbs, peak_gflops):
        return parameters * bytes_per_weight / bandwidth_gbs / 1e6

    found = failures(ex.check_predict_ms_per_token(memory_only))
    assert set(found) == {"batch 256 (compute-bound)", "the same at batch 1,024 (compute-bound)"}
    assert "the arithmetic takes longer" in found["batch 256 (compute-bound)"]

    def summed(parameters, bytes_per_weight, batch, bandwidth_gbs, peak_gflops):
        return (parameters * bytes_per_weight / bandwidth_gbs + 2 * parameters * batch
                / peak_gflops) / 1e6

    assert "sum of the two limits" in failures(ex.check_predict_ms_per_token(summed))[
        "batch 256 (compute-bound)"]

    def read_per_row(parameters, bytes_per_weight, batch, bandwidth_gbs, peak_gflops):
        return max(batch * parameters * bytes_per_weight / bandwidth_gbs,
                   2 * parameters * batch / peak_gflops) / 1e6

    assert "shared by the whole batch" in failures(ex.check_predict_ms_per_token(
        read_per_row))["batch 4: the rows share each weight read"]


def test_a_stub_prediction_is_not_written_yet():
    report = ex.check_predict_ms_per_token(stub)
    assert [case.name for case in report.cases] == ["predict_ms_per_token: not written yet"]


# ---- Exercise 3 ------------------------------------------------------------------------------

best_k_report = with_references(ex.check_best_k, "expected_tokens_per_round", "best_k")


def test_the_reference_choices_pass_and_are_tabled():
    report = best_k_report()
    assert report.passed, str(report)
    table = report.details["choices"]
    assert list(table["your k"]) == list(table["best k"])
    assert table.loc[0, "best k"] == 1 and table.loc[2, "best k"] == 16  # alpha 0; 0.95, cheap
    assert table.loc[3, "best k"] == 4 and table.loc[4, "best k"] == 2  # capped; costly draft
    # tokens per round: 1 + 0.5 = 1.5 at k = 1; k + 1 when every proposal is kept
    assert solution("expected_tokens_per_round")(0.5, 1) == pytest.approx(1.5)
    assert solution("expected_tokens_per_round")(1.0, 5) == 6.0


def test_token_count_mistakes_are_named():
    def one_short(alpha, k):
        return k if alpha == 1 else (1 - alpha ** k) / (1 - alpha)

    assert "one term short" in failures(best_k_report(one_short))["alpha = 0.5, k = 1"]
    linear = failures(best_k_report(lambda alpha, k: 1 + k * alpha))
    assert "thrown away" in linear["alpha = 0.64, k = 4"]

    def no_limit(alpha, k):
        return (1 - alpha ** (k + 1)) / (1 - alpha)

    found = failures(best_k_report(no_limit))
    assert list(found) == ["alpha = 1.0, k = 5"] and "ZeroDivisionError" in found[
        "alpha = 1.0, k = 5"]


def test_choice_mistakes_are_named_and_tabled():
    def ignores_cost(alpha, draft_cost, max_k=16):
        return max_k

    report = best_k_report(best_k=ignores_cost)
    found = failures(report)
    assert "ignoring what k drafts cost" in found[
        "alpha = 0.8 and an expensive draft (half a target pass)"]
    assert report.details["choices"].loc[4, "your k"] == 16

    def free_target(alpha, draft_cost, max_k=16):
        def value(k):
            return solution("expected_tokens_per_round")(alpha, k) / (k * draft_cost)
        return max(range(1, max_k + 1), key=value)

    assert "includes the target's own pass" in failures(best_k_report(best_k=free_target))[
        "alpha = 0.95 and a cheap draft (1/100 of a target pass)"]
    assert "integer k in 1..16" in failures(best_k_report(best_k=lambda alpha, draft_cost,
                                                          max_k: 0))[
        "a draft as costly as the target (speculation cannot pay)"]


def test_stubs_of_exercise_3_are_not_written_yet():
    report = best_k_report(stub, stub)
    assert [case.name for case in report.cases] == ["expected_tokens_per_round: not written yet",
                                                     "best_k: not written yet"]
    assert report.details["choices"]["your k"].isna().all()


# ---- the reference solutions refuse bad arguments, naming them ---------------------------------

@pytest.mark.parametrize("name, kwargs, error, argument", [
    ("acceptance_probability", dict(p=np.array([0.5, 0.6]), q=np.array([0.5, 0.5]), token=0),
     ValueError, "p"),
    ("acceptance_probability", dict(p=[0.5, 0.5], q=np.array([0.5, 0.5]), token=0),
     TypeError, "p"),
    ("acceptance_probability", dict(p=np.array([0.5, 0.5]), q=np.array([1.0, 0.0]), token=1),
     ValueError, "token"),
    ("acceptance_probability", dict(p=np.array([0.5, 0.5]), q=np.array([0.5, 0.5]), token=2),
     ValueError, "token"),
    ("residual", dict(p=np.array([1.0]), q=np.array([0.5, 0.5])), ValueError, "q"),
    ("residual", dict(p=np.array([1.5, -0.5]), q=np.array([0.5, 0.5])), ValueError, "p"),
    ("predict_ms_per_token", dict(parameters=1e6, bytes_per_weight=4, batch=0,
                                  bandwidth_gbs=10, peak_gflops=10), ValueError, "batch"),
    ("predict_ms_per_token", dict(parameters=1e6, bytes_per_weight=4, batch=1,
                                  bandwidth_gbs=-1, peak_gflops=10), ValueError, "bandwidth_gbs"),
    ("expected_tokens_per_round", dict(alpha=1.5, k=2), ValueError, "alpha"),
    ("expected_tokens_per_round", dict(alpha=0.5, k=-1), ValueError, "k"),
    ("best_k", dict(alpha=0.5, draft_cost=0.1, max_k=0), ValueError, "max_k"),
    ("best_k", dict(alpha=0.5, draft_cost=-0.1), ValueError, "draft_cost"),
])
def test_reference_solutions_name_a_bad_argument(name, kwargs, error, argument):
    with pytest.raises(error, match=f"^{argument}:"):
        solution(name)(**kwargs)


def test_check_distribution_takes_probability_vectors_only():
    assert check_distribution("p", np.array([0.25, 0.75], np.float32)).dtype == np.float64
    for bad, error in [(np.array([0.5, 0.6]), ValueError), (np.array([[1.0]]), ValueError),
                       (np.array([np.nan, 1.0]), ValueError), ([0.5, 0.5], TypeError),
                       (np.array([1.2, -0.2]), ValueError)]:
        with pytest.raises(error, match="^p:"):
            check_distribution("p", bad)
