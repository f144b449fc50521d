"""Why the GPT is trained without label smoothing: what a smoothed target does to sampling.

Keras's ``label_smoothing=epsilon`` trains against ``(1 - epsilon) * one_hot + epsilon / codes``:
every one of the ``codes`` tokens gets ``epsilon / codes``, so the wrong ones together get
``epsilon * (codes - 1) / codes``. A classifier only takes the argmax and never notices. A
sampler at temperature 1.0 draws from the whole distribution, and an image is many draws: the
chance that at least one of its tokens comes from that uniform tail (a random patch) grows with
every token. Pure arithmetic on the target; no training needed to see the mechanism.
"""

from __future__ import annotations

import numpy as np

from course_lib.checks import check_array, check_fraction, check_int, check_number


def tail_of_smoothed_target(epsilon: float, codes: int) -> float:
    """Probability a smoothed target puts on the wrong tokens of one position, together:
    ``epsilon * (codes - 1) / codes`` (what a model that learned the target exactly samples)."""
    epsilon = check_fraction("epsilon", epsilon)
    codes = check_int("codes", codes, minimum=2)
    return epsilon * (codes - 1) / codes


def chance_of_any_tail_token(tail: float, tokens: int) -> float:
    """Chance that at least one of ``tokens`` independent draws lands in a ``tail`` of
    probability ``tail`` each: ``1 - (1 - tail) ** tokens``."""
    tail = check_fraction("tail", tail)
    tokens = check_int("tokens", tokens, minimum=1)
    return 1.0 - (1.0 - tail) ** tokens


def mass_outside_top_k(logits: np.ndarray, k: int, temperature: float = 1.0) -> np.ndarray:
    """Per row of ``logits`` (..., codes): the probability ``softmax(logits / temperature)``
    puts outside its ``k`` largest entries, i.e. what top-k sampling cuts off."""
    logits = check_array("logits", logits, finite=True, nonempty=True).astype(np.float64)
    k = check_int("k", k, minimum=1, maximum=logits.shape[-1])
    scaled = logits / check_number("temperature", temperature, positive=True)
    probabilities = np.exp(scaled - scaled.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    top = np.sort(probabilities, axis=-1)[..., -k:].sum(axis=-1)
    return np.clip(1.0 - top, 0.0, 1.0)
