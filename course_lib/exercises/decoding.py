"""Checkers for notebook 06: speculative decoding's accept/reject rule, the roofline's time per
token, and how many tokens to draft.

Exercise 1 is judged the way the rule is proven (Leviathan et al. 2023; Chen et al. 2023): the
distribution of the token one step outputs, computed exactly from the learner's two functions,
must equal the target's ``p`` for many pairs (p, q). Exercises 2 and 3 are arithmetic: each known
wrong answer (seconds for ms, GiB for GB, the sum of the two limits...) is named in the report.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable

import numpy as np

from course_lib.i18n.language import tr
from course_lib.interview.decode_demo import expected_tokens_per_pass
from course_lib.measure.machine import MachineLimits
from course_lib.measure.roofline import predicted_seconds
from .report import CheckReport, LearnerError, call_learner, combine, one_number, run_cases

TOLERANCE = 1e-6  # probabilities and token counts: exact arithmetic, so only rounding differs
MS_TOLERANCE = 0.01  # times within 1%: rounding, not a different method
def _vector(values: np.ndarray) -> str:
    return np.array2string(np.asarray(values, np.float64), precision=3, suppress_small=True)


# ---- Exercise 1: the accept/reject rule ------------------------------------------------------

def output_distribution(acceptance_probability: Callable, residual: Callable, p: np.ndarray,
                        q: np.ndarray) -> np.ndarray:
    """The exact distribution of the token one speculative step outputs: y comes out when the
    draft proposes y and keeps it (``q(y) a(y)``), or when a proposal is rejected and y is drawn
    from the residual. It equals the target's ``p`` for every p and q iff the rule is right."""
    keep = [one_number(call_learner(acceptance_probability, p=p.copy(), q=q.copy(), token=token))
            if q[token] > 0 else 0.0 for token in range(len(p))]  # never proposed: never kept
    kept = q * np.array(keep)  # proposed AND kept
    rejected = 1.0 - kept.sum()
    if abs(rejected) <= 1e-12:
        return kept  # nothing is ever rejected, so the residual is never drawn from
    drawn = np.asarray(call_learner(residual, p=p.copy(), q=q.copy()), np.float64)
    if drawn.shape != p.shape:
        raise LearnerError(f"residual returned shape {drawn.shape}, expected {p.shape}")
    return kept + rejected * drawn


def _matches_target(acceptance_probability: Callable, residual: Callable,
                    pairs: list[tuple[np.ndarray, np.ndarray]]) -> Callable[[], str | None]:
    def test() -> str | None:
        for p, q in pairs:
            out = output_distribution(acceptance_probability, residual, p, q)
            if not np.allclose(out, p, atol=TOLERANCE, rtol=0):
                worst = int(np.argmax(np.abs(out - p)))
                return ((f"p = {_vector(p)}, q = {_vector(q)}: your rule outputs {_vector(out)}, "
                         "not p" if len(p) <= 8 else f"over {len(p)} tokens, your rule's output "
                         "is not p") + f"; token {worst} comes out with probability "
                        f"{out[worst]:.3f}, the target gives it {p[worst]:.3f}")
        return None
    return test


def _random_distribution(rng: np.random.Generator, vocab: int, zeros: bool = False) -> np.ndarray:
    values = rng.dirichlet(np.full(vocab, rng.choice([0.1, 1.0, 10.0]))) + 1e-9
    if zeros:  # some tokens impossible, at least one possible
        values[rng.permutation(vocab)[:rng.integers(1, vocab)]] = 0.0
    return values / values.sum()


def distribution_pairs(seed: int = 6) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Named groups of (p, q) pairs the output distribution must equal p on."""
    rng = np.random.default_rng(seed)
    sizes = [2, 3, 5, 10, 50]

    def draw(n: int, zeros: bool = False) -> np.ndarray:
        return _random_distribution(rng, n, zeros)

    return {"q == p (a perfect draft: every proposal is kept)": [(p, p.copy()) for p in
                                                                 map(draw, sizes)],
            "p one-hot (a greedy target)": [(np.eye(n)[rng.integers(n)], draw(n)) for n in sizes],
            "disjoint supports (every proposal is rejected)": [
                (np.array([0.5, 0.5, 0, 0]), np.array([0, 0, 0.3, 0.7]))],
            "q has zeros where p has mass (the draft never proposes some tokens)": [
                (draw(n), draw(n, True)) for n in sizes * 2],
            "60 random pairs over 2-30 tokens": [
                (draw(n, bool(rng.integers(2))), draw(n, bool(rng.integers(2))))
                for n in rng.integers(2, 31, size=60)]}


def _judge_acceptance(p: np.ndarray, q: np.ndarray, token: int) -> Callable[[object], str | None]:
    expected = min(1.0, p[token] / q[token])

    def judge(result: object) -> str | None:
        got = one_number(result)
        if math.isclose(got, expected, abs_tol=TOLERANCE):
            return None
        if got > 1 + TOLERANCE:
            return (f"got {got:.3g}, but a probability cannot exceed 1: p/q > 1 means the draft "
                    "proposes this token less often than the target makes it, so always keep "
                    "it: min(1, p/q)")
        if p[token] > 0 and math.isclose(got, min(1.0, q[token] / p[token]), abs_tol=TOLERANCE):
            return f"got {got:.3g}, which is q/p: keep with probability p/q"
        return f"expected {expected:.3g}, got {got:.3g}"
    return judge


def _judge_residual(p: np.ndarray, q: np.ndarray) -> Callable[[object], str | None]:
    leftover = np.maximum(p - q, 0.0)
    expected = leftover / leftover.sum() if leftover.sum() > 0 else p

    def judge(result: object) -> str | None:
        got = np.asarray(result, np.float64)
        if got.shape != p.shape:
            return f"expected shape {p.shape}, got {got.shape}"
        if np.allclose(got, expected, atol=TOLERANCE, rtol=0):
            return None
        if not leftover.any():
            return (f"got {_vector(got)}: p == q leaves nothing over (max(0, p - q) is all "
                    "zeros, and 0/0 is NaN); return p, the stated convention: the residual is "
                    "never drawn from here, since every proposal is kept")
        if got.min() < -TOLERANCE:
            return (f"got {_vector(got)}: negative entries; p - q is negative where the draft "
                    "over-proposes: clip at 0 with max(0, p - q) before normalising")
        if not math.isclose(got.sum(), 1.0, abs_tol=TOLERANCE):
            return f"got {_vector(got)}, which sums to {got.sum():.4g}: normalise it"
        if np.allclose(got, p, atol=TOLERANCE, rtol=0):
            return ("that is p itself; after a rejection draw from what the kept proposals "
                    "left short of p: max(0, p - q), normalised")
        return f"expected {_vector(expected)}, got {_vector(got)}"
    return judge


ACCEPT_CASES = [  # (what it shows, p, q, token)
    ("q == p: every proposal is kept", [0.2, 0.5, 0.3], [0.2, 0.5, 0.3], 1),
    ("p > q: the draft under-proposes token 1, so it is always kept", [0.2, 0.8], [0.5, 0.5], 1),
    ("p < q: token 0 is kept with probability 0.2 / 0.5", [0.2, 0.8], [0.5, 0.5], 0),
    ("p = 0: the target never makes token 2: always rejected", [0.6, 0.4, 0], [0.3, 0.3, 0.4], 2)]
RESIDUAL_CASES = [  # (what it shows, p, q)
    ("p = [0.2, 0.8], q = [0.5, 0.5]", [0.2, 0.8], [0.5, 0.5]),
    ("p = [0.5, 0.3, 0.2], q = [0.2, 0.2, 0.6]", [0.5, 0.3, 0.2], [0.2, 0.2, 0.6]),
    ("the draft never proposes token 2", [0.25, 0.25, 0.5], [0.5, 0.5, 0.0]),
    ("disjoint supports: the residual is p", [0.5, 0.5, 0, 0], [0, 0, 0.3, 0.7]),
    ("p == q: nothing left over; return p (never drawn from)", [0.1, 0.6, 0.3], [0.1, 0.6, 0.3])]


def check_accept_reject(acceptance_probability: Callable, residual: Callable) -> CheckReport:
    """Exercise 1: ``acceptance_probability(p, q, token)`` and ``residual(p, q)`` on hand-made
    and random cases; then the distribution of the output token, computed exactly from both,
    must equal the target's p on every pair of ``distribution_pairs``."""
    rng = np.random.default_rng(5)
    accept = [(name, np.array(p, float), np.array(q, float), t) for name, p, q, t in ACCEPT_CASES]
    leftover = [(name, np.array(p, float), np.array(q, float)) for name, p, q in RESIDUAL_CASES]
    for n in (4, 12, 30):
        p, q = _random_distribution(rng, n), _random_distribution(rng, n)
        accept += [(f"random p, q over {n} tokens, token {t}", p, q, int(t))
                   for t in rng.choice(n, size=2, replace=False)]
        leftover.append((f"random p, q over {n} tokens", _random_distribution(rng, n, True), q))
    report = combine(tr("Exercise 1 — the accept/reject rule"), {
        "acceptance_probability": run_cases("", acceptance_probability, [
            (name, dict(p=p.copy(), q=q.copy(), token=t), _judge_acceptance(p, q, t))
            for name, p, q, t in accept]),
        "residual": run_cases("", residual, [(name, dict(p=p.copy(), q=q.copy()),
                                              _judge_residual(p, q)) for name, p, q in leftover])})
    if report.unwritten:
        return report  # the output distribution needs both functions
    for name, pairs in distribution_pairs().items():
        report.check(f"output distribution == p: {name}",
                     _matches_target(acceptance_probability, residual, pairs))
    return report


# ---- Exercise 2: time per token from bytes and bandwidth -------------------------------------

# (what it is, parameters, bytes per weight, batch, read GB/s, peak GFLOP/s). The H100 figures:
# 3,350 GB/s HBM3 and 989 TFLOP/s dense bf16 (NVIDIA's H100 SXM datasheet).
TIME_CASES = [
    ("100M float32 weights, batch 1 (memory-bound)", 100e6, 4, 1, 12.5, 100.0),
    ("the same weights in int8: a quarter of the bytes", 100e6, 1, 1, 12.5, 100.0),
    ("batch 4: the rows share each weight read", 100e6, 4, 4, 12.5, 100.0),
    ("batch 256 (compute-bound)", 100e6, 4, 256, 12.5, 100.0),
    ("7B in bf16 on an H100, batch 1", 7e9, 2, 1, 3_350, 989_000.0),
    ("the same at batch 1,024 (compute-bound)", 7e9, 2, 1_024, 3_350, 989_000.0),
]


def _judge_time(parameters: float, bytes_per_weight: float, batch: int, bandwidth_gbs: float,
                peak_gflops: float) -> Callable[[object], str | None]:
    # The roofline's least time (weights read once per step, shared by the batch; 2 FLOPs per
    # weight per row; KV cache left out), and each of its two limits alone.
    limits = MachineLimits(peak_gflops, bandwidth_gbs)
    flops, weight_bytes = 2 * parameters * batch, parameters * bytes_per_weight
    expected, memory, compute = (predicted_seconds(limits, f, b) * 1e3 for f, b in
                                 ((flops, weight_bytes), (0, weight_bytes), (flops, 0)))
    gib = 2**30 / 1e9
    mistakes = [  # (what a known mistake returns, what it is)
        (expected / 1e3, "that is seconds: multiply by 1e3 for milliseconds"),
        *[(max(memory * factor, compute), "GB/s means 10^9 bytes per second, not 2^30 (GiB)")
          for factor in (gib, 1 / gib)],
        (memory + compute, "that is the sum of the two limits; reading and computing overlap, "
                           "so the least time is the larger of the two"),
        *[(max(memory * factor, compute), "bytes_per_weight is already in bytes: no factor "
           "of 8") for factor in (8, 1 / 8)],
        (max(memory * batch, compute), "the weights are read once per step and shared by the "
                                       "whole batch, not once per row"),
        (max(memory, compute / 2), "a multiply-add is 2 FLOPs: 2 x parameters x batch"),
        (memory, f"that is the time to read the weights; at batch {batch} the arithmetic takes "
                 f"longer ({compute:.4g} ms), and the least time is the larger of the two"),
        (compute, f"that is the arithmetic's time; reading the weights takes longer "
                  f"({memory:.4g} ms), and the least time is the larger of the two"),
    ]

    def judge(result: object) -> str | None:
        got = one_number(result)
        if math.isclose(got, expected, rel_tol=MS_TOLERANCE):
            return None
        for value, what in mistakes:
            if math.isclose(got, value, rel_tol=MS_TOLERANCE) and \
                    not math.isclose(value, expected, rel_tol=MS_TOLERANCE):
                return f"got {got:.4g} ms, expected {expected:.4g} ms: {what}"
        return f"got {got:.4g} ms, expected {expected:.4g} ms"
    return judge


def check_predict_ms_per_token(predict_ms_per_token: Callable,
                               limits: MachineLimits | None = None) -> CheckReport:
    """Exercise 2: ``predict_ms_per_token(parameters, bytes_per_weight, batch, bandwidth_gbs,
    peak_gflops)`` against the roofline, in both regimes; with ``limits`` (this machine's
    ``measure_limits()``) also at this machine's figures, batch 1 and 256."""
    cases = list(TIME_CASES)
    if limits is not None and not isinstance(limits, MachineLimits):
        raise TypeError(f"limits: expected MachineLimits (machine.measure_limits()), got "
                        f"{type(limits).__name__}")
    if limits is not None:
        figures = f"{limits.bandwidth_gbs:.3g} GB/s, {limits.matmul_gflops:.3g} GFLOP/s"
        cases += [(f"this machine ({figures}), 100M float32 weights, batch {batch}", 100e6, 4,
                   batch, limits.bandwidth_gbs, limits.matmul_gflops) for batch in (1, 256)]
    return combine(tr("Exercise 2 — time per token from bytes and bandwidth"), {
        "predict_ms_per_token": run_cases("", predict_ms_per_token, [
            (name, dict(parameters=n, bytes_per_weight=b, batch=k, bandwidth_gbs=g,
                        peak_gflops=f), _judge_time(n, b, k, g, f))
            for name, n, b, k, g, f in cases])})


# ---- Exercise 3: how many tokens to draft ----------------------------------------------------

TOKENS_CASES = [(0.0, 4), (0.5, 1), (0.64, 4), (0.9, 8), (0.3, 0), (1.0, 5), (0.999999, 3)]
# (what it is, alpha, draft cost in target passes, max_k)
K_CASES = [
    ("alpha = 0: every proposal rejected, so draft the fewest allowed", 0.0, 0.05, 16),
    ("alpha = 0.64 and a draft at 1/20 of a target pass", 0.64, 0.05, 16),
    ("alpha = 0.95 and a cheap draft (1/100 of a target pass)", 0.95, 0.01, 16),
    ("the same with max_k = 4", 0.95, 0.01, 4),
    ("alpha = 0.8 and an expensive draft (half a target pass)", 0.8, 0.5, 16),
    ("alpha = 1 and a cheap draft: every proposal kept", 1.0, 0.05, 16),
    ("a draft as costly as the target (speculation cannot pay)", 0.7, 1.0, 16),
]


def tokens_per_cost(alpha: float, draft_cost: float, k: int) -> float:
    """Expected tokens per round over its cost in target passes (k drafts and one target)."""
    return expected_tokens_per_pass(alpha, k) / (k * draft_cost + 1)


def _best(max_k: int, value: Callable[[int], float]) -> int:
    return max(range(1, max_k + 1), key=value)  # the first k on a tie


def _judge_tokens(alpha: float, k: int) -> Callable[[object], str | None]:
    expected = expected_tokens_per_pass(alpha, k)
    mistakes = [(expected_tokens_per_pass(alpha, max(k - 1, 0)),
                 "one term short; the target's pass always adds a token (the correction after a "
                 "rejection, or a bonus after all k are kept): 1 + alpha + ... + alpha^k"),
                (1 + k * alpha, "1 + k alpha counts every proposal on its own, but one after a "
                 "rejection is thrown away: the i-th is kept only if all before it are "
                 "(probability alpha^i)")]

    def judge(result: object) -> str | None:
        got = one_number(result)
        if math.isclose(got, expected, rel_tol=TOLERANCE):
            return None
        known = [what for value, what in mistakes if math.isclose(got, value, rel_tol=TOLERANCE)]
        return f"got {got:.4g}, expected {expected:.4g}" + "".join(f": {w}" for w in known[:1])
    return judge


def _judge_k(alpha: float, draft_cost: float, max_k: int,
             table: list[dict[str, object]]) -> Callable[[object], str | None]:
    best = _best(max_k, lambda k: tokens_per_cost(alpha, draft_cost, k))
    best_value = tokens_per_cost(alpha, draft_cost, best)
    greedy = _best(max_k, lambda k: expected_tokens_per_pass(alpha, k))
    free = _best(max_k, lambda k: expected_tokens_per_pass(alpha, k) / (k * draft_cost or 1))
    row = {"alpha": alpha, "draft cost": draft_cost, "max_k": max_k, "your k": None,
           "best k": best, "your tokens per cost": math.nan, "best tokens per cost": best_value}
    table.append(row)

    def judge(result: object) -> str | None:
        row["your k"] = result
        if isinstance(result, bool) or not isinstance(result, numbers.Integral) \
                or not 1 <= result <= max_k:
            return f"expected an integer k in 1..{max_k}, got {result!r}"
        row["your tokens per cost"] = value = tokens_per_cost(alpha, draft_cost, int(result))
        if value >= best_value * (1 - 1e-9):  # any k tied with the best is right
            return None
        return (f"k = {result} gives {value:.4g} tokens per target pass of cost; k = {best} "
                f"gives {best_value:.4g}" +
                ("; that maximises tokens per round, ignoring what k drafts cost"
                 if result == greedy else "; a round's cost includes the target's own pass: "
                 "k x draft_cost + 1" if result == free else ""))
    return judge


def check_best_k(expected_tokens_per_round: Callable, best_k: Callable) -> CheckReport:
    """Exercise 3: ``expected_tokens_per_round(alpha, k)`` against the geometric sum (alpha = 1
    included), and ``best_k(alpha, draft_cost, max_k)`` against the k that makes the most
    tokens per unit of cost; ``details["choices"]`` tables the learner's k beside the best."""
    import pandas as pd

    table: list[dict[str, object]] = []
    report = combine(tr("Exercise 3 — choosing k"), {
        "expected_tokens_per_round": run_cases("", expected_tokens_per_round, [
            (f"alpha = {a}, k = {k}", dict(alpha=a, k=k), _judge_tokens(a, k))
            for a, k in TOKENS_CASES]),
        "best_k": run_cases("", best_k, [(name, dict(alpha=a, draft_cost=c, max_k=m),
                                          _judge_k(a, c, m, table)) for name, a, c, m in K_CASES])})
    report.details["choices"] = pd.DataFrame(table).convert_dtypes()  # k stays an integer
    return report
