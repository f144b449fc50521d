"""Notebook 04's checkers: they pass the reference solutions and fail typical wrong answers."""

import numpy as np

from course_lib.exercises import show_solution, solution, solution_names
from course_lib.exercises import compression as ex


def test_solutions_are_registered():
    assert {"quantize_int8", "prune_by_magnitude", "smallest_variant"} <= set(solution_names())
    assert str(show_solution("quantize_int8")).startswith("def quantize_int8(")


# --- Exercise 1: int8 by hand ---------------------------------------------------------------

def test_int8_checker_passes_the_reference():
    report = ex.check_quantize_int8(solution("quantize_int8"))
    assert report.passed, str(report)


def test_int8_checker_fails_symmetric_quantization_for_wasting_levels():
    def symmetric(x):
        scale = float(np.abs(x).max()) / 127 or 1.0
        return np.round(x / scale).astype(np.int8), scale, 0

    report = ex.check_quantize_int8(symmetric)
    assert not report.passed
    relu = next(case for case in report.cases if case.name.startswith("ReLU"))
    assert "wasting integer levels" in relu.message


def test_int8_checker_fails_truncation_instead_of_rounding():
    def truncating(x):
        q, scale, zero_point = solution("quantize_int8")(x)
        q = np.clip(np.trunc(x / scale) + zero_point, -128, 127).astype(np.int8)
        return q, scale, zero_point

    report = ex.check_quantize_int8(truncating)
    assert not report.passed and "more than scale / 2" in report.failures[0].message


def test_int8_checker_fails_a_zero_point_that_loses_exact_zeros_and_wrong_types():
    def shifted(x):
        q, scale, _ = solution("quantize_int8")(x)
        lo = min(float(x.min()), 0.0)
        return q, scale, -128 - lo / scale  # not rounded: 0.0 no longer comes back exactly

    report = ex.check_quantize_int8(shifted)
    assert not report.passed
    assert ex.check_quantize_int8(lambda x: x).cases[0].message == \
        "expected a tuple (q, scale, zero_point)"
    report = ex.check_quantize_int8(lambda x: (x.astype(np.int16), 1.0, 0))
    assert "expected an int8 array" in report.cases[0].message


# --- Exercise 2: magnitude pruning -----------------------------------------------------------

def test_prune_checker_passes_the_reference():
    report = ex.check_prune_by_magnitude(solution("prune_by_magnitude"))
    assert report.passed, str(report)


def test_prune_checker_fails_pruning_by_signed_value():
    def by_value(weights, sparsity):
        pruned = weights.copy()
        pruned.flat[np.argsort(weights, axis=None)[:round(sparsity * weights.size)]] = 0
        return pruned

    report = ex.check_prune_by_magnitude(by_value)
    assert not report.passed
    assert any("compare np.abs(weights)" in case.message for case in report.failures)


def test_prune_checker_fails_in_place_changes_and_wrong_counts():
    def in_place(weights, sparsity):
        weights.flat[np.argsort(np.abs(weights), axis=None)[:round(sparsity * weights.size)]] = 0
        return weights

    assert "changed the array it was given" in ex.check_prune_by_magnitude(in_place).cases[0].message

    def threshold_median(weights, sparsity):  # ignores sparsity: always half
        return np.where(np.abs(weights) > np.median(np.abs(weights)), weights, 0)

    report = ex.check_prune_by_magnitude(threshold_median)
    assert not report.passed and "zeros, expected round(0.8" in str(report)


# --- Exercise 3: the smallest accurate variant -----------------------------------------------

def test_smallest_variant_checker_passes_the_reference():
    report = ex.check_smallest_variant(solution("smallest_variant"))
    assert report.passed, str(report)


def test_smallest_variant_checker_fails_common_slips():
    def by_gzip(table, min_accuracy=0.99):
        good = table[table["accuracy"] >= min_accuracy]
        return None if good.empty else good.loc[good["gzip_bytes"].idxmin(), "name"]

    def strict(table, min_accuracy=0.99):
        good = table[table["accuracy"] > min_accuracy]
        return None if good.empty else good.loc[good["size_bytes"].idxmin(), "name"]

    def smallest_overall(table, min_accuracy=0.99):
        return table.loc[table["size_bytes"].idxmin(), "name"]

    for wrong in (by_gzip, strict, smallest_overall):
        assert not ex.check_smallest_variant(wrong).passed, wrong.__name__


def test_variant_tables_have_an_answer_and_traps():
    """The checked tables catch both slips: the smallest overall, and smallest once gzipped."""
    for seed, min_accuracy in ((4, 0.99), (7, 0.995)):
        table = ex.variant_table(seed)
        assert list(table.columns) == ["name", "size_bytes", "gzip_bytes", "accuracy"]
        good = table[table["accuracy"] >= min_accuracy]
        answer = solution("smallest_variant")(table, min_accuracy)
        assert answer is not None and answer != table.loc[table["size_bytes"].idxmin(), "name"]
        assert answer != good.loc[good["gzip_bytes"].idxmin(), "name"]
    assert solution("smallest_variant")(ex.variant_table(3), 0.998) is None
