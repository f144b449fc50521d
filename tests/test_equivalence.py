"""Proof, not hope: speculative decoding's output is the target's, token for token when greedy
and in distribution when sampled, and the chi-square test catches a wrong acceptance rule."""

import numpy as np
import pytest

from course_lib.decoding import drafts, equivalence, speculative
from course_lib.generate import samplers, tiny_gpt

TINY = tiny_gpt.GPTConfig(codes=8, length=6, width=32, depth=1, heads=2, dropout=0.0)
SAMPLES = 3000


@pytest.mark.parametrize("statistic, dof, expected", [
    (3.841, 1, 0.05), (6.635, 1, 0.01), (18.307, 10, 0.05), (23.209, 10, 0.01),
    (124.342, 100, 0.05), (0.0, 4, 1.0), (1.386, 2, 0.5), (10.828, 1, 0.001)])
def test_chi2_sf_matches_the_tables(statistic, dof, expected):
    assert equivalence.chi2_sf(statistic, dof) == pytest.approx(expected, rel=2e-3, abs=1e-12)


def test_chi2_sf_refuses_bad_arguments():
    with pytest.raises(ValueError, match="dof"):
        equivalence.chi2_sf(1.0, 0)
    with pytest.raises(ValueError, match="statistic"):
        equivalence.chi2_sf(-1.0, 2)


def test_the_test_tells_different_distributions_apart_and_not_equal_ones():
    rng = np.random.default_rng(0)
    probs = np.array([0.5, 0.2, 0.1, 0.1, 0.05, 0.03, 0.01, 0.01])
    same_a, same_b = (rng.choice(8, (2000, 3), p=probs) for _ in range(2))
    other = rng.choice(8, (2000, 3), p=np.roll(probs, 1) * 0.2 + probs * 0.8)
    assert equivalence.two_sample_chi_square(same_a, same_b, [0, 1, 2]).p_value > 0.01
    test = equivalence.two_sample_chi_square(same_a, other, [0, 1, 2])
    assert test.p_value < 1e-4 and test.dof == sum(test.dofs) and len(test.p_values) == 3
    with pytest.raises(ValueError, match="positions"):
        equivalence.two_sample_chi_square(same_a, same_b, [3])
    with pytest.raises(ValueError, match="tokens_b"):
        equivalence.two_sample_chi_square(same_a, same_b[:, :2], [0])


def test_rare_tokens_are_pooled_until_expected_counts_reach_five():
    a, b = np.array([0] * 50 + [1] * 20 + [2, 3, 4, 5, 6]), np.array([0] * 50 + [1] * 10 + [7] * 6)
    table = equivalence.contingency(a, b)
    assert table.tolist() == [[50, 20, 5], [50, 10, 6]]  # 2..7 rare: pooled
    table = equivalence.contingency(a[:-3], b[:-3])  # 2 + 3 pooled: too few, into token 1
    assert table.tolist() == [[50, 22], [50, 13]]


@pytest.fixture(scope="module")
def shipped():
    target, tokenizer = tiny_gpt.load_pretrained()
    draft_gpt = (drafts.load_draft_gpt()[0] if drafts.DRAFT_PATH.exists()
                 else tiny_gpt.build(tiny_gpt.GPTConfig(depth=1)))  # until the draft ships
    return target, {"bigram": drafts.fit_bigram_draft(tokenizer, images=2000),
                    "gpt": drafts.GPTDraft(draft_gpt)}


@pytest.mark.parametrize("kind", ["bigram", "gpt"])
def test_greedy_speculative_is_token_identical_to_greedy_target_decoding(shipped, kind):
    target, by_kind = shipped
    classes = [3, 8]
    greedy = samplers.sample_cached_xla(target, classes, top_k=1)
    for k in (1, 3, 8):
        result = speculative.sample_speculative(target, by_kind[kind], classes, k=k,
                                                greedy=True)
        np.testing.assert_array_equal(result.tokens, greedy, err_msg=f"{kind}, k={k}")
        assert result.target_passes.max() <= target.spec.length


@pytest.fixture(scope="module")
def tiny():
    """A small random target (8 codes, 6 tokens: a few thousand samples are enough to see
    a bias) and a confident, often wrong bigram draft, so rejections are common."""
    target = tiny_gpt.build(TINY, seed=3)
    logits = 3.0 * np.random.default_rng(0).standard_normal((TINY.length, TINY.vocab_in,
                                                             TINY.codes))
    log_probs = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    return target, drafts.BigramDraft(log_probs.astype(np.float32))


def test_sampled_speculative_is_the_target_distribution_and_a_wrong_rule_is_caught(tiny):
    target, draft = tiny
    classes, positions = np.arange(SAMPLES) % 10, range(TINY.length)
    plain = samplers.sample_cached_xla(target, classes, seed=1)
    again = samplers.sample_cached_xla(target, classes, seed=2)
    exact = speculative.sample_speculative(target, draft, classes, k=3, seed=3)
    wrong = speculative.sample_speculative(target, draft, classes, k=3, seed=3,
                                           rule="resample_from_target")
    assert equivalence.two_sample_chi_square(plain, again, positions).p_value > 0.01
    assert equivalence.two_sample_chi_square(plain, exact.tokens, positions).p_value > 0.01
    assert equivalence.two_sample_chi_square(plain, wrong.tokens, positions).p_value < 1e-4
    assert 0.05 < exact.acceptance_rate < 0.95  # rejections happen: the rule is exercised
