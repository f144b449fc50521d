"""Reference solutions for notebook 06's exercises (shown only on request)."""

import numpy as np

from course_lib.checks import check_distribution, check_fraction, check_int, check_number


def acceptance_probability(p, q, token):
    p, q = check_distribution("p", p), check_distribution("q", q)
    if p.shape != q.shape:
        raise ValueError(f"q: expected p's shape {p.shape}, got {q.shape}")
    token = check_int("token", token, minimum=0, maximum=len(q) - 1)
    if q[token] == 0:
        raise ValueError(f"token: the draft gives token {token} probability 0, so it never "
                         "proposes it")
    # Keep a drafted token with probability p/q, capped at 1: where the draft under-proposes a
    # token (p > q) it is always kept; where it over-proposes, only the target's share is kept.
    return min(1.0, p[token] / q[token])


def residual(p, q):
    p, q = check_distribution("p", p), check_distribution("q", q)
    if p.shape != q.shape:
        raise ValueError(f"q: expected p's shape {p.shape}, got {q.shape}")
    # After a rejection, draw from what the kept drafts left short of the target: max(0, p - q).
    leftover = np.maximum(p - q, 0.0)
    if leftover.sum() == 0:  # p == q: nothing is ever rejected, so this is never drawn from
        return p
    return leftover / leftover.sum()


def predict_ms_per_token(parameters, bytes_per_weight, batch, bandwidth_gbs, peak_gflops):
    for name, value in (("parameters", parameters), ("bytes_per_weight", bytes_per_weight),
                        ("bandwidth_gbs", bandwidth_gbs), ("peak_gflops", peak_gflops)):
        check_number(name, value, positive=True)
    check_int("batch", batch, minimum=1)
    # One decode step: every weight is read once, whatever the batch (the rows share it) ...
    memory_s = parameters * bytes_per_weight / (bandwidth_gbs * 1e9)  # GB: 10^9 bytes
    # ... and every row does a multiply-add (2 FLOPs) with every weight. KV cache left out.
    compute_s = 2 * parameters * batch / (peak_gflops * 1e9)
    return max(memory_s, compute_s) * 1e3  # the slower of the two limits, in milliseconds


def expected_tokens_per_round(alpha, k):
    alpha = check_fraction("alpha", alpha, include_one=True)
    k = check_int("k", k, minimum=0)
    # 1 + alpha + ... + alpha^k: the i-th drafted token survives with probability alpha^i, and
    # the target's pass always adds one token (the correction, or a bonus after k accepted).
    if alpha == 1:
        return float(k + 1)  # the limit of the geometric sum: every draft is kept
    return (1 - alpha ** (k + 1)) / (1 - alpha)


def best_k(alpha, draft_cost, max_k=16):
    alpha = check_fraction("alpha", alpha, include_one=True)
    draft_cost = check_number("draft_cost", draft_cost)
    max_k = check_int("max_k", max_k, minimum=1)
    # A round costs k draft passes and one target pass, in units of the target's pass.
    def tokens_per_cost(k):
        return expected_tokens_per_round(alpha, k) / (k * draft_cost + 1)
    return max(range(1, max_k + 1), key=tokens_per_cost)  # the first k on a tie
