"""The roofline decoder: sized from the cache, its step's FLOPs and bytes counted by hand, the
prediction table's shape, Keras's int8 copy, and errors that name the argument. Timings are
never asserted (a shared machine); the table's arithmetic is."""

import math

import numpy as np
import pytest

from course_lib.decoding import big_decoder
from course_lib.generate import samplers, tiny_gpt
from course_lib.measure import machine, roofline
from course_lib.measure.machine import MachineLimits

TINY = tiny_gpt.GPTConfig(codes=32, length=8, width=32, depth=2, heads=2, dropout=0.0)
LIMITS = MachineLimits(matmul_gflops=50.0, bandwidth_gbs=10.0)


@pytest.fixture(scope="module")
def model():
    return tiny_gpt.build(TINY, seed=0)


@pytest.mark.parametrize("spec", [TINY, tiny_gpt.GPTConfig(codes=64, length=4, width=128,
                                                           depth=1, heads=1)])
def test_weights_per_pass_counts_what_the_built_model_reads(spec):
    assert big_decoder.weights_per_pass(spec) == tiny_gpt.build(spec).weights_read_per_pass()


@pytest.mark.parametrize("width, head_width, multiple", [(128, 64, 1.0), (256, 128, 4.0),
                                                          (384, 64, 2.5)])
def test_decoder_spec_is_the_shallowest_one_over_the_cache_multiple(width, head_width,
                                                                    multiple):
    llc = 1 << 20
    spec = big_decoder.decoder_spec(multiple, llc_bytes=llc, length=8, width=width,
                                    head_width=head_width)
    target = multiple * llc
    assert big_decoder.weights_per_pass(spec) * 4 >= target
    shallower = big_decoder.weights_per_pass(tiny_gpt.GPTConfig(
        spec.codes, spec.length, width, spec.depth - 1, spec.heads))
    assert spec.depth == 1 or shallower * 4 < target
    assert spec.width // spec.heads == head_width and spec.length == 8 and spec.causal


def test_decoder_spec_default_is_several_times_this_machines_cache(monkeypatch):
    spec = big_decoder.decoder_spec()
    llc = machine.last_level_cache_bytes() or machine.ASSUMED_CACHE_BYTES
    assert big_decoder.weights_per_pass(spec) * 4 >= 4 * llc and spec.length == 16
    monkeypatch.setattr(machine, "last_level_cache_bytes", lambda: None)
    unknown = big_decoder.decoder_spec(1.0, width=256)
    assert big_decoder.weights_per_pass(unknown) * 4 >= machine.ASSUMED_CACHE_BYTES


def test_token_costs_match_a_hand_count(model):
    # width 32, depth 2, codes 32: per block 12*32^2 + 13*32 = 12,704 weights; final norm 64,
    # head 32*32 + 32 = 1,056: 2*12,704 + 64 + 1,056 = 26,528 weights read per step.
    # batch 3: one cache slot (keys and values, both blocks) = 2*3*32*2 = 384 floats; the loop
    # reads all 8 slots every step (3,072 floats) and writes one (384).
    cost = big_decoder.token_costs(model, 3)
    assert cost.bytes_moved == 4 * (26_528 + 3_072 + 384)
    assert cost.flops == 2 * 26_528 * 3 + 2 * 3_072  # matmuls + scores and weighted sums
    one = big_decoder.token_costs(model, 1)
    assert cost.flops > 2.9 * one.flops and cost.bytes_moved < 1.2 * one.bytes_moved


def test_predict_and_measure_table(model):
    measured = big_decoder.predict_and_measure(model, (1, 2), LIMITS, repeats=1,
                                               progress=False)
    table = measured.table
    assert list(table.columns) == ["batch", "predicted ms/step", "measured ms/step",
                                   "measured/predicted", "GB/s", "GFLOP/s", "FLOP/byte",
                                   "bound_by"]
    assert table["batch"].tolist() == [1, 2] and len(measured.points) == 2
    for row, point in zip(table.itertuples(index=False), measured.points):
        cost = big_decoder.token_costs(model, row.batch)
        predicted = roofline.predicted_seconds(LIMITS, *cost)
        assert math.isclose(row[1], predicted * 1e3)
        assert math.isclose(row[3], row[2] / row[1])
        assert math.isclose(point.seconds * 1e3, row[2]) and point.flops == cost.flops
        assert row.bound_by == roofline.bound_by(LIMITS, *cost) == "memory"
        assert f"batch {row.batch}" in point.label


def test_keras_int8_copy_quantizes_a_copy_and_explains_itself(model):
    quantized = big_decoder.keras_int8_copy(model)
    assert quantized.blocks[0].qkv.quantization_mode == "int8"
    assert model.blocks[0].qkv.kernel.dtype == "float32"  # the original is kept
    assert samplers.sample_cached_xla(quantized, [1, 2], seed=0).shape == (2, TINY.length)
    text = big_decoder.explain_keras_int8(quantized)
    assert "Dense._int8_call" in text and "dequantize" in text and "Compiled by XLA" in text
    operands = big_decoder.xla_dot_operands(quantized.blocks[0].qkv)
    assert operands in text and "[32,96]" in operands and "->" in operands
    with pytest.raises(ValueError, match="quantized"):
        big_decoder.explain_keras_int8(model)


def test_threads_working_counts_the_threads_that_did_the_work():
    one_thread = big_decoder.threads_working(lambda: sum(range(1_000_000)), calls=10)
    assert one_thread["threads doing work"] == 1  # pure Python: the GIL keeps it on one thread
    assert 0 < one_thread["busiest thread's share"] <= 1
    assert one_thread["usable cores"] == machine.usable_cores()
    with pytest.raises(ValueError, match="calls"):
        big_decoder.threads_working(lambda: None, calls=0)
    with pytest.raises(ValueError, match="batch"):
        big_decoder.loop_threads(tiny_gpt.build(TINY), batch=0)
    with pytest.raises(ValueError, match="share"):
        big_decoder.threads_working(lambda: None, share=2)


@pytest.mark.parametrize("kwargs, error, name", [
    (dict(width=100), ValueError, "width"), (dict(head_width=32), ValueError, "head_width"),
    (dict(cache_multiple=0), ValueError, "cache_multiple"),
    (dict(llc_bytes=0), ValueError, "llc_bytes"), (dict(length=1.5), TypeError, "length")])
def test_decoder_spec_names_the_bad_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        big_decoder.decoder_spec(**kwargs)


def test_costs_and_measure_name_the_bad_argument(model):
    with pytest.raises(ValueError, match="batch"):
        big_decoder.token_costs(model, 0)
    with pytest.raises(TypeError, match="model"):
        big_decoder.token_costs("gpt", 1)
    with pytest.raises(TypeError, match="batches"):
        big_decoder.predict_and_measure(model, (), LIMITS)
    with pytest.raises(ValueError, match=r"batches\[1\]"):
        big_decoder.predict_and_measure(model, (1, 0), LIMITS)
    with pytest.raises(ValueError, match="batch"):
        big_decoder.compare_keras_int8(model, batch=0)
    with pytest.raises(TypeError, match="model"):
        big_decoder.compare_keras_int8("gpt")
    with pytest.raises(TypeError, match="limits"):
        big_decoder.predict_and_measure(model, (1,), limits="fast", progress=False)
