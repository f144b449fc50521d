"""The drafts: the bigram table counts what it should, and the shipped draft GPT loads."""

import numpy as np
import pytest
import tensorflow as tf

from course_lib import files
from course_lib.decoding import drafts
from course_lib.generate import tiny_gpt

CODES, LENGTH = 6, 4


def fitted(alpha=0.01):
    tokens = np.array([[1, 2, 3, 4], [1, 2, 3, 5], [0, 2, 3, 4]])
    return drafts.BigramDraft.fit(tokens, np.array([7, 7, 2]), CODES, alpha)


def test_the_bigram_counts_each_position_after_its_previous_id():
    table = fitted().log_probs.numpy().reshape(LENGTH, CODES + 10, CODES)
    np.testing.assert_allclose(np.exp(table).sum(-1), 1.0, rtol=1e-5)
    after_class_7 = np.exp(table[0, CODES + 7])  # class 7 starts with token 1, twice
    assert after_class_7.argmax() == 1 and after_class_7[1] > 0.95
    np.testing.assert_allclose(np.exp(table[3, 3])[[4, 5]], [2.01 / 3.06, 1.01 / 3.06],
                               rtol=1e-5)  # position 3 after a 3: token 4 twice, 5 once
    np.testing.assert_allclose(np.exp(table[1, 5]), 1 / CODES, rtol=1e-5)  # never seen
    assert np.exp(fitted(alpha=1.0).log_probs.numpy())[CODES + 7, 1] < after_class_7[1]


def test_the_bigram_drafts_its_likeliest_chain_when_greedy():
    draft = fitted()
    sequence = tf.constant([[CODES + 7, 0, 0, 0, 0, 0]])
    drafted, q, _ = drafts.propose(draft, sequence, tf.constant([0]), (), 3, 1.0, None)
    assert drafted.numpy().tolist() == [[1, 2, 3]]
    assert q.shape == (1, 3, CODES)


def test_bad_bigram_inputs_are_named():
    with pytest.raises(ValueError, match="labels"):
        drafts.BigramDraft.fit(np.zeros((3, LENGTH), int), np.zeros(2, int), CODES)
    with pytest.raises(ValueError, match="alpha"):
        drafts.BigramDraft.fit(np.zeros((3, LENGTH), int), np.zeros(3, int), CODES, alpha=0)
    with pytest.raises(ValueError, match="tokens"):
        drafts.BigramDraft.fit(np.zeros(3, int), np.zeros(3, int), CODES)
    with pytest.raises(ValueError, match="log_probs"):
        drafts.BigramDraft(np.full((LENGTH, CODES + 10, CODES), np.nan, np.float32))


def test_the_gpt_draft_needs_a_causal_gpt():
    with pytest.raises(TypeError, match="model"):
        drafts.GPTDraft("gpt")
    small = tiny_gpt.GPTConfig(codes=CODES, length=LENGTH, width=16, depth=1, causal=False)
    with pytest.raises(ValueError, match="model"):
        drafts.GPTDraft(tiny_gpt.build(small))


def test_the_shipped_draft_gpt_loads_or_says_how_to_make_it():
    if not drafts.DRAFT_PATH.exists():  # being trained by scripts/train_digit_draft_gpt.py
        with pytest.raises(files.FileIntegrityError, match="train_digit_draft_gpt"):
            drafts.load_draft_gpt()
        return
    model, tokenizer = drafts.load_draft_gpt()
    target, target_tokenizer = tiny_gpt.load_pretrained()
    assert model.spec.depth == 1 and model.spec.codes == target.spec.codes
    np.testing.assert_array_equal(tokenizer.codebook, target_tokenizer.codebook)
