"""Notebook 01's live experiments: what generating tokens one at a time costs, and what helps.

Each piece backs one claim of the interview answers with a measurement on this machine:

* ``tokens_per_image`` — how long the sequence is that an image becomes;
* ``build_decoder`` — notebook 05's Transformer (``tiny_gpt.DigitGPT``), small and untrained
  (only its cost matters here), causal for a GPT or bidirectional for MaskGIT; notebook 01
  samples it with notebook 05's samplers (one pass per token, or a few passes in all);
* ``ToyAttention`` — one attention layer in NumPy, decoded with and without a KV cache: the
  same tokens, far less work, paid for in memory;
* ``layer_candidates`` and ``layer_per_token`` — one weight matrix applied at several batch
  sizes: why batch-1 decoding of a model too big for the caches is memory-bound and batching
  helps; ``decoding_floor`` — the least time such decoding can take, from the read bandwidth;
* ``speculative_sample`` — the accept/reject rule that keeps the target model's distribution;
* ``budget_table`` — the time per image of each scenario against the course's latency budgets
  (``measure.budgets``, which notebook 08 reads too).

TensorFlow is imported only inside ``build_decoder`` and ``compiled_forward``, so the NumPy
parts (and the exercise checkers that use ``decoding_floor``) import quickly.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from course_lib.checks import (check_array, check_distribution, check_fraction, check_int,
                               check_number, check_seed)
from course_lib.generate.image_tokens import tokens_per_image
from course_lib.measure.budgets import BUDGETS, Budget

if TYPE_CHECKING:
    import pandas as pd

    from course_lib.measure import Comparison
    from course_lib.generate.tiny_gpt import DigitGPT, GPTConfig

# A model call: int32 tokens (batch, length) -> logits (batch, length, vocab).
Forward = Callable[[np.ndarray], Any]


def token_table(sides: Sequence[int], patches: Sequence[int]) -> pd.DataFrame:
    """Tokens per square image: one row per side length, one column per patch size (blank
    where the patch does not divide the side)."""
    import pandas as pd

    return pd.DataFrame(
        {f"patch {p}": [tokens_per_image(s, s, p) if s % p == 0 else None for s in sides]
         for p in patches},
        index=pd.Index([f"{s}×{s}" for s in sides], name="image"),
    ).astype("Int64")


@dataclass(frozen=True)
class DecoderConfig:
    """Shape of the demo Transformer: ``length`` tokens per image, ids 0..vocab-1."""

    vocab: int = 512
    length: int = 64
    width: int = 128
    heads: int = 4
    depth: int = 2

    def __post_init__(self) -> None:
        check_int("vocab", self.vocab, minimum=2)
        for name in ("length", "width", "heads", "depth"):
            check_int(name, getattr(self, name), minimum=1)
        if self.width % self.heads:
            raise ValueError(f"heads: expected a divisor of width {self.width}, got {self.heads}")

    def spec(self, causal: bool = True) -> GPTConfig:
        """The same shape as notebook 05's model configuration (no dropout: nothing trains)."""
        from course_lib.generate.tiny_gpt import GPTConfig

        return GPTConfig(codes=self.vocab, length=self.length, width=self.width,
                         depth=self.depth, heads=self.heads, dropout=0.0, causal=causal)


def build_decoder(config: DecoderConfig, causal: bool = True, seed: int = 0) -> DigitGPT:
    """Notebook 05's pre-norm Transformer at the demo's shape, with random weights.

    ``causal=True`` is a GPT-style decoder (position t sees positions <= t); ``causal=False`` is
    MaskGIT's bidirectional one. Both cost about the same per pass."""
    from course_lib.generate.tiny_gpt import build

    return build(config.spec(causal), seed=check_seed(seed))


def compiled_forward(model: DigitGPT) -> Forward:
    """tokens (batch, length) -> logits (batch, length, vocab), as one XLA-compiled graph (as
    notebook 05's samplers are, so timings compare like with like): every call has the same
    shape, so it traces only once. A bidirectional model also reads a class token
    first (class 0 here), as notebook 05's MaskGIT does."""
    import tensorflow as tf

    if model.spec.causal:
        return tf.function(lambda tokens: model(tokens, training=False), jit_compile=True)
    first = model.spec.codes  # class 0's token id

    def forward(tokens):
        tokens = tf.convert_to_tensor(tokens, tf.int32)
        return model(tf.concat([tf.fill([tf.shape(tokens)[0], 1], first), tokens], axis=1),
                     training=False)

    return tf.function(forward, jit_compile=True)


def causal_leak(forward: Forward, tokens: np.ndarray, position: int,
                vocab: int) -> tuple[float, float]:
    """Change the token at ``position``; return the largest logit change before it and from it.

    A causal decoder must give 0.0 before it (the past cannot see the future) and more than 0
    from it on.
    """
    check_array("tokens", tokens, ndim=2, nonempty=True)
    check_int("vocab", vocab, minimum=2)
    check_int("position", position, minimum=0, maximum=tokens.shape[1] - 1)
    changed = tokens.copy()
    changed[:, position] = (changed[:, position] + 1) % vocab
    delta = np.abs(np.asarray(forward(changed)) - np.asarray(forward(tokens)))
    return float(delta[:, :position].max(initial=0.0)), float(delta[:, position:].max())


@dataclass
class ToyAttention:
    """One causal single-head attention layer with embeddings and an output head, in NumPy.

    Small enough to read in full, so the KV cache is visible: keys and values of past tokens
    never change, so a decoder may keep them instead of recomputing them at every step.
    """

    embed: np.ndarray  # (vocab, width)
    wq: np.ndarray
    wk: np.ndarray
    wv: np.ndarray
    head: np.ndarray  # (width, vocab)

    @classmethod
    def random(cls, vocab: int = 256, width: int = 128, seed: int = 0) -> ToyAttention:
        check_int("vocab", vocab, minimum=1)
        check_int("width", width, minimum=1)
        rng = np.random.default_rng(check_seed(seed))
        scale = 1 / math.sqrt(width)
        mats = [rng.standard_normal((width, width), np.float32) * scale for _ in range(3)]
        return cls(rng.standard_normal((vocab, width), np.float32), *mats,
                   rng.standard_normal((width, vocab), np.float32) * scale)

    def _next(self, q: np.ndarray, keys: np.ndarray, values: np.ndarray) -> int:
        scores = keys @ q / math.sqrt(len(q))
        weights = np.exp(scores - scores.max())
        return int(((weights / weights.sum()) @ values @ self.head).argmax())

    def decode_recompute(self, length: int, start: int = 0) -> np.ndarray:
        """Each step recomputes keys and values of the whole prefix: O(t) matmuls at step t."""
        tokens = [self._check_start(length, start)]
        for _ in range(length):
            x = self.embed[tokens]
            tokens.append(self._next(x[-1] @ self.wq, x @ self.wk, x @ self.wv))
        return np.array(tokens[1:])

    def decode_cached(self, length: int, start: int = 0) -> np.ndarray:
        """Each step computes the new token's key and value only and appends them to the cache."""
        tokens = [self._check_start(length, start)]
        keys, values = (np.empty((length, self.wk.shape[1]), np.float32) for _ in range(2))
        for t in range(length):
            x = self.embed[tokens[-1]]
            keys[t], values[t] = x @ self.wk, x @ self.wv
            tokens.append(self._next(x @ self.wq, keys[:t + 1], values[:t + 1]))
        return np.array(tokens[1:])

    def _check_start(self, length: int, start: int) -> int:
        check_int("length", length, minimum=1)
        return check_int("start", start, minimum=0, maximum=len(self.embed) - 1)

    def cache_bytes(self, length: int) -> int:
        """Memory the cache holds after ``length`` tokens: a key and a value per token."""
        check_int("length", length, minimum=0)
        return 2 * length * self.wk.shape[1] * self.wk.itemsize


def layer_candidates(weights: np.ndarray, batches: Mapping[str, int],
                     seed: int = 0) -> dict[str, Callable[[], np.ndarray]]:
    """``x @ weights`` for each batch size, ready for ``measure.compare``.

    Batch 1 is a plain vector, so NumPy uses its matrix-vector routine, as a decoder would; a
    (1, width) matrix would go through the matrix-matrix routine, which is slower for it.
    """
    check_array("weights", weights, ndim=2, nonempty=True)
    for name, batch in batches.items():
        check_int(f"batches[{name!r}]", batch, minimum=1)
    rng = np.random.default_rng(check_seed(seed))
    width = weights.shape[0]
    inputs = {name: rng.standard_normal((batch, width) if batch > 1 else width, np.float32)
              for name, batch in batches.items()}
    return {name: (lambda x=x: x @ weights) for name, x in inputs.items()}


def layer_per_token(comparison: Comparison, weights: np.ndarray, batches: Mapping[str, int],
                    bandwidth_gbs: float, matmul_gflops: float) -> pd.DataFrame:
    """Per-token time, memory traffic and arithmetic of ``x @ weights`` timed at several batch
    sizes (``batches`` maps each candidate's name to its batch), as shares of this machine's
    measured bandwidth and compute."""
    import pandas as pd

    check_number("bandwidth_gbs", bandwidth_gbs, positive=True)
    check_number("matmul_gflops", matmul_gflops, positive=True)
    rows = []
    for name, batch in batches.items():
        seconds = comparison.row(name).median_s
        moved = weights.nbytes + 2 * batch * weights.shape[0] * weights.itemsize  # W, x, out
        flops = 2 * batch * weights.size
        rows.append({"batch": batch, "ms per call": seconds * 1e3,
                     "µs per token": seconds / batch * 1e6, "FLOP per byte": flops / moved,
                     "GB/s": moved / seconds / 1e9, "GFLOP/s": flops / seconds / 1e9,
                     "share of bandwidth": moved / seconds / (bandwidth_gbs * 1e9),
                     "share of compute": flops / seconds / (matmul_gflops * 1e9)})
    return pd.DataFrame(rows).set_index("batch")


def decoding_floor(parameters: float, bits_per_weight: float, read_gbs: float,
                   tokens: int) -> tuple[float, float]:
    """The least time batch-1 decoding can take, ``(seconds per token, seconds per image)``.

    Every step reads every weight once, so a token costs the weights' bytes (``bits / 8`` per
    weight) over the read bandwidth (``read_gbs``, 10⁹ bytes per second), and an image that
    many times over. A floor only: the KV cache, activations and overheads come on top, and a
    model that fits in the caches is not held to it at all."""
    check_number("parameters", parameters, positive=True)
    check_number("bits_per_weight", bits_per_weight, positive=True)
    check_number("read_gbs", read_gbs, positive=True)
    check_int("tokens", tokens, minimum=1)
    per_token = parameters * bits_per_weight / 8 / (read_gbs * 1e9)
    return per_token, per_token * tokens


def example_distributions(vocab: int = 16, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A peaked next-token distribution (the target's) and a noisy copy of it (the draft's)."""
    check_int("vocab", vocab, minimum=2)
    rng = np.random.default_rng(check_seed(seed))
    logits = 1.5 * rng.standard_normal(vocab)
    target, draft = np.exp(logits), np.exp(logits + 0.7 * rng.standard_normal(vocab))
    return target / target.sum(), draft / draft.sum()


def _check_distributions(target: object, draft: object) -> None:
    """Both are next-token distributions over the same vocabulary: 1-D, finite, >= 0, sum 1."""
    for name, value in (("target", target), ("draft", draft)):
        check_distribution(name, value)
    if target.shape != draft.shape:
        raise ValueError(f"draft: expected the target's shape {target.shape}, got {draft.shape}")


def acceptance_rate(target: np.ndarray, draft: np.ndarray) -> float:
    """Chance that speculative sampling accepts a draft token: sum of min(p, q)."""
    _check_distributions(target, draft)
    return float(np.minimum(target, draft).sum())


def speculative_sample(target: np.ndarray, draft: np.ndarray, size: int,
                       rng: np.random.Generator) -> np.ndarray:
    """``size`` draws by speculative sampling's rule: draw x from the draft q, keep it with
    probability min(1, p(x)/q(x)), else draw from the leftover max(p - q, 0), renormalised.
    The result is distributed exactly as the target p, whatever the draft is."""
    _check_distributions(target, draft)
    check_int("size", size, minimum=1)
    _check_rng(rng)
    proposed = rng.choice(len(draft), size=size, p=draft)
    keep = rng.random(size) < np.minimum(1.0, target[proposed] / draft[proposed])
    leftover = np.maximum(target - draft, 0.0)
    if not leftover.any():  # the draft is the target: every proposal is kept
        return proposed
    fallback = rng.choice(len(target), size=size, p=leftover / leftover.sum())
    return np.where(keep, proposed, fallback)


def expected_tokens_per_pass(alpha: float, drafted: int) -> float:
    """Tokens one target pass yields when ``drafted`` are proposed, each accepted with
    probability ``alpha``: (1 - alpha^(k+1)) / (1 - alpha) (Leviathan et al., 2023)."""
    check_fraction("alpha", alpha, include_one=True)
    check_int("drafted", drafted, minimum=0)
    return float(drafted + 1) if alpha == 1 else (1 - alpha ** (drafted + 1)) / (1 - alpha)


def tokens_per_pass_simulated(alpha: float, drafted: int, trials: int,
                              rng: np.random.Generator) -> float:
    """The same by simulation: accepted drafts up to the first rejection, plus the one token the
    target pass always adds (the correction, or the next token when all are accepted)."""
    check_fraction("alpha", alpha, include_one=True)
    check_int("drafted", drafted, minimum=0)
    check_int("trials", trials, minimum=1)
    _check_rng(rng)
    accepted = rng.random((trials, drafted)) < alpha
    run = np.where(accepted.all(1), drafted, accepted.argmin(1))
    return float(run.mean() + 1)


def _check_rng(rng: object) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng: expected a NumPy Generator (np.random.default_rng(seed)), got "
                        f"{type(rng).__name__}")


def budget_table(scenarios: Mapping[str, tuple[int, float]],
                 budgets: Sequence[Budget] = BUDGETS) -> pd.DataFrame:
    """Time per image of each scenario, ``name -> (sequential passes, seconds per pass)``,
    against latency budgets (``measure.budgets.BUDGETS`` unless given): a column per budget,
    labelled by its name, holds how many budgets one image takes (1 or less: it fits)."""
    import pandas as pd

    for budget in budgets:
        if not isinstance(budget, Budget):
            raise TypeError(f"budgets: expected measure.budgets.Budget items, got "
                            f"{type(budget).__name__}")
    rows = []
    for name, (passes, seconds) in scenarios.items():
        check_int(f"scenarios[{name!r}] passes", passes, minimum=1)
        check_number(f"scenarios[{name!r}] seconds", seconds, positive=True)
        image_ms = passes * seconds * 1e3
        rows.append({"scenario": name, "passes": passes, "ms per pass": seconds * 1e3,
                     "ms per image": image_ms,
                     **{budget.name: image_ms / budget.ms for budget in budgets}})
    return pd.DataFrame(rows).set_index("scenario")
