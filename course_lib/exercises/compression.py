"""Checkers for notebook 04: int8 by hand, pruning whole channels, counting a variant's cost.

Each ``check_*`` function runs your function on several cases and returns a
:class:`CheckReport` saying, case by case and in plain words, what is right and what is not.
"""

from __future__ import annotations

import numbers
from typing import Any, Callable

import numpy as np

from course_lib.i18n.language import tr
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
    return run_cases(tr("Exercise 1 — int8 by hand"), learner, cases)


# --- Exercise 2: prune whole channels -----------------------------------------------------

def _channel_norms(kernel: np.ndarray) -> np.ndarray:
    return np.sqrt((kernel.astype(np.float64).reshape(-1, kernel.shape[-1]) ** 2).sum(axis=0))


def _norm_traps() -> np.ndarray:
    """Eight channels only the L2 norm ranks right: one large weight (L2 3.0, 3.1), 256 of
    ±0.15 (L2 2.4), 256 of ±0.25 (L2 4.0) and one larger weight (L2 3.5, 3.6). Ranking by the
    sum of |w| would prune the single weights; by the largest |w|, the many small ones."""
    signs = np.sign(np.random.default_rng(6).normal(size=(256, 4)))
    kernel = np.zeros((256, 8), dtype=np.float32)
    kernel[0, [0, 1, 6, 7]] = [3.0, -3.1, 3.5, -3.6]
    kernel[:, 2:4], kernel[:, 4:6] = 0.15 * signs[:, :2], 0.25 * signs[:, 2:]
    return kernel


def _cancelling() -> np.ndarray:
    """Large channels whose weights sum to about 0, beside small one-signed ones."""
    rng = np.random.default_rng(7)
    big = rng.normal(0, 1, (40, 3))
    big = np.concatenate([big, -big])            # sums to 0, norm large
    small = np.abs(rng.normal(0, 0.05, (80, 3)))  # all positive, norm small
    return np.concatenate([big, small], axis=1).astype(np.float32)


def _channel_cases() -> list[tuple[str, np.ndarray, float]]:
    rng = np.random.default_rng(5)
    return [("dense kernel (64, 32) to 50%", rng.normal(0, 0.1, (64, 32)).astype(np.float32), 0.5),
            ("conv kernel (3, 3, 16, 32) to 25%",
             rng.normal(0, 0.1, (3, 3, 16, 32)).astype(np.float32), 0.25),
            ("L2 norm, not the largest |w| nor the sum of |w|, 50%", _norm_traps(), 0.5),
            ("weights that cancel out, 50%", _cancelling(), 0.5),
            ("sparsity 0: nothing pruned", rng.normal(0, 1, (10, 10)).astype(np.float32), 0.0)]


def _judge_channels(kernel: np.ndarray, sparsity: float, given: np.ndarray) -> Judge:
    channels = kernel.shape[-1]
    drop = round(sparsity * channels)
    norms = _channel_norms(kernel)

    def judge(result: Any) -> str | None:
        if not np.array_equal(given, kernel):
            return "your function changed the array it was given: prune a copy"
        pruned = np.asarray(result)
        if pruned.shape != kernel.shape:
            return f"expected shape {kernel.shape}, got {pruned.shape}"
        dead = ~pruned.reshape(-1, channels).any(axis=0)
        if dead.sum() != drop:
            return (f"{int(dead.sum())} whole output channels (last axis) are zero, expected "
                    f"round({sparsity} x {channels}) = {drop}: zero entire channels "
                    f"(kernel[..., c] = 0), not single weights or input channels")
        if not np.array_equal(pruned[..., ~dead], kernel[..., ~dead]):
            return "some weights of the channels that were kept have changed: leave them alone"
        if drop and norms[dead].max() > norms[~dead].min():
            return ("a channel was removed while one with a smaller L2 norm was kept: rank the "
                    "channels by sqrt(sum of w²) over all their weights, not by a signed sum, "
                    "a sum of |w| or one weight")
        return None

    return judge


def check_prune_channels(learner: Callable[..., Any]) -> CheckReport:
    """``learner(kernel, sparsity)``: a copy with the weakest output channels set to 0."""
    cases = []
    for name, kernel, sparsity in _channel_cases():
        given = kernel.copy()
        cases.append((name, {"kernel": given, "sparsity": sparsity},
                      _judge_channels(kernel, sparsity, given)))
    return run_cases(tr("Exercise 2 — prune whole channels"), learner, cases)


# --- Exercise 3: what a variant costs per image -------------------------------------------

def _conv(kernel: tuple, output_hw: tuple, dtype: str = "float32", **more: Any) -> dict:
    return {"kernel": kernel, "output_hw": output_hw, "dtype": dtype, **more}


def _dense(kernel: tuple, dtype: str = "float32", **more: Any) -> dict:
    return {"kernel": kernel, "dtype": dtype, **more}


def _cost_cases() -> list[tuple[str, list[dict], str]]:
    """(case, layers, what it tests): each case adds one thing a count can get wrong."""
    small = [_conv((3, 3, 1, 8), (28, 28)), _conv((3, 3, 8, 16), (14, 14)),
             _dense((7 * 7 * 16, 32)), _dense((32, 10))]
    return [
        ("one dense layer, float32", [_dense((784, 10))],
         "a dense layer does one multiply-add per weight; every output channel has a bias"),
        ("two convolutions and two dense layers, float32", small,
         "a convolution's filter runs at every output pixel: multiply by height x width"),
        ("the same, int8", [dict(layer, dtype="int8") for layer in small],
         "int8 weights need one float32 scale per output channel, and their biases stay 32-bit"),
        ("the same, float16", [dict(layer, dtype="float16") for layer in small],
         "float16 weights and biases take 2 bytes each"),
        ("80% of single weights zeroed", [dict(layer, zeros=0.8) for layer in small],
         "zeros stored in a dense kernel are still read and multiplied: nothing changes"),
        ("half of the second convolution's filters removed",
         [small[0], dict(small[1], removed=8), *small[2:]],
         "removing output channels shrinks this layer and the inputs of the next one"),
        ("int8, filters removed and zeros together",
         [_conv((3, 3, 1, 8), (28, 28), "int8", removed=2), _conv((3, 3, 8, 16), (14, 14), "int8",
                                                                  zeros=0.5, removed=4),
          _dense((7 * 7 * 16, 32), "int8", zeros=0.9), _dense((32, 10), "int8")],
         "everything at once"),
    ]


def check_variant_cost(learner: Callable[..., Any]) -> CheckReport:
    """``learner(layers) -> (weight_bytes, macs)`` per image, judged against the reference."""
    cases = []
    for name, layers, lesson in _cost_cases():
        expected = reference.variant_cost(layers)

        def judge(result: Any, expected: tuple = expected, lesson: str = lesson) -> str | None:
            if not isinstance(result, tuple) or len(result) != 2 or not all(
                    isinstance(value, numbers.Real) for value in result):
                return f"expected a tuple of two numbers (weight_bytes, macs), got {result!r}"
            got = tuple(result)
            if got == expected:
                return None
            parts = [f"{what} {value:,} (expected {want:,})" for what, value, want in
                     zip(("weight bytes", "multiply-adds"), got, expected) if value != want]
            return f"{'; '.join(parts)}. This case checks: {lesson}"

        cases.append((name, {"layers": [dict(layer) for layer in layers]}, judge))
    return run_cases(tr("Exercise 3 — what a variant costs per image"), learner, cases)


def layer_specs(model: Any, dtype: str = "float32") -> list[dict]:
    """Exercise 3's description of a Keras model's Conv2D and Dense layers, all in ``dtype``."""
    import keras

    specs = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            specs.append(_conv(tuple(layer.kernel.shape), tuple(layer.output.shape[1:3]), dtype))
        elif isinstance(layer, keras.layers.Dense):
            specs.append(_dense(tuple(layer.kernel.shape), dtype))
    return specs
