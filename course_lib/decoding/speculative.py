"""Speculative decoding: a cheap draft proposes k tokens, the target checks them in ONE pass.

Each round, for every row of the batch: the draft proposes k tokens with their distributions q;
the target runs one cached pass over the last known token and the k drafts
(``verify.step_tokens``), which gives its distributions p at all k + 1 places; ``accept_reject``
keeps the drafts up to the first rejection and adds one token of its own. A round therefore
makes 1..k+1 tokens for one target pass, and the tokens are distributed EXACTLY as the
target's own samples (Leviathan et al. 2023, "Fast Inference from Transformers via Speculative
Decoding"; Chen et al. 2023, "Accelerating Large Language Model Decoding with Speculative
Sampling"). ``course_lib.decoding.equivalence`` tests that claim.

The whole thing is ONE ``tf.while_loop`` in one XLA-compiled function with fixed shapes: rows
accept different counts, so each keeps its own position; the sequence buffer and caches have
k + 1 spare slots; finished rows idle until the last row is done. Randomness comes from the seed
alone (stateless draws keyed by seed and round).
"""

from __future__ import annotations

from typing import NamedTuple, Sequence

import numpy as np
import tensorflow as tf

from course_lib.checks import check_bool, check_choice, check_int, check_number, check_seed
from course_lib.decoding import verify
from course_lib.decoding.drafts import BigramDraft, Draft, GPTDraft, draw, propose
from course_lib.generate import common
from course_lib.generate.tiny_gpt import DigitGPT, check_model, class_token

RULES = ("exact", "resample_from_target")  # the second is WRONG on purpose: the test must catch it
MAX_K = 16


def accept_reject(p: tf.Tensor, q: tf.Tensor, drafted: tf.Tensor, uniforms: tf.Tensor,
                  uniform: tf.Tensor, *, greedy: bool = False,
                  rule: str = "exact") -> tuple[tf.Tensor, tf.Tensor]:
    """How many of the k ``drafted`` tokens (batch, k) to keep, and the token after them.

    p (batch, k+1, codes): the target's distributions; q (batch, k, codes): the draft's.
    Keep draft j while ``u_j < p_j(x_j) / q_j(x_j)``; at the first rejection draw from
    ``max(0, p_j - q_j)`` renormalised (``rule="resample_from_target"``: from p_j, which is
    wrong); if all k are kept, draw a bonus token from p_{k+1}. ``uniforms`` (batch, k) decide
    acceptance, ``uniform`` (batch,) draws that last token. Greedy: keep while the draft
    equals argmax p_j; the last token is argmax p."""
    k = drafted.shape[1]
    p_drafted = tf.gather(p[:, :k], drafted, batch_dims=2)
    if greedy:
        keep = tf.equal(drafted, tf.argmax(p[:, :k], axis=-1, output_type=tf.int32))
    else:
        keep = uniforms * tf.gather(q, drafted, batch_dims=2) < p_drafted
    accepted = tf.reduce_sum(tf.math.cumprod(tf.cast(keep, tf.int32), axis=1), axis=1)
    p_next = tf.gather(p, accepted, batch_dims=1)  # (batch, codes): p_{a+1}
    q_next = tf.gather(tf.pad(q, [[0, 0], [0, 1], [0, 0]]), accepted, batch_dims=1)  # 0 at k+1
    if greedy:
        return accepted, tf.argmax(p_next, axis=-1, output_type=tf.int32)
    residual = p_next if rule == "resample_from_target" else tf.maximum(p_next - q_next, 0.0)
    return accepted, draw(residual, uniform)


class SpeculativeResult(NamedTuple):
    """What one batch of speculative decoding made, and what it cost."""

    tokens: np.ndarray          # (batch, length) int32 image tokens
    target_passes: np.ndarray   # (batch,) target passes (rounds) each image took; plain: length
    drafted: int                # tokens the draft proposed, all rows
    accepted: int               # of those, how many the target kept
    rounds: int                 # rounds the loop ran (the slowest row's target passes)

    @property
    def acceptance_rate(self) -> float:
        return self.accepted / max(self.drafted, 1)


def _round(target: DigitGPT, draft: Draft, k: int, greedy: bool, rule: str,
           temperature: tf.Tensor, seed: tf.Tensor, round_: tf.Tensor, state: tuple) -> tuple:
    """One round for every row: draft k, verify in one target pass, accept, write down."""
    sequence, n, target_cache, draft_state, passes, drafted_count, accepted_count = state
    batch, length = sequence.shape[0], target.spec.length
    uniforms = tf.random.stateless_uniform([batch, 2 * k + 1], tf.stack([seed, round_]),
                                           alg="philox")  # drafts, acceptance, last token
    active = n < length
    drafted, q, draft_state = propose(draft, sequence, n, draft_state, k, temperature,
                                      None if greedy else uniforms[:, :k])
    window = tf.concat([tf.gather(sequence, n, batch_dims=1)[:, None], drafted], axis=1)
    logits, target_cache = verify.step_tokens(target, window, n, target_cache)
    p = tf.nn.softmax(tf.cast(logits, tf.float32) / temperature, axis=-1)
    accepted, token = accept_reject(p, q, drafted, uniforms[:, k:2 * k], uniforms[:, 2 * k],
                                    greedy=greedy, rule=rule)
    # tokens n+1 .. n+k+1 of the sequence: the kept drafts, then the new token (the rest is
    # overwritten next round before anyone reads it)
    j = tf.range(k + 1)[None]
    new = tf.where(j < accepted[:, None], tf.pad(drafted, [[0, 0], [0, 1]]), token[:, None])
    slots = tf.one_hot(n[:, None] + 1 + j, sequence.shape[1], dtype=tf.int32)  # (b, k+1, S)
    slots *= tf.cast(active, tf.int32)[:, None, None]
    sequence = sequence * (1 - tf.reduce_sum(slots, 1)) + tf.reduce_sum(slots * new[..., None], 1)
    grown = tf.where(active, tf.minimum(n + accepted + 1, length), n)
    live = tf.cast(active, tf.int32)
    return (sequence, grown, target_cache, draft_state, passes + live,
            drafted_count + live * k, accepted_count + live * accepted)


def speculative_loop(target: DigitGPT, draft: Draft, classes: tf.Tensor, temperature: tf.Tensor,
                     seed: tf.Tensor, *, k: int, greedy: bool, rule: str) -> tuple:
    """Rounds until every row has all its tokens: the function XLA compiles."""
    batch, length = classes.shape[0], target.spec.length
    slots = length + k + 2  # class token, the image tokens, k drafts and one more past the end
    sequence = tf.pad(class_token(target.spec, classes)[:, None], [[0, 0], [0, slots - 1]])
    zeros = tf.zeros([batch], tf.int32)
    state = (sequence, zeros, verify.empty_cache(target, batch, slots),
             draft.start(batch, slots), zeros, zeros, zeros)
    _, state = tf.while_loop(
        lambda round_, state: tf.reduce_any(state[1] < length),
        lambda round_, state: (round_ + 1, _round(target, draft, k, greedy, rule, temperature,
                                                  seed, round_, state)),
        (tf.constant(0), state))
    sequence, _, _, _, passes, drafted, accepted = state
    return sequence[:, 1:length + 1], passes, drafted, accepted


def sample_speculative(target: DigitGPT, draft: Draft, classes: int | Sequence[int] | np.ndarray,
                       *, k: int, batch: int | None = None, temperature: float = 1.0,
                       greedy: bool = False, seed: int = 0,
                       rule: str = "exact") -> SpeculativeResult:
    """Digits of ``classes`` (or one class ``batch`` times) from ``target``, drafted ``k``
    tokens at a time by ``draft``. Compiled once per (batch, k, draft kind, greedy, rule)."""
    check_model(target, causal=True)
    if not isinstance(draft, (BigramDraft, GPTDraft)):
        raise TypeError(f"draft: expected a BigramDraft or GPTDraft, got {type(draft).__name__}")
    if (draft.codes, draft.length) != (target.spec.codes, target.spec.length):
        raise ValueError(f"draft: its vocabulary ({draft.codes} codes, {draft.length} tokens) "
                         f"differs from the target's ({target.spec.codes}, {target.spec.length})")
    k = check_int("k", k, minimum=1, maximum=MAX_K)
    temperature = check_number("temperature", temperature, positive=True)
    greedy, rule = check_bool("greedy", greedy), check_choice("rule", rule, RULES)
    labels = common.check_classes(classes, batch)
    name = f"speculative_{draft.kind}_k{k}_{rule}{'_greedy' if greedy else ''}"
    loop = common.compiled(target, name, lambda model, *args: speculative_loop(
        model, *args, k=k, greedy=greedy, rule=rule), jit_compile=True)
    tokens, passes, drafted, accepted = loop(draft, tf.constant(labels),
                                             tf.constant(temperature, tf.float32),
                                             tf.constant(check_seed(seed), tf.int32))
    passes = passes.numpy()
    return SpeculativeResult(tokens.numpy(), passes, int(drafted.numpy().sum()),
                             int(accepted.numpy().sum()), int(passes.max()))
