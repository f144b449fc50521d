"""Notebook 01's experiments compute the right things (their speed is measured in the notebook)."""

import re

import numpy as np
import pytest

from course_lib.generate import tiny_gpt
from course_lib.interview import decode_demo
from course_lib.measure import budgets


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


def test_a_draft_equal_to_the_target_is_always_kept():
    target, _ = decode_demo.example_distributions(vocab=8, seed=2)
    draws = decode_demo.speculative_sample(target, target.copy(), 1000, np.random.default_rng(0))
    same = np.random.default_rng(0).choice(8, size=1000, p=target)
    assert np.array_equal(draws, same)


def test_budget_table_counts_budgets_per_image_against_the_course_budgets():
    table = decode_demo.budget_table({"a": (256, 0.002)})
    assert table.loc["a", "ms per image"] == pytest.approx(512.0)
    assert list(table.columns[3:]) == [budget.name for budget in budgets.BUDGETS]
    vr = budgets.BUDGETS_BY_KEY["vr_90hz"]
    assert table.loc["a", vr.name] == pytest.approx(512.0 / vr.ms)
    frame = budgets.Budget("frame", "a 16 ms frame", 16.0, "a test budget")
    assert decode_demo.budget_table({"a": (256, 0.002)}, [frame]).loc["a", frame.name] == 32.0


BAD_CALLS = [  # (call, exception, words of the message)
    (lambda: decode_demo.expected_tokens_per_pass(1.5, 4), ValueError, "alpha: expected"),
    (lambda: decode_demo.expected_tokens_per_pass("0.5", 4), TypeError, "alpha: expected"),
    (lambda: decode_demo.expected_tokens_per_pass(0.5, -1), ValueError, "drafted: expected"),
    (lambda: decode_demo.tokens_per_pass_simulated(0.5, 4, 0, np.random.default_rng(0)),
     ValueError, "trials: expected an integer >= 1"),
    (lambda: decode_demo.tokens_per_pass_simulated(0.5, 4, 10, 0), TypeError,
     "rng: expected a NumPy Generator"),
    (lambda: decode_demo.speculative_sample(np.ones(4) / 4, np.ones(5) / 5, 10,
                                            np.random.default_rng(0)),
     ValueError, "draft: expected the target's shape (4,)"),
    (lambda: decode_demo.speculative_sample(np.ones(4), np.ones(4) / 4, 10,
                                            np.random.default_rng(0)),
     ValueError, "target: expected probabilities >= 0 that sum to 1"),
    (lambda: decode_demo.acceptance_rate([0.5, 0.5], np.ones(2) / 2), TypeError,
     "target: expected a NumPy array"),
    (lambda: decode_demo.speculative_sample(np.ones(4) / 4, np.ones(4) / 4, 0,
                                            np.random.default_rng(0)),
     ValueError, "size: expected an integer >= 1"),
    (lambda: decode_demo.ToyAttention.random(width=0), ValueError, "width: expected"),
    (lambda: decode_demo.ToyAttention.random(seed="0"), TypeError, "seed: expected an integer"),
    (lambda: decode_demo.ToyAttention.random(vocab=8, width=4).decode_cached(4, start=8),
     ValueError, "start: expected an integer in 0..7"),
    (lambda: decode_demo.ToyAttention.random(vocab=8, width=4).decode_recompute(0),
     ValueError, "length: expected an integer >= 1"),
    (lambda: decode_demo.DecoderConfig(width=130, heads=4), ValueError,
     "heads: expected a divisor of width 130"),
    (lambda: decode_demo.DecoderConfig(length=2.5), TypeError, "length: expected an integer"),
    (lambda: decode_demo.layer_candidates(np.ones(4, np.float32), {"b": 1}), ValueError,
     "weights: expected 2 dimensions"),
    (lambda: decode_demo.layer_candidates(np.ones((4, 4), np.float32), {"b": 0}), ValueError,
     "batches['b']: expected an integer >= 1"),
    (lambda: decode_demo.budget_table({"a": (0, 0.002)}), ValueError,
     "scenarios['a'] passes: expected an integer >= 1"),
    (lambda: decode_demo.budget_table({"a": (4, -1.0)}), ValueError,
     "scenarios['a'] seconds: expected a positive"),
    (lambda: decode_demo.budget_table({"a": (4, 0.1)}, {"frame": 16.0}), TypeError,
     "budgets: expected measure.budgets.Budget items"),
    (lambda: decode_demo.decoding_floor(7e9, 0, 50.0, 576), ValueError,
     "bits_per_weight: expected a positive"),
    (lambda: decode_demo.decoding_floor(7e9, 16, "50", 576), TypeError, "read_gbs: expected"),
    (lambda: decode_demo.decoding_floor(7e9, 16, 50.0, 0), ValueError,
     "tokens: expected an integer >= 1"),
]


def test_the_decoding_floor_is_one_read_of_the_weights_per_token():
    per_token, per_image = decode_demo.decoding_floor(1e9, 16, 2.0, 256)
    assert per_token == pytest.approx(1.0)  # 2 GB at 2 GB/s
    assert per_image == pytest.approx(256.0)
    assert decode_demo.decoding_floor(1e9, 4, 2.0, 1)[0] == pytest.approx(0.25)  # 4-bit: 4x less


@pytest.mark.parametrize("call, error, words", BAD_CALLS, ids=[c[2] for c in BAD_CALLS])
def test_bad_arguments_are_named(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()
