"""The GPT's step as a LiteRT flatbuffer (float32 and weight-only int8), its sampler, and the
int8 KV cache: conversion equality, token equality with the cached XLA loop, per-channel int8
weights, the cache's bytes and rounding error, and argument errors."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib.decoding import int8_step, kv_int8
from course_lib.generate import samplers, tiny_gpt

SPEC = tiny_gpt.GPTConfig(codes=32, length=6, width=64, depth=2, heads=2)  # kernels >= 1024
BATCH = 4
CLASSES = [0, 3, 7, 9]


@pytest.fixture(scope="module")
def model():
    return tiny_gpt.build(SPEC, seed=1)


@pytest.fixture(scope="module")
def steps(model):
    """Converted once for the module: conversion takes seconds."""
    return {kind: int8_step.LiteRTStep.convert(model, BATCH, kind, num_threads=1)
            for kind in int8_step.KINDS}


def test_float32_step_equals_keras_step(model, steps):
    cache = model.empty_cache(BATCH)
    token = tiny_gpt.class_token(SPEC, np.array(CLASSES))
    for position in range(3):  # carries a filled cache through a few steps
        expected, cache = model.step(token, position, cache)
        logits, litert_cache = steps["float32"](token, position, cache)
        np.testing.assert_allclose(logits, expected.numpy(), atol=1e-4)
        for ours, theirs in zip(litert_cache, cache):
            np.testing.assert_allclose(ours.keys, theirs.keys.numpy(), atol=1e-4)
            np.testing.assert_allclose(ours.values, theirs.values.numpy(), atol=1e-4)
        token = np.argmax(expected.numpy(), axis=-1)


def test_float32_litert_draws_the_cached_xla_tokens(model, steps):
    same = [np.mean(int8_step.sample_litert(steps["float32"], CLASSES, seed=seed)
                    == samplers.sample_cached_xla(model, CLASSES, seed=seed))
            for seed in range(3)]
    assert np.mean(same) >= 0.95  # up to rare argmax ties between two float32 programs


def test_both_ways_of_carrying_the_caches_draw_the_same(steps):
    view = int8_step.sample_litert(steps["int8"], CLASSES, seed=5, temperature=0.7, top_k=8)
    copy = int8_step.sample_litert(steps["int8"], CLASSES, seed=5, temperature=0.7, top_k=8,
                                   caches="copy")
    np.testing.assert_array_equal(view, copy)
    assert view.shape == (BATCH, SPEC.length) and view.min() >= 0 and view.max() < SPEC.codes


def test_gumbel_choice_matches_the_tensorflow_rule():
    rng = np.random.default_rng(0)
    logits, noise = rng.normal(size=(2, 5, 32)).astype(np.float32)
    for top_k in (None, 1, 4):
        expected = samplers.gumbel_top_k(logits, noise, temperature=0.8, top_k=top_k).numpy()
        np.testing.assert_array_equal(int8_step.gumbel_choice(logits, noise, 0.8, top_k),
                                      expected)


def test_int8_weights_are_per_channel_and_smaller(steps):
    stored = int8_step.int8_tensors(steps["int8"].content)
    kernels = [t for t in stored if t.values.ndim == 2 and int8_step.is_per_channel(t)]
    # every Dense kernel: qkv, out, up, down per block, and the head
    assert len(kernels) == 4 * SPEC.depth + 1
    assert all(len(t.scales) == t.values.shape[0] and t.axis == 0 for t in kernels)
    assert int8_step.int8_tensors(steps["float32"].content) == []
    table = int8_step.weight_table(steps["int8"].content)
    assert table["per channel"].sum() == len(kernels)
    assert steps["int8"].nbytes < 0.4 * steps["float32"].nbytes


def test_int8_step_stays_close_to_float32(model, steps):
    token = tiny_gpt.class_token(SPEC, np.array(CLASSES))
    expected, _ = model.step(token, 0, model.empty_cache(BATCH))
    logits, _ = steps["int8"](token, 0, model.empty_cache(BATCH))
    error = np.abs(logits - expected.numpy()).max()
    assert 0 < error < 0.1 * np.abs(expected.numpy()).max()


def test_sampler_argument_errors(model, steps):
    with pytest.raises(TypeError, match="step"):
        int8_step.sample_litert(model, CLASSES)
    with pytest.raises(ValueError, match="classes"):
        int8_step.sample_litert(steps["float32"], [1, 2])
    with pytest.raises(ValueError, match="caches"):
        int8_step.sample_litert(steps["float32"], CLASSES, caches="share")
    with pytest.raises(ValueError, match="top_k"):
        int8_step.sample_litert(steps["float32"], CLASSES, top_k=SPEC.codes + 1)
    with pytest.raises(ValueError, match="temperature"):
        int8_step.sample_litert(steps["float32"], CLASSES, temperature=0)


def test_conversion_argument_errors(model):
    with pytest.raises(ValueError, match="kind"):
        int8_step.convert_step(model, BATCH, "int4")
    with pytest.raises(ValueError, match="batch"):
        int8_step.convert_step(model, 0)
    with pytest.raises(TypeError, match="model"):
        int8_step.convert_step("gpt", BATCH)
    with pytest.raises(TypeError, match="content"):
        int8_step.LiteRTStep(b"not a flatbuffer", SPEC, BATCH, "int8")


# --- the int8 KV cache ----------------------------------------------------------------------

def test_kv_bytes_per_token():
    spec = tiny_gpt.GPTConfig()  # width 128, depth 3, heads 4
    assert kv_int8.kv_bytes_per_token(spec) == 2 * 3 * 128 * 4 == 3072
    assert kv_int8.kv_bytes_per_token(spec, "int8") == 2 * 3 * (128 + 4 * 4) == 864
    with pytest.raises(ValueError, match="dtype"):
        kv_int8.kv_bytes_per_token(spec, "int4")
    with pytest.raises(TypeError, match="spec"):
        kv_int8.kv_bytes_per_token({"width": 128})


def test_kv_quantize_error_is_at_most_half_a_step():
    new = tf.random.stateless_normal([3, 4, 16], seed=[0, 1]) * [[[0.01]], [[1.0]], [[50.0]]]
    new = tf.concat([new, tf.zeros([1, 4, 16])], axis=0)  # an all-zero row stays exact
    codes, scale = kv_int8.quantize_kv(new)
    assert codes.dtype == tf.int8 and scale.shape == (4, 4, 1)
    back = kv_int8.dequantize_kv(codes, scale)
    bound = tf.reduce_max(tf.abs(new), axis=-1, keepdims=True) / (2 * kv_int8.INT8_LIMIT)
    assert np.all(np.abs((back - new).numpy()) <= bound.numpy() * (1 + 1e-6))
    assert np.abs((back - new)[:3]).max() > 0 and np.all(back[3].numpy() == 0)
    assert np.abs(codes.numpy()).max() == kv_int8.INT8_LIMIT


def test_int8_kv_sampler_runs_the_int8_cache(model):
    cache = model.empty_cache(2)
    token = tiny_gpt.class_token(SPEC, np.array([1, 2]))
    _, float_cache = model.step(token, 0, cache)
    _, int8_cache = kv_int8.Int8KV(model).step(token, 0, cache)
    keys, exact = int8_cache[0].keys[:, :, 0], float_cache[0].keys[:, :, 0]
    np.testing.assert_allclose(keys, kv_int8.dequantize_kv(*kv_int8.quantize_kv(exact)),
                               atol=1e-6)
    assert not np.array_equal(keys.numpy(), exact.numpy())
    tokens = kv_int8.sample_kv_int8(model, CLASSES, seed=2)
    same = np.mean(tokens == samplers.sample_cached_xla(model, CLASSES, seed=2))
    assert tokens.shape == (BATCH, SPEC.length) and same > 0.5
