"""Checkers for notebook 04: int8 by hand, magnitude pruning, picking a variant from a table.

Each ``check_*`` function runs your function on several cases and returns a
:class:`CheckReport` saying, case by case and in plain words, what is right and what is not.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from . import solutions_compression as reference
from .report import CheckReport, Judge, run_cases

# --- Exercise 1: quantize a tensor to int8 by hand -----------------------------------------


def _int8_tensors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(4)
    with_zeros = rng.normal(0, 0.1, (50, 40)).astype(np.float32)
    with_zeros[rng.random(with_zeros.shape) < 0.5] = 0  # a pruned kernel
    return {
        "dense kernel (256, 128), normal weights": rng.normal(0, 0.05, (256, 128)).astype(np.float32),
        "ReLU outputs: all >= 0": rng.uniform(0, 6, (1000,)).astype(np.float32),
        "all negative": -rng.uniform(0.5, 2, (30, 30)).astype(np.float32),
        "half zeros (a pruned kernel)": with_zeros,
        "all zeros": np.zeros((8, 8), dtype=np.float32),
    }


def _judge_int8(x: np.ndarray) -> Judge:
    lo, hi = min(float(x.min()), 0.0), max(float(x.max()), 0.0)
    best = (hi - lo) / 255

    def judge(result: Any) -> str | None:
        if not isinstance(result, tuple) or len(result) != 3:
            return "expected a tuple (q, scale, zero_point)"
        q, scale, zero_point = result
        q = np.asarray(q)
        if q.dtype != np.int8 or q.shape != x.shape:
            return f"q: expected an int8 array of shape {x.shape}, got {q.dtype} {q.shape}"
        if not np.isfinite(scale) or scale <= 0:
            return f"scale: expected a positive number, got {scale!r}"
        if int(zero_point) != zero_point or not -128 <= zero_point <= 127:
            return f"zero_point: expected an integer in -128..127, got {zero_point!r}"
        back = (q.astype(np.float64) - zero_point) * scale
        error = float(np.abs(back - x).max())
        if error > scale / 2 * (1 + 1e-5) + 1e-12:
            return (f"the round trip is off by up to {error:.3g}, more than scale / 2 = "
                    f"{scale / 2:.3g}: are values clipped, or rounded the wrong way?")
        if best and scale > best * 1.001:
            return (f"scale {scale:.3g} is {scale / best:.2f}x the smallest that covers the "
                    f"range ({best:.3g}): you are wasting integer levels")
        if (back[x == 0] != 0).any():
            return "0.0 does not come back exactly as 0.0: zero_point should be the integer for 0"
        return None

    return judge


def check_quantize_int8(learner: Callable[..., Any]) -> CheckReport:
    """``learner(x) -> (q, scale, zero_point)``: int8 q with |dequantized - x| <= scale / 2."""
    cases = [(name, {"x": x.copy()}, _judge_int8(x)) for name, x in _int8_tensors().items()]
    return run_cases("Exercise 1 — int8 by hand", learner, cases)


# --- Exercise 2: prune a layer by magnitude ------------------------------------------------

def _prune_cases() -> list[tuple[str, np.ndarray, float]]:
    rng = np.random.default_rng(5)
    signed = rng.normal(0, 1, 200).astype(np.float32)
    signed[:20] = -5 - rng.random(20)  # the largest weights are negative: keep them
    return [("dense kernel (64, 32) to 50%", rng.normal(0, 0.1, (64, 32)).astype(np.float32), 0.5),
            ("conv kernel (3, 3, 16, 32) to 50%",
             rng.normal(0, 0.1, (3, 3, 16, 32)).astype(np.float32), 0.5),
            ("big negative weights, 50%", signed, 0.5),
            ("vector to 80%", rng.normal(0, 1, 101).astype(np.float32), 0.8),
            ("sparsity 0: nothing pruned", rng.normal(0, 1, (10, 10)).astype(np.float32), 0.0)]


def _judge_pruned(weights: np.ndarray, sparsity: float, given: np.ndarray) -> Judge:
    drop = round(sparsity * weights.size)

    def judge(result: Any) -> str | None:
        if not np.array_equal(given, weights):
            return "your function changed the array it was given: prune a copy"
        pruned = np.asarray(result)
        if pruned.shape != weights.shape:
            return f"expected shape {weights.shape}, got {pruned.shape}"
        zeros = pruned == 0
        if zeros.sum() != drop:
            return f"{int(zeros.sum())} zeros, expected round({sparsity} x {weights.size}) = {drop}"
        if not np.array_equal(pruned[~zeros], weights[~zeros]):
            return "some weights that were kept have changed: only set the pruned ones to 0"
        if drop and np.abs(weights[zeros]).max() > np.abs(weights[~zeros]).min():
            return ("a weight was pruned while a smaller one (in magnitude) was kept: "
                    "compare np.abs(weights), not the signed values")
        return None

    return judge


def check_prune_by_magnitude(learner: Callable[..., Any]) -> CheckReport:
    """``learner(weights, sparsity)``: a copy with the smallest-magnitude share set to 0."""
    cases = []
    for name, weights, sparsity in _prune_cases():
        given = weights.copy()
        cases.append((name, {"weights": given, "sparsity": sparsity},
                      _judge_pruned(weights, sparsity, given)))
    return run_cases("Exercise 2 — prune by magnitude", learner, cases)


# --- Exercise 3: the smallest variant that is accurate enough ------------------------------

def variant_table(seed: int, rows: int = 7) -> Any:
    """A made-up comparison table in the notebook's format: name, size_bytes, gzip_bytes,
    accuracy. Sizes and gzip sizes rank differently, as real ones can."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    size = rng.choice(np.arange(200_000, 4_000_000, 1_000), rows, replace=False)
    return pd.DataFrame({"name": [f"variant {chr(65 + i)}" for i in range(rows)],
                         "size_bytes": size,
                         "gzip_bytes": (size * rng.uniform(0.2, 1.0, rows)).astype(int),
                         "accuracy": np.round(rng.uniform(0.975, 0.997, rows), 4)})


def _exact_threshold_table() -> Any:
    table = variant_table(7)
    table.loc[table["size_bytes"].idxmin(), "accuracy"] = 0.99  # exactly on the threshold
    return table


def check_smallest_variant(learner: Callable[..., Any]) -> CheckReport:
    """``learner(table, min_accuracy)``: the name of the smallest accurate-enough variant."""
    tables = [("a table of 7 variants, 99%", variant_table(4), 0.99),
              ("another table, 99.5%", variant_table(7), 0.995),
              ("the smallest is exactly 99.00%", _exact_threshold_table(), 0.99),
              ("nobody reaches 99.8%", variant_table(3), 0.998)]
    cases = []
    for name, table, min_accuracy in tables:
        expected = reference.smallest_variant(table, min_accuracy)

        def judge(result: Any, expected: str | None = expected) -> str | None:
            if result == expected:
                return None
            return f"expected {expected!r}, got {result!r}"

        cases.append((name, {"table": table.copy(), "min_accuracy": min_accuracy}, judge))
    return run_cases("Exercise 3 — the smallest variant that keeps the accuracy", learner, cases)
