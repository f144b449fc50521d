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


def prune_by_magnitude(weights: np.ndarray, sparsity: float) -> np.ndarray:
    """A copy of ``weights`` with the ``round(sparsity * size)`` smallest |w| set to zero."""
    drop = round(sparsity * weights.size)
    order = np.argsort(np.abs(weights), axis=None)   # flat indices, smallest magnitude first
    pruned = weights.copy()                          # never change the caller's array
    pruned.flat[order[:drop]] = 0
    return pruned


def smallest_variant(table, min_accuracy: float = 0.99) -> str | None:
    """The name of the smallest variant (by ``size_bytes``) with accuracy >= ``min_accuracy``,
    or None when no variant is accurate enough."""
    good = table[table["accuracy"] >= min_accuracy]
    if good.empty:
        return None
    return str(good.loc[good["size_bytes"].idxmin(), "name"])
