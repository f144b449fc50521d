"""Notebook 04's checkers: they pass the reference solutions and fail typical wrong answers."""

import numpy as np
from compress_models import small_cnn, tflite_models  # noqa: F401 (fixtures)

from course_lib.exercises import show_solution, solution, solution_names
from course_lib.exercises import compression as ex


def test_solutions_are_registered():
    assert {"quantize_int8", "prune_channels", "variant_cost"} <= set(solution_names())
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


# --- Exercise 3: what a variant costs per image ------------------------------------------------

def test_variant_cost_checker_passes_the_reference():
    report = ex.check_variant_cost(solution("variant_cost"))
    assert report.passed, str(report)


def _cost(*, zeros_skipped=False, positions=True, scales=True, bias32=True, next_shrinks=True):
    """A variant counter with one typical slip switched on."""
    def count(layers):
        total_bytes = total_macs = 0
        kept = 1.0
        for layer in layers:
            *inputs, channels = layer["kernel"]
            channels -= layer.get("removed", 0)
            if next_shrinks:
                inputs[-1] = round(inputs[-1] * kept)
            kept = channels / layer["kernel"][-1]
            weights = int(np.prod(inputs)) * channels
            pixels = int(np.prod(layer.get("output_hw", (1, 1)))) if positions else 1
            live = 1 - layer.get("zeros", 0) if zeros_skipped else 1
            total_macs += round(pixels * weights * live)
            size = {"float32": 4, "float16": 2, "int8": 1}[layer["dtype"]]
            int8 = layer["dtype"] == "int8"
            total_bytes += (weights * size + (4 * channels if int8 and scales else 0)
                            + channels * (4 if int8 and bias32 else size))
        return total_bytes, total_macs

    return count


def test_variant_cost_checker_names_what_each_slip_gets_wrong():
    assert ex.check_variant_cost(_cost()).passed  # the slip-free counter is right
    slips = {"zeros_skipped": "zeros stored in a dense kernel are still read and multiplied",
             "positions": "runs at every output pixel",
             "scales": "one float32 scale per output channel",
             "bias32": "biases stay 32-bit",
             "next_shrinks": "the inputs of the next one"}
    for slip, lesson in slips.items():
        report = ex.check_variant_cost(_cost(**{slip: slip == "zeros_skipped"}))
        assert not report.passed and any(lesson in case.message for case in report.failures), slip


def test_variant_cost_checker_refuses_other_shapes_of_answer():
    report = ex.check_variant_cost(lambda layers: {"bytes": 1, "macs": 2})
    assert not report.passed and "expected a tuple of two numbers" in report.cases[0].message


def test_layer_specs_count_what_the_interpreter_holds(small_cnn, tflite_models):
    """The reference count of the small CNN's description equals the one read from its
    flatbuffers: same multiply-adds, and the same weight bytes in float32 and in full int8."""
    from course_lib.compress import costs

    count = solution("variant_cost")
    for kind in ("float32", "int8"):
        frame = costs.costs_frame({kind: tflite_models[kind]}).iloc[0]
        assert count(ex.layer_specs(small_cnn, kind)) == (frame["weight_bytes"], frame["macs"])
