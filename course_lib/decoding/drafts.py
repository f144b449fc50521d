"""Cheap drafts for speculative decoding: they guess the target's next tokens, one at a time.

A draft only has to be cheap and often right: the accept/reject rule
(``course_lib.decoding.speculative``) makes the output follow the target's distribution whatever
the draft proposes. Both drafts answer the same two questions inside the compiled loop:

    first(sequence, n, state)        logits of image token n, given the sequence so far
    next(token, position, state)     logits after ``token``, which sits at ``position``

and ``propose`` turns them into k drafted tokens and the distributions q they were drawn from.

    BigramDraft  q(token_t | previous id, t): a per-position bigram table counted on training
                 digits (the previous id is the class token at t = 0). No network at all.
    GPTDraft     a 1-layer DigitGPT with its own KV cache (``data/digit_draft_gpt.npz``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import tensorflow as tf

from course_lib import config, files
from course_lib.checks import check_array, check_number
from course_lib.decoding import verify
from course_lib.generate.image_tokens import Tokenizer
from course_lib.generate.tiny_gpt import DigitGPT, check_model, load
from course_lib.mnist.data import NUM_CLASSES

DRAFT_PATH = config.DATA_DIR / "digit_draft_gpt.npz"
DRAFT_SCRIPT = "scripts/train_digit_draft_gpt.py"
BIGRAM_ALPHA = 0.01  # add-alpha: unseen pairs keep a small chance; 0.1 flattened q (fewer kept)


class BigramDraft:
    """Per-position bigram table: ``log_probs[t, previous id, token]``, (length, vocab_in,
    codes) float32, stored flat as (length * vocab_in, codes). For the shipped GPT that is
    49 x 522 x 512 x 4 bytes, about 52 MB: held in a ``tf.Variable``, so the compiled loop
    reads it instead of baking it into the program as a constant. Log-probabilities: the
    drafts' ``first``/``next`` return logits (log-probs are logits), like the GPT draft."""

    kind = "bigram"

    def __init__(self, log_probs: np.ndarray) -> None:
        table = check_array("log_probs", log_probs, ndim=3, finite=True)
        self.length, self.vocab_in, self.codes = table.shape
        self.log_probs = tf.Variable(table.reshape(-1, self.codes).astype(np.float32),
                                     trainable=False)  # (length * vocab_in, codes)

    @classmethod
    def fit(cls, tokens: np.ndarray, labels: np.ndarray, codes: int,
            alpha: float = BIGRAM_ALPHA) -> "BigramDraft":
        """Count (position, previous id, token) over training ``tokens`` (n, length) with
        class ``labels`` (n,), add ``alpha`` to every count, normalise: seconds for 30k digits."""
        tokens = check_array("tokens", tokens, ndim=2, nonempty=True).astype(np.int64)
        labels = np.asarray(labels, np.int64)
        if labels.shape != (len(tokens),):
            raise ValueError(f"labels: expected shape ({len(tokens)},), got {labels.shape}")
        alpha = check_number("alpha", alpha, positive=True)
        length, vocab_in = tokens.shape[1], codes + NUM_CLASSES
        previous = np.concatenate([codes + labels[:, None], tokens[:, :-1]], axis=1)
        index = (np.arange(length)[None] * vocab_in + previous) * codes + tokens
        counts = np.bincount(index.ravel(), minlength=length * vocab_in * codes)
        counts = counts.reshape(length, vocab_in, codes).astype(np.float32) + alpha
        return cls(np.log(counts / counts.sum(axis=-1, keepdims=True)))

    def start(self, batch: int, slots: int) -> tuple:
        """The loop state a bigram needs: none."""
        return ()

    def _row(self, position: tf.Tensor, previous: tf.Tensor) -> tf.Tensor:
        t = tf.minimum(position, self.length - 1)  # drafts past the last token are discarded
        return tf.gather(self.log_probs, t * self.vocab_in + previous)

    def first(self, sequence: tf.Tensor, n: tf.Tensor, state: tuple) -> tuple[tf.Tensor, tuple]:
        """The row after the last known id (the class token at n = 0), at position n."""
        previous = tf.gather(sequence, n, batch_dims=1)
        return self._row(n, previous), state

    def next(self, token: tf.Tensor, position: tf.Tensor, state: tuple) -> tuple[tf.Tensor, tuple]:
        return self._row(position, token), state


class GPTDraft:
    """A small causal ``DigitGPT`` as the draft, with its own cache. Each round it re-feeds the
    last TWO known tokens (positions n-1 and n) in one ``verify.step_tokens`` pass, so its cache
    is right whatever the target accepted last round, then drafts with one-token passes."""

    kind = "gpt"

    def __init__(self, model: DigitGPT) -> None:
        self.model = check_model(model, causal=True)
        self.codes, self.length = model.spec.codes, model.spec.length

    def start(self, batch: int, slots: int) -> Any:
        return verify.empty_cache(self.model, batch, slots)

    def first(self, sequence: tf.Tensor, n: tf.Tensor, cache: Any) -> tuple[tf.Tensor, Any]:
        """At n = 0 the first input sits at position -1: it writes nothing, and only the class
        token's logits (the second input's) are used."""
        last_two = tf.gather(sequence, tf.stack([tf.maximum(n - 1, 0), n], axis=1),
                             batch_dims=1)
        logits, cache = verify.step_tokens(self.model, last_two, n - 1, cache)
        return logits[:, 1], cache

    def next(self, token: tf.Tensor, position: tf.Tensor, cache: Any) -> tuple[tf.Tensor, Any]:
        logits, cache = verify.step_tokens(self.model, token[:, None], position, cache)
        return logits[:, 0], cache


Draft = BigramDraft | GPTDraft


def draw(probs: tf.Tensor, uniforms: tf.Tensor) -> tf.Tensor:
    """One token per row from ``probs`` (..., codes), non-negative, not necessarily normalised,
    by inverting its cumulative sum at ``uniforms`` (...) in [0, 1): one random number per
    token (Gumbel-max would need one per code, and random numbers are dear inside XLA on CPU)."""
    cumulative = tf.cumsum(probs, axis=-1)
    below = cumulative <= uniforms[..., None] * cumulative[..., -1:]  # zero-mass codes skipped
    return tf.minimum(tf.reduce_sum(tf.cast(below, tf.int32), axis=-1), probs.shape[-1] - 1)


def propose(draft: Draft, sequence: tf.Tensor, n: tf.Tensor, state: Any, k: int,
            temperature: tf.Tensor, uniforms: tf.Tensor | None
            ) -> tuple[tf.Tensor, tf.Tensor, Any]:
    """k drafted tokens (batch, k) after the last known token ``sequence[b, n[b]]``, the
    distributions q (batch, k, codes) they were drawn from, and the draft's new state.
    ``uniforms`` (batch, k) draw the tokens from q; None drafts greedily (argmax)."""
    logits, state = draft.first(sequence, n, state)
    drafted, q = [], []
    for j in range(k):
        if j:
            logits, state = draft.next(drafted[-1], n + j, state)
        q.append(tf.nn.softmax(tf.cast(logits, tf.float32) / temperature, axis=-1))
        drafted.append(tf.argmax(q[-1], axis=-1, output_type=tf.int32) if uniforms is None
                       else draw(q[-1], uniforms[:, j]))
    return tf.stack(drafted, axis=1), tf.stack(q, axis=1), state


def fit_bigram_draft(tokenizer: Tokenizer, images: int | None = None) -> BigramDraft:
    """The bigram draft counted on the first ``images`` training digits (30k in full mode, 5k
    in quick mode), tokenized with the target's own ``tokenizer``."""
    from course_lib.mnist.splits import load_splits

    images = config.pick(quick=5000, full=30000) if images is None else images
    train, _ = load_splits(train_size=images)
    return BigramDraft.fit(tokenizer.encode(train.x), train.y, len(tokenizer.codebook))


def load_draft_gpt() -> tuple[DigitGPT, Tokenizer]:
    """The 1-layer draft GPT shipped in ``data/`` (``data/digit_draft_gpt.json`` says how it
    was made), with its tokenizer (the target's codebook)."""
    return files.load_shipped(load, DRAFT_PATH, DRAFT_SCRIPT)
