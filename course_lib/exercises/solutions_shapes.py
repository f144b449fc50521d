"""Reference solutions for notebook 02's exercises. Try the exercise first!

Shown on request with ``show_solution("centred_circle")``; the checkers compare against them.
"""

from __future__ import annotations

import numpy as np


def centred_circle(size: int, radius: float) -> np.ndarray:
    """A (size, size) boolean image: pixels whose centre is within ``radius`` of the middle."""
    middle = size / 2
    centres = np.arange(size) + 0.5            # pixel centres along one axis
    dx = centres - middle                      # (size,): one row of x offsets
    dy = (centres - middle)[:, None]           # (size, 1): one column of y offsets
    return dx ** 2 + dy ** 2 <= radius ** 2    # broadcasting makes the (size, size) image


def rings_batch(centres: np.ndarray, inner: np.ndarray, outer: np.ndarray,
                canvas: int = 64) -> np.ndarray:
    """All rings at once: the loop's image index becomes a leading array axis.

    int32 rather than NumPy's default int64 halves the bytes every full-size step moves.
    """
    x2 = 2 * np.arange(canvas, dtype=np.int32) + 1              # doubled pixel centres
    c2 = 2 * centres.astype(np.int32)
    dx, dy = x2 - c2[:, 0, None], x2 - c2[:, 1, None]           # (N, W) and (N, H)
    d2 = dy[:, :, None] ** 2 + dx[:, None, :] ** 2              # (N, H, W) doubled distance²
    lo = 4 * inner.astype(np.int32)[:, None, None] ** 2
    hi = 4 * outer.astype(np.int32)[:, None, None] ** 2
    return ((d2 > lo) & (d2 <= hi)).astype(np.uint8) * 255


def diamond(canvas: int, center: tuple[float, float], width: float, height: float) -> np.ndarray:
    """A (canvas, canvas) boolean diamond (rhombus): |dx| / (w/2) + |dy| / (h/2) <= 1."""
    centres = np.arange(canvas) + 0.5
    dx = np.abs(centres - center[0]) / (width / 2)
    dy = np.abs(centres - center[1])[:, None] / (height / 2)
    return dx + dy <= 1
