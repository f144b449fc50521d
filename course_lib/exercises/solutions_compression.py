"""Reference solutions for notebook 04's exercises. Try the exercise first!

Shown on request with ``show_solution("quantize_int8")``; the checkers compare against them.
"""

from __future__ import annotations

import numpy as np


def quantize_int8(x: np.ndarray) -> tuple[np.ndarray, float, int]:
    """Affine int8: the range [min(x, 0), max(x, 0)] spread over the 256 integers -128..127."""
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)   # 0 must be in the range
    scale = (hi - lo) / 255 or 1.0                                 # float step per integer step
    zero_point = int(round(-128 - lo / scale))                     # the integer that means 0.0
    q = np.clip(np.round(x / scale) + zero_point, -128, 127).astype(np.int8)
    return q, scale, zero_point


def prune_channels(kernel: np.ndarray, sparsity: float) -> np.ndarray:
    """A copy of ``kernel`` with the ``round(sparsity * channels)`` output channels (last axis)
    of smallest L2 norm set to zero: structured pruning, which makes the layer narrower."""
    channels = kernel.shape[-1]
    norms = np.sqrt((kernel.reshape(-1, channels) ** 2).sum(axis=0))  # one per output channel
    weakest = np.argsort(norms)[:round(sparsity * channels)]
    pruned = kernel.copy()                                            # never change the caller's
    pruned[..., weakest] = 0
    return pruned


def smallest_variant(table, min_accuracy: float = 0.99) -> str | None:
    """The name of the smallest variant (by ``size_bytes``) with accuracy >= ``min_accuracy``,
    or None when no variant is accurate enough."""
    good = table[table["accuracy"] >= min_accuracy]
    if good.empty:
        return None
    return str(good.loc[good["size_bytes"].idxmin(), "name"])
