"""Are two samplers' tokens the same distribution? A two-sample chi-square test per position.

Speculative decoding claims its output is distributed exactly as the target's. Greedy output
can be compared token by token; sampled output only statistically: for each chosen image-token
position, count how often each token appears in sample A and in sample B, and ask whether one
distribution explains both columns of that 2 x tokens table (Pearson's chi-square test of
homogeneity). Tokens too rare for the test (expected count < 5) are pooled into one "other"
column. The positions' statistics are SUMMED into one test (independent positions' chi-squares
add, and so do their degrees of freedom), so one p-value answers for all the positions; the
per-position p-values are kept too. There is no SciPy here: ``chi2_sf`` computes the survival
function from the regularized upper incomplete gamma function.
"""

from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import numpy as np

from course_lib.checks import check_array, check_int, check_number

MIN_EXPECTED = 5.0  # the textbook rule: every cell's expected count at least 5


def _lower_series(a: float, x: float) -> float:
    """P(a, x), the regularized LOWER incomplete gamma, by its power series (x < a + 1)."""
    term = total = 1.0 / a
    for n in range(1, 1000):
        term *= x / (a + n)
        total += term
        if abs(term) < abs(total) * 1e-15:
            break
    return total * math.exp(-x + a * math.log(x) - math.lgamma(a))


def _upper_fraction(a: float, x: float) -> float:
    """Q(a, x), the regularized UPPER incomplete gamma, by Lentz's continued fraction
    (x >= a + 1; Numerical Recipes 6.2)."""
    tiny = 1e-300
    b = x + 1.0 - a
    c, d = 1.0 / tiny, 1.0 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = tiny if abs(d) < tiny else d
        c = b + an / c
        c = tiny if abs(c) < tiny else c
        d = 1.0 / d
        h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h * math.exp(-x + a * math.log(x) - math.lgamma(a))


def chi2_sf(statistic: float, dof: int) -> float:
    """P(X >= statistic) for X chi-square with ``dof`` degrees of freedom: the p-value."""
    statistic = check_number("statistic", statistic)
    dof = check_int("dof", dof, minimum=1)
    a, x = dof / 2.0, statistic / 2.0
    if x == 0:
        return 1.0
    return 1.0 - _lower_series(a, x) if x < a + 1 else _upper_fraction(a, x)


class Test(NamedTuple):
    """A summed two-sample chi-square test over several positions."""

    statistic: float               # sum over positions
    dof: int                       # sum over positions
    p_value: float                 # chi2_sf(statistic, dof)
    positions: tuple[int, ...]     # the image-token positions tested
    statistics: tuple[float, ...]  # per position
    dofs: tuple[int, ...]          # per position
    p_values: tuple[float, ...]    # per position


def contingency(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """2 x columns table of token counts in samples ``a`` and ``b`` (1-D), tokens whose
    expected count would fall under 5 pooled into the last column (itself merged into the
    rarest other column while it is still too small)."""
    tokens, counts = np.unique(np.concatenate([a, b]), return_counts=True)
    table = np.stack([(a[:, None] == tokens).sum(0), (b[:, None] == tokens).sum(0)])
    share = min(len(a), len(b)) / (len(a) + len(b))  # the smaller row's share of each column
    common = counts * share >= MIN_EXPECTED
    table = table[:, np.argsort(~common, kind="stable")]  # common tokens first, by id
    kept = max(int(common.sum()), 1)
    pooled = table[:, kept:].sum(axis=1)
    table = table[:, :kept]
    if pooled.sum() * share >= MIN_EXPECTED:
        return np.concatenate([table, pooled[:, None]], axis=1)
    rarest = int(table.sum(0).argmin())
    table[:, rarest] += pooled
    return table


def chi_square(table: np.ndarray) -> tuple[float, int]:
    """Pearson's statistic and degrees of freedom of a 2 x columns table (one column: 0, 1)."""
    if table.shape[1] < 2:
        return 0.0, 1
    expected = table.sum(1, keepdims=True) * table.sum(0, keepdims=True) / table.sum()
    return float(((table - expected) ** 2 / expected).sum()), table.shape[1] - 1


def two_sample_chi_square(tokens_a: np.ndarray, tokens_b: np.ndarray,
                          positions: Sequence[int]) -> Test:
    """Could samples ``tokens_a`` and ``tokens_b`` (n, length) of image tokens come from one
    distribution? Tested at each of ``positions``, the statistics summed (see the module)."""
    tokens_a = check_array("tokens_a", tokens_a, ndim=2, nonempty=True)
    tokens_b = check_array("tokens_b", tokens_b, ndim=2, nonempty=True)
    if tokens_a.shape[1] != tokens_b.shape[1]:
        raise ValueError(f"tokens_b: expected {tokens_a.shape[1]} tokens per image like "
                         f"tokens_a, got {tokens_b.shape[1]}")
    positions = tuple(check_int("positions", t, minimum=0, maximum=tokens_a.shape[1] - 1)
                      for t in positions)
    if not positions:
        raise ValueError("positions: expected at least one position")
    tests = [chi_square(contingency(tokens_a[:, t], tokens_b[:, t])) for t in positions]
    statistic, dof = sum(s for s, _ in tests), sum(d for _, d in tests)
    return Test(statistic, dof, chi2_sf(statistic, dof), positions,
                tuple(s for s, _ in tests), tuple(d for _, d in tests),
                tuple(chi2_sf(s, d) for s, d in tests))
