"""Notebook 01's experiments compute the right things (their speed is measured in the notebook)."""

import numpy as np
import pytest

from course_lib import decode_demo


@pytest.mark.parametrize("height, width, patch, tokens", [
    (256, 256, 16, 256), (256, 256, 8, 1024), (512, 512, 16, 1024), (256, 512, 16, 512),
    (28, 28, 4, 49), (28, 28, 1, 784)])
def test_tokens_per_image(height, width, patch, tokens):
    assert decode_demo.tokens_per_image(height, width, patch) == tokens


@pytest.mark.parametrize("args, message", [((256, 256, 7), "patch: expected a divisor"),
                                           ((0, 256, 16), "height"), ((256, 256, 2.0), "patch")])
def test_tokens_per_image_refuses_bad_sizes(args, message):
    with pytest.raises(ValueError, match=message):
        decode_demo.tokens_per_image(*args)


def test_token_table_is_blank_where_the_patch_does_not_divide():
    table = decode_demo.token_table([28, 256], [4, 16])
    assert table.loc["256×256", "patch 16"] == 256 and table.isna().loc["28×28", "patch 16"]


@pytest.mark.parametrize("length, steps", [(256, 8), (1024, 12), (64, 8), (5, 5), (10, 1)])
def test_maskgit_schedule_decides_everything_and_always_progresses(length, steps):
    schedule = decode_demo.maskgit_schedule(length, steps)
    assert len(schedule) == steps and schedule[-1] == 0
    assert all(a > b for a, b in zip([length] + schedule, schedule))
    with pytest.raises(ValueError, match="steps"):
        decode_demo.maskgit_schedule(length, length + 1)


@pytest.fixture(scope="module")
def small():
    config = decode_demo.DecoderConfig(vocab=32, length=12, width=16, heads=2, depth=1)
    return (config, decode_demo.compiled_forward(decode_demo.build_decoder(config)),
            decode_demo.compiled_forward(decode_demo.build_decoder(config, causal=False)))


def test_the_causal_decoder_does_not_look_ahead_and_the_bidirectional_one_does(small):
    config, causal, bidirectional = small
    tokens = np.arange(config.length, dtype=np.int32)[None] % config.vocab
    before, after = decode_demo.causal_leak(causal, tokens, 6, config.vocab)
    assert before == 0.0 and after > 0
    assert decode_demo.causal_leak(bidirectional, tokens, 6, config.vocab)[0] > 0


class _Counting:
    def __init__(self, forward):
        self.forward, self.calls = forward, 0

    def __call__(self, tokens):
        self.calls += 1
        return self.forward(tokens)


def test_sequential_decoding_makes_one_pass_per_token_and_matches_greedy(small):
    config, causal, _ = small
    counted = _Counting(causal)
    out = decode_demo.generate_sequential(counted, config, batch=2, start=3)
    assert counted.calls == config.length and out.shape == (2, config.length)
    window = np.concatenate([np.full((2, 1), 3), out[:, :-1]], axis=1).astype(np.int32)
    assert np.array_equal(np.asarray(causal(window)).argmax(-1), out)  # each token is the argmax


def test_maskgit_decodes_every_token_in_the_given_number_of_passes(small):
    config, _, bidirectional = small
    counted = _Counting(bidirectional)
    out = decode_demo.generate_maskgit(counted, config, steps=4, batch=3)
    assert counted.calls == 4 and out.shape == (3, config.length)
    assert ((out >= 0) & (out < config.vocab)).all()


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
