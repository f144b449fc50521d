"""Notebook 01's experiments compute the right things (their speed is measured in the notebook)."""

import numpy as np
import pytest

from course_lib.generate import tiny_gpt
from course_lib.interview import decode_demo


def test_token_table_is_blank_where_the_patch_does_not_divide():
    table = decode_demo.token_table([28, 256], [4, 16])
    assert table.loc["256×256", "patch 16"] == 256 and table.isna().loc["28×28", "patch 16"]


@pytest.fixture(scope="module")
def small():
    config = decode_demo.DecoderConfig(vocab=32, length=12, width=16, heads=2, depth=1)
    return (config, decode_demo.build_decoder(config),
            decode_demo.build_decoder(config, causal=False))


def test_the_demo_decoder_is_notebook_05s_model_at_the_demo_shape(small):
    config, causal, bidirectional = small
    assert isinstance(causal, tiny_gpt.DigitGPT) and causal.spec == config.spec(causal=True)
    assert bidirectional.spec == config.spec(causal=False) and not bidirectional.spec.causal
    tokens = np.arange(2 * config.length, dtype=np.int32).reshape(2, -1) % config.vocab
    for model in (causal, bidirectional):
        assert decode_demo.compiled_forward(model)(tokens).shape == (2, config.length,
                                                                     config.vocab)


def test_the_causal_decoder_does_not_look_ahead_and_the_bidirectional_one_does(small):
    config, causal, bidirectional = small
    tokens = np.arange(config.length, dtype=np.int32)[None] % config.vocab
    forward, forward_both_ways = map(decode_demo.compiled_forward, (causal, bidirectional))
    before, after = decode_demo.causal_leak(forward, tokens, 6, config.vocab)
    assert before == 0.0 and after > 0
    assert decode_demo.causal_leak(forward_both_ways, tokens, 6, config.vocab)[0] > 0


def test_the_kv_cache_gives_the_same_tokens_and_costs_memory():
    toy = decode_demo.ToyAttention.random(vocab=64, width=32, seed=3)
    cached = toy.decode_cached(40, start=5)
    assert np.array_equal(toy.decode_recompute(40, start=5), cached)
    assert len(set(cached.tolist())) > 1
    assert toy.cache_bytes(40) == 2 * 40 * 32 * 4


def test_speculative_sampling_follows_the_target_not_the_draft():
    target, draft = decode_demo.example_distributions(vocab=8, seed=2)
    draws = decode_demo.speculative_sample(target, draft, 400_000, np.random.default_rng(0))
    observed = np.bincount(draws, minlength=8) / len(draws)
    assert np.abs(observed - target).max() < 0.005 < np.abs(draft - target).max()
    assert decode_demo.acceptance_rate(target, target) == pytest.approx(1.0)


@pytest.mark.parametrize("alpha, k, expected", [(0.8, 4, 3.36160), (0.5, 4, 1.9375),
                                                (1.0, 4, 5.0), (0.0, 4, 1.0)])
def test_expected_tokens_per_pass(alpha, k, expected):
    assert decode_demo.expected_tokens_per_pass(alpha, k) == pytest.approx(expected)
    simulated = decode_demo.tokens_per_pass_simulated(alpha, k, 200_000, np.random.default_rng(1))
    assert simulated == pytest.approx(expected, abs=0.02)


def test_budget_table_counts_budgets_per_image():
    table = decode_demo.budget_table({"a": (256, 0.002)}, {"frame": 16.0})
    assert table.loc["a", "ms per image"] == pytest.approx(512.0)
    assert table.loc["a", "frame"] == pytest.approx(32.0)
