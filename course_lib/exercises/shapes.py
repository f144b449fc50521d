"""Notebook 02's exercises: draw a centred circle, vectorise a per-image loop, add a new kind.

Each ``check_*`` function runs your function on several cases, compares with the reference
solution (see ``solutions_shapes.py``, shown only on request) and returns a :class:`CheckReport`.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from course_lib.i18n.language import tr
from course_lib.measure import compare
from . import solutions_shapes as reference
from .report import CheckReport, Judge, call_learner, run_cases


class _Wrong(Exception):
    """A result that is wrong in a way worth one sentence."""


def _as_mask(result: Any, shape: tuple[int, ...]) -> np.ndarray:
    """The result as booleans (nonzero = inside); _Wrong if it has the wrong shape."""
    array = np.asarray(result)
    if array.shape != shape:
        raise _Wrong(f"expected an array of shape {shape}, got {array.shape}")
    return array != 0


def _judge_shape(expected: np.ndarray, centre: tuple[float, float], what: str,
                 tolerance: float) -> Judge:
    """A judge that explains a wrong mask: wrong size, empty, off-centre, wrong area or pixels."""
    def judge(result: Any) -> str | None:
        try:
            mask = _as_mask(result, expected.shape)
        except _Wrong as wrong:
            return str(wrong)
        if not mask.any():
            return f"the image is empty: no pixel is inside the {what}"
        ys, xs = np.nonzero(mask)
        got = (xs.mean() + 0.5, ys.mean() + 0.5)  # + 0.5: a pixel's centre, not its corner
        off = math.dist(got, centre)
        if off > 0.5:
            return (f"{what} is {off:.1f} px off-centre: its centre is at "
                    f"({got[0]:.1f}, {got[1]:.1f}), expected ({centre[0]:g}, {centre[1]:g})")
        pixels, area = int(mask.sum()), int(expected.sum())
        if abs(pixels - area) > 0.02 * area:
            size = "too big" if pixels > area else "too small"
            return f"{what} covers {pixels} pixels, expected about {area}: {size}"
        wrong = mask != expected
        away = int((wrong & ~_edge(expected)).sum())
        if away:
            return (f"{away} pixels away from the edge differ from the reference: "
                    f"the {what} has holes or stray pixels")
        if wrong.sum() > tolerance * expected.sum():
            return (f"{int(wrong.sum())} pixels on the edge differ from the reference: "
                    "check which pixels count as inside (their centres, x + 0.5)")
        return None
    return judge


def _edge(mask: np.ndarray) -> np.ndarray:
    """Pixels with a 4-neighbour on the other side of the boundary: where rounding may differ."""
    padded = np.pad(mask, 1, mode="edge")
    neighbours = (padded[:-2, 1:-1], padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:])
    return np.logical_or.reduce([n != mask for n in neighbours])


# --- Exercise 1: a centred circle with NumPy ------------------------------------------------

CIRCLE_CASES = ((64, 20), (64, 31.5), (65, 10.3), (16, 5), (101, 40.25))


def check_centred_circle(learner: Callable[..., Any]) -> CheckReport:
    """Check ``learner(size, radius)``: a (size, size) image, nonzero inside a centred circle."""
    cases = []
    for size, radius in CIRCLE_CASES:
        expected = reference.centred_circle(size, radius)
        judge = _judge_shape(expected, (size / 2, size / 2),
                             f"circle of radius {radius} at size {size}", tolerance=0.01)
        cases.append((f"size {size}, radius {radius}", {"size": size, "radius": radius}, judge))
    return run_cases(tr("Exercise 1: centred circle"), learner, cases)


# --- Exercise 2: vectorise a per-image loop -------------------------------------------------

def rings_loop(centres: np.ndarray, inner: np.ndarray, outer: np.ndarray,
               canvas: int = 64) -> np.ndarray:
    """THE STARTING POINT: one ring per image, a Python loop over images. Vectorise it.

    Pixel (x, y) is in ring i when its centre's distance d from centres[i] has
    inner[i] < d <= outer[i]; in integers, with everything doubled, as in the speed ladder.
    """
    out = np.zeros((len(centres), canvas, canvas), dtype=np.uint8)
    x2 = 2 * np.arange(canvas) + 1
    for i in range(len(centres)):
        d2 = (x2 - 2 * centres[i, 0]) ** 2 + (x2[:, None] - 2 * centres[i, 1]) ** 2
        out[i][(d2 > 4 * inner[i] ** 2) & (d2 <= 4 * outer[i] ** 2)] = 255
    return out


def random_rings(n: int, canvas: int = 64, seed: int = 0) -> dict[str, Any]:
    """Arguments for ``rings_loop``: ``n`` seeded rings with 1 <= inner < outer <= canvas / 2."""
    rng = np.random.default_rng(seed)
    outer = rng.integers(4, canvas // 2 + 1, size=n)
    inner = rng.integers(1, outer - 1)
    centres = rng.integers(outer[:, None], canvas - outer[:, None] + 1, size=(n, 2))
    return {"centres": centres, "inner": inner, "outer": outer, "canvas": canvas}


def _judge_rings(expected: np.ndarray) -> Judge:
    def judge(result: Any) -> str | None:
        try:
            mask = _as_mask(result, expected.shape)
        except _Wrong as wrong:
            return str(wrong)
        bad = np.flatnonzero((mask != (expected != 0)).any(axis=(1, 2)))
        if len(bad):
            first = int(bad[0])
            count = int((mask[first] != (expected[first] != 0)).sum())
            return (f"{len(bad)} of {len(expected)} images differ from rings_loop; the first, "
                    f"image {first}, in {count} pixels")
        return None
    return judge


def check_rings_batch(learner: Callable[..., Any], min_speedup: float = 1.5,
                      speed_batch: int = 2000, speed_canvas: int = 32) -> CheckReport:
    """Check ``learner(centres, inner, outer, canvas)``: same pixels as rings_loop, and faster.

    The speed case uses small images, where the loop's fixed cost per image dominates: that
    cost is exactly what vectorising removes.
    """
    cases = []
    for n, canvas, seed in ((1, 16, 1), (7, 32, 2), (50, 64, 3)):
        args = random_rings(n, canvas, seed)
        name = f"{n} ring{'s' * (n > 1)} on {canvas}x{canvas}"
        cases.append((name, args, _judge_rings(rings_loop(**args))))
    report = run_cases(tr("Exercise 2: vectorised rings"), learner, cases)
    if report.passed:
        args = random_rings(speed_batch, speed_canvas, seed=4)
        what = f"{speed_batch:,} rings of {speed_canvas}x{speed_canvas}"

        def speed() -> str | None:
            # Interleaved rounds, medians: a busy machine slows both alike, not one of them.
            timing = compare({"yours": lambda: call_learner(learner, **args),
                              "rings_loop": lambda: rings_loop(**args)},
                             baseline="rings_loop", repeats=5, progress=False)
            yours, loop = timing.row("yours").median_s, timing.row("rings_loop").median_s
            if timing.speedup("yours") < min_speedup:
                return (f"yours took {yours * 1e3:.1f} ms for {what}, the loop "
                        f"{loop * 1e3:.1f} ms: {loop / yours:.1f}x faster, aim for at least "
                        f"{min_speedup:g}x. Is there still a Python loop over the images?")
            return None
        report.check(f"at least {min_speedup:g}x faster than rings_loop on {what}", speed)
    return report


# --- Exercise 3: a new shape kind, the diamond ----------------------------------------------

DIAMOND_CASES = ((64, (32, 32), 40, 24), (64, (20.5, 40), 30, 44), (48, (24, 24), 47, 47))


def check_diamond(learner: Callable[..., Any]) -> CheckReport:
    """Check ``learner(canvas, center, width, height)``: a (canvas, canvas) filled rhombus."""
    cases = []
    for canvas, center, width, height in DIAMOND_CASES:
        expected = reference.diamond(canvas, center, width, height)
        judge = _judge_shape(expected, center, f"{width}x{height} diamond", tolerance=0.02)
        kwargs = {"canvas": canvas, "center": center, "width": width, "height": height}
        cases.append((f"{width}x{height} at {center} on {canvas}x{canvas}", kwargs, judge))
    return run_cases(tr("Exercise 3: a new kind, the diamond"), learner, cases)
