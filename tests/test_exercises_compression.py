"""Notebook 04's checkers: they pass the reference solutions and fail typical wrong answers."""

import numpy as np

from course_lib.exercises import show_solution, solution, solution_names
from course_lib.exercises import compression as ex


def test_solutions_are_registered():
    assert {"quantize_int8", "prune_channels", "smallest_variant"} <= set(solution_names())
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


# --- Exercise 2: pruning whole channels ----------------------------------------------------

def _prune_ranked_by(score):
    """A channel pruner that ranks channels by ``score(columns)``: right only for the L2 norm."""
    def prune(kernel, sparsity):
        columns = kernel.reshape(-1, kernel.shape[-1])
        pruned = kernel.copy()
        pruned[..., np.argsort(score(columns))[:round(sparsity * kernel.shape[-1])]] = 0
        return pruned

    return prune


def test_channel_checker_passes_the_reference():
    report = ex.check_prune_channels(solution("prune_channels"))
    assert report.passed, str(report)


def test_channel_checker_fails_rankings_other_than_the_l2_norm():
    for score in (lambda c: np.abs(c).sum(axis=0), lambda c: np.abs(c).max(axis=0),
                  lambda c: c.sum(axis=0)):
        report = ex.check_prune_channels(_prune_ranked_by(score))
        assert not report.passed
        assert all("smaller L2 norm" in case.message for case in report.failures)
    assert ex.check_prune_channels(_prune_ranked_by(lambda c: (c ** 2).sum(axis=0))).passed


def test_channel_checker_fails_single_weights_the_wrong_axis_and_in_place_changes():
    def unstructured(kernel, sparsity):
        pruned = kernel.copy()
        pruned.flat[np.argsort(np.abs(kernel), axis=None)[:round(sparsity * kernel.size)]] = 0
        return pruned

    def input_channels(kernel, sparsity):
        pruned = kernel.copy()
        norms = np.sqrt((kernel.reshape(kernel.shape[0], -1) ** 2).sum(axis=1))
        pruned[np.argsort(norms)[:round(sparsity * kernel.shape[0])]] = 0
        return pruned

    for wrong in (unstructured, input_channels):
        report = ex.check_prune_channels(wrong)
        assert not report.passed and "whole output channels (last axis)" in str(report)

    def in_place(kernel, sparsity):
        kernel[..., :round(sparsity * kernel.shape[-1])] = 0
        return kernel

    report = ex.check_prune_channels(in_place)
    assert "changed the array it was given" in report.cases[0].message


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
