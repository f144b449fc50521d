"""Checkers for notebook 01: the batch-1 decoding floor, and the number for the interview.

Both judge arithmetic, so each wrong answer is recognised by the mistake that produces it
(bits taken for bytes, GiB for GB, milliseconds for seconds, the weights read once per image
instead of once per token, pixels per patch side instead of per patch) and named in the report.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping

from course_lib.checks import check_number
from course_lib.i18n.language import tr
from course_lib.interview.decode_demo import decoding_floor
from .report import CheckReport, run_cases

# (what it is, parameters, bits per weight, read GB/s, tokens per image)
FLOOR_CASES = [
    ("1B parameters in bf16, 2,000 GB/s, a 256-token image", 1e9, 16, 2_000, 256),
    ("7B in fp16 on an H100 (3,350 GB/s), 576 tokens (384×384 at f = 16)", 7e9, 16, 3_350, 576),
    ("the same 7B model with 4-bit weights", 7e9, 4, 3_350, 576),
    ("7B in int8 on a laptop (20 GB/s), 1,024 tokens (256×256 at f = 8)", 7e9, 8, 20, 1_024),
    ("notebook 05's GPT (734,208 float32 weights), 50 GB/s, 49 tokens", 734_208, 32, 50, 49),
]
# The interview question: a 7B model, a 384×384 image in 16×16 patches, one token at a time.
INTERVIEW_PARAMETERS, INTERVIEW_SIDE, INTERVIEW_PATCH = 7e9, 384, 16
H100_GBS = 3_350
ESTIMATE_KEYS = {"this machine, bf16": (16, None), "H100, bf16": (16, H100_GBS),
                 "H100, 4-bit": (4, H100_GBS)}  # key -> (bits per weight, GB/s; None: read_gbs)
TOLERANCE = 0.02  # estimates within 2%: rounding, not a different method


def _close(value: float, expected: float) -> bool:
    return math.isclose(value, expected, rel_tol=TOLERANCE)


def _seconds(value: object, what: str) -> float:
    """The learner's number as a float; anything else is reported as the case's failure."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise TypeError(f"{what}: expected a number of seconds, got {value!r}")
    return float(value)


def _diagnose(got: float, expected: float, tokens: int) -> str:
    """Name the mistake that turns the right number into ``got``, if it is a known one."""
    known = [(8, "bits taken for bytes: a weight of b bits is b / 8 bytes"),
             (1 / 8, "divided by 8 twice: bits / 8 gives bytes once"),
             (1e3, "milliseconds, not seconds"), (1e-3, "1,000x too small: GB/s is 10^9 bytes per second, and "
                                                       "the answer is in seconds"),
             (1e9 / 2**30, "GB/s means 10^9 bytes per second here, not 2^30"),
             (2**30 / 1e9, "GB/s means 10^9 bytes per second here, not 2^30"),
             (1 / tokens, "the weights are read once per token, not once per image: "
                          "multiply the time per token by the tokens"),
             (tokens, "that is the whole image's time; per token is one read of the weights")]
    for factor, message in known:
        if _close(got, expected * factor):
            return f"got {got:.4g}, expected {expected:.4g}: {message}"
    return f"got {got:.4g} s, expected {expected:.4g} s"


def _judge_floor(parameters: float, bits: int, read_gbs: float,
                 tokens: int) -> Callable[[object], str | None]:
    per_token, per_image = decoding_floor(parameters, bits, read_gbs, tokens)

    def judge(result: object) -> str | None:
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            return f"expected a pair (seconds per token, seconds per image), got {result!r}"
        got_token = _seconds(result[0], "seconds per token")
        got_image = _seconds(result[1], "seconds per image")
        if _close(got_token, per_image) and _close(got_image, per_token):
            return "the two are swapped: return (per token, per image)"
        if not _close(got_token, per_token):
            return "per token: " + _diagnose(got_token, per_token, tokens)
        if not _close(got_image, per_image):
            return "per image: " + _diagnose(got_image, per_image, tokens)
        return None

    return judge


def check_decoding_floor(decoding_floor_fn: Callable[..., tuple[float, float]]) -> CheckReport:
    """Run the learner's ``decoding_floor(parameters, bits_per_weight, read_gbs, tokens)``."""
    return run_cases(
        "Exercise 1 — the batch-1 decoding floor", decoding_floor_fn,
        [(name, {"parameters": p, "bits_per_weight": b, "read_gbs": g, "tokens": t},
          _judge_floor(p, b, g, t)) for name, p, b, g, t in FLOOR_CASES])


def expected_estimates(read_gbs: float) -> dict[str, float]:
    """The seconds per image each estimate of Exercise 3 should come to."""
    tokens = (INTERVIEW_SIDE // INTERVIEW_PATCH) ** 2
    return {key: decoding_floor(INTERVIEW_PARAMETERS, bits, gbs or read_gbs, tokens)[1]
            for key, (bits, gbs) in ESTIMATE_KEYS.items()}


def _judge_estimates(read_gbs: float) -> Callable[[object], str | None]:
    expected = expected_estimates(read_gbs)
    tokens = (INTERVIEW_SIDE // INTERVIEW_PATCH) ** 2
    pixel_tokens = INTERVIEW_SIDE * INTERVIEW_SIDE // INTERVIEW_PATCH

    def judge(result: object) -> str | None:
        if not isinstance(result, Mapping) or set(result) != set(expected):
            got = sorted(result) if isinstance(result, Mapping) else type(result).__name__
            return f"expected a dict with the keys {sorted(expected)}, got {got}"
        problems = []
        for key, want in expected.items():
            got = _seconds(result[key], key)
            if _close(got, want):
                continue
            if _close(got, want / tokens * pixel_tokens):
                problems.append(f"{key}: {got:.4g} s counts {pixel_tokens:,} tokens; a 16×16 "
                                f"patch covers 256 pixels, so 384×384 is {tokens} tokens")
            else:
                problems.append(f"{key}: " + _diagnose(got, want, tokens))
        return "; ".join(problems) or None

    return judge


def check_image_estimates(image_estimates: Callable[[float], Mapping[str, float]],
                          read_gbs: float) -> CheckReport:
    """Run the learner's ``image_estimates(read_gbs)`` at this machine's read bandwidth and at
    two others (so a number typed in, instead of computed, fails)."""
    check_number("read_gbs", read_gbs, positive=True)
    bandwidths = {f"this machine ({read_gbs:.1f} GB/s read)": read_gbs,
                  "a laptop at 20 GB/s": 20.0, "a workstation at 200 GB/s": 200.0}
    return run_cases(tr("Exercise 3 — a number for the interview"), image_estimates,
                     [(name, {"read_gbs": gbs}, _judge_estimates(gbs))
                      for name, gbs in bandwidths.items()])
