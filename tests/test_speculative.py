"""Speculative decoding: the multi-token verify pass matches the model, the accept/reject rule
does what the papers say, the compiled loop traces once, and bad arguments are named."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib.decoding import drafts, speculative, verify
from course_lib.generate import common, tiny_gpt

SMALL = tiny_gpt.GPTConfig(codes=24, length=10, width=32, depth=2, heads=4, dropout=0.0)


@pytest.fixture(scope="module")
def model():
    return tiny_gpt.build(SMALL, seed=0)


@pytest.fixture(scope="module")
def bigram():
    tokens = np.random.default_rng(1).integers(0, SMALL.codes, (200, SMALL.length))
    return drafts.BigramDraft.fit(tokens, np.arange(200) % 10, SMALL.codes)


def ids(batch=3, seed=0):
    tokens = np.random.default_rng(seed).integers(0, SMALL.codes, (batch, SMALL.length))
    tokens[:, 0] = tiny_gpt.class_token(SMALL, np.arange(batch) % 10)
    return tokens.astype(np.int32)


@pytest.mark.parametrize("width", [1, 5])
def test_step_tokens_match_the_full_pass_and_model_step(model, width):
    tokens, starts = ids(), np.array([0, 2, 4], np.int32)  # every row at its own position
    full = model(tokens).numpy()
    cache = verify.empty_cache(model, 3, SMALL.length + width + 1)
    for position in range(int(starts.max())):  # each row fills its cache up to its start
        rows = np.minimum(position, starts - 1)  # -1 (row 0): a position that writes nothing
        cache = verify.step_tokens(model, tokens[np.arange(3), rows][:, None], rows, cache)[1]
    window = np.stack([tokens[b, starts[b]:starts[b] + width] for b in range(3)])
    logits, _ = verify.step_tokens(model, window, starts, cache)
    expected = np.stack([full[b, starts[b]:starts[b] + width] for b in range(3)])
    np.testing.assert_allclose(logits.numpy(), expected, atol=1e-4)
    step_cache = model.empty_cache(3)  # and the same as one model.step per token (row 0)
    for position in range(width):
        step_logits, step_cache = model.step(tokens[:, position], position, step_cache)
    np.testing.assert_allclose(logits.numpy()[0, -1], step_logits.numpy()[0], atol=1e-4)
    assert np.abs(expected).max() > 1e-3


def test_the_gpt_draft_refeeds_two_tokens_and_matches_the_model(model):
    draft = drafts.GPTDraft(model)
    tokens, n = ids(), np.array([0, 3, 6], np.int32)
    sequence = tf.constant(np.pad(tokens, [[0, 0], [0, 6]]))
    cache = draft.start(3, SMALL.length + 6)
    for position in range(6):  # a stale cache, as after a round: right up to the last token
        cache = verify.step_tokens(model, tokens[:, position:position + 1],
                                   np.full(3, position, np.int32), cache)[1]
    drafted, q, _ = drafts.propose(draft, sequence, tf.constant(n), cache, 1, 1.0, None)
    full = model(tokens).numpy()
    expected = tf.nn.softmax(np.stack([full[b, n[b]] for b in range(3)])).numpy()
    np.testing.assert_allclose(q.numpy()[:, 0], expected, atol=1e-5)
    np.testing.assert_array_equal(drafted.numpy()[:, 0], expected.argmax(-1))


def rule_inputs():
    p = np.full((1, 3, 4), 0.25, np.float32)       # the target: uniform over 4 codes
    q = np.array([[[0.25, 0.25, 0.25, 0.25],       # draft 1 = the target: always kept
                   [0.0, 0.0, 0.0, 1.0]]], np.float32)  # draft 2 is sure of code 3
    return tf.constant(p), tf.constant(q), tf.constant([[1, 3]])


def test_accept_reject_keeps_while_u_below_p_over_q_then_draws_the_residual():
    p, q, drafted = rule_inputs()
    # u_2 = 0.5 >= p/q = 0.25: reject draft 2; the residual max(0, p - q) has no mass on code 3
    accepted, token = speculative.accept_reject(p, q, drafted, tf.constant([[0.9, 0.5]]),
                                                tf.constant([0.99]))
    assert accepted.numpy().tolist() == [1]
    assert token.numpy()[0] == 2  # the residual's last code with mass, not the rejected 3
    accepted, _ = speculative.accept_reject(p, q, drafted, tf.constant([[0.9, 0.2]]),
                                            tf.constant([0.0]))
    assert accepted.numpy().tolist() == [2]  # u_2 = 0.2 < 0.25: all kept, a bonus token
    _, wrong = speculative.accept_reject(p, q, drafted, tf.constant([[0.9, 0.5]]),
                                         tf.constant([0.99]), rule="resample_from_target")
    assert wrong.numpy()[0] == 3  # the wrong rule may redraw the token it just rejected


def test_greedy_keeps_drafts_while_they_are_the_targets_argmax():
    p = tf.constant(np.eye(4, dtype=np.float32)[[[1, 2, 0]]])  # argmax p: 1, 2, then 0
    q = tf.constant(np.full((1, 2, 4), 0.25, np.float32))
    accepted, token = speculative.accept_reject(p, q, tf.constant([[1, 3]]), None, None,
                                                greedy=True)
    assert (accepted.numpy()[0], token.numpy()[0]) == (1, 2)


def test_draw_inverts_the_cumulative_sum_and_skips_empty_codes():
    probs = tf.constant([[0.0, 2.0, 0.0, 2.0]] * 4)
    tokens = drafts.draw(probs, tf.constant([0.0, 0.49, 0.51, 0.999]))
    assert tokens.numpy().tolist() == [1, 1, 3, 3]


def test_the_loop_traces_once_and_counts_its_passes(model, bigram):
    name = "speculative_bigram_k3_exact"
    before = common.TRACES[name]  # other tests may have traced this name for their own model
    first = speculative.sample_speculative(model, bigram, [1, 2], k=3, seed=0)
    traces = common.TRACES[name]
    again = speculative.sample_speculative(model, bigram, [7, 4], k=3, seed=5)
    assert common.TRACES[name] == traces == before + 1
    assert first.tokens.shape == again.tokens.shape == (2, SMALL.length)
    assert first.tokens.dtype == np.int32 and 0 <= first.tokens.min() < SMALL.codes
    assert not np.array_equal(first.tokens, again.tokens)
    assert 0 <= first.accepted <= first.drafted == 3 * first.target_passes.sum()
    assert first.rounds == first.target_passes.max() <= SMALL.length
    # every round makes 1 + (accepted) tokens, so passes + accepted >= length for each image
    assert first.target_passes.sum() + first.accepted >= 2 * SMALL.length


@pytest.mark.parametrize("options, error, words", [
    (dict(k=0), ValueError, "k"), (dict(k=17), ValueError, "k"), (dict(k=2.0), TypeError, "k"),
    (dict(k=2, temperature=0.0), ValueError, "temperature"),
    (dict(k=2, rule="resample"), ValueError, "rule"),
    (dict(k=2, greedy=1), TypeError, "greedy"), (dict(k=2, seed=-1), ValueError, "seed"),
])
def test_bad_arguments_are_named(model, bigram, options, error, words):
    with pytest.raises(error, match=words):
        speculative.sample_speculative(model, bigram, [1], **options)


def test_bad_models_drafts_and_classes_are_named(model, bigram):
    with pytest.raises(ValueError, match="classes"):
        speculative.sample_speculative(model, bigram, [11], k=2)
    other = drafts.BigramDraft(np.zeros((SMALL.length, 40, 30), np.float32))
    with pytest.raises(ValueError, match="draft: its vocabulary"):
        speculative.sample_speculative(model, other, [1], k=2)
    with pytest.raises(TypeError, match="draft"):
        speculative.sample_speculative(model, "bigram", [1], k=2)
    bidirectional = tiny_gpt.build(tiny_gpt.GPTConfig(codes=24, length=10, width=32, depth=1,
                                                      causal=False))
    with pytest.raises(ValueError, match="model"):
        speculative.sample_speculative(bidirectional, bigram, [1], k=2)


def test_pass_candidates_run_fixed_width_passes_and_trace_once_per_width(model):
    """What notebook 06 times to price a wider pass: one compiled loop per width, each call
    returning the last pass's argmax tokens (batch, W), and no retracing on a second call."""
    candidates = verify.pass_candidates(model, (1, 3), batch=2, passes=4)
    assert list(candidates) == ["W=1", "W=3"]
    assert [tuple(call().shape) for call in candidates.values()] == [(2, 1), (2, 3)]
    traced = common.TRACES["verify_passes"]
    for call in candidates.values():
        call()
    assert common.TRACES["verify_passes"] == traced
    with pytest.raises(ValueError, match="widths"):
        verify.pass_candidates(model, (0,))
    with pytest.raises(ValueError, match="passes"):
        verify.pass_candidates(model, (1,), passes=0)
