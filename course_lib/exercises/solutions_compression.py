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


BYTES = {"float32": 4, "float16": 2, "int8": 1}


def variant_cost(layers: list[dict]) -> tuple[int, int]:
    """(bytes of weights a batch-1 call reads, multiply-adds per image) for a stack of layers."""
    total_bytes = total_macs = 0
    kept_before = 1.0                       # share of the previous layer's output channels kept
    for layer in layers:
        *inputs, channels = layer["kernel"]
        channels -= layer.get("removed", 0)             # structured: whole filters are gone...
        inputs[-1] = round(inputs[-1] * kept_before)    # ...and the next layer's inputs with them
        kept_before = channels / layer["kernel"][-1]
        per_filter = int(np.prod(inputs))               # "zeros" change nothing: still stored
        height, width = layer.get("output_hw", (1, 1))  # a conv filter runs at every output pixel
        total_macs += height * width * per_filter * channels
        size = BYTES[layer["dtype"]]
        scales = 4 * channels if layer["dtype"] == "int8" else 0   # one float32 per channel
        bias = channels * (4 if layer["dtype"] == "int8" else size)  # int8 keeps 32-bit biases
        total_bytes += per_filter * channels * size + scales + bias
    return total_bytes, total_macs
