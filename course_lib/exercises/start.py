"""Checkers for notebook 00: the contrast stretch as a 256-entry lookup table."""

from __future__ import annotations

from typing import Callable

import numpy as np

from course_lib.i18n.language import tr
from course_lib.shapes.pixels import stretch_numpy
from .report import CheckReport, run_cases


def _same_as_reference(images: np.ndarray) -> Callable[[object], str | None]:
    expected = stretch_numpy(images)

    def judge(result: object) -> str | None:
        if not isinstance(result, np.ndarray):
            return f"expected a NumPy array, got {type(result).__name__}"
        if result.shape != expected.shape:
            return f"expected shape {expected.shape}, got {result.shape}"
        if result.dtype != np.uint8:
            return f"expected dtype uint8, got {result.dtype}"
        wrong = int(np.count_nonzero(result != expected))
        if wrong:
            where = tuple(int(i) for i in np.argwhere(result != expected)[0])
            return (f"{wrong} of {expected.size} pixels differ from the reference, first at "
                    f"{where}: got {result[where]}, expected {expected[where]}")
        return None

    return judge


def check_stretch_lookup(stretch_lookup: Callable[[np.ndarray], np.ndarray]) -> CheckReport:
    """Compare the learner's lookup-table stretch with the reference on varied batches."""
    rng = np.random.default_rng(0)
    every_value = np.arange(256, dtype=np.uint8).reshape(1, 16, 16)
    cases = [
        ("every pixel value 0..255", every_value),
        ("one 28x28 image", rng.integers(0, 256, (28, 28), dtype=np.uint8)),
        ("a batch of 50 images", rng.integers(0, 256, (50, 28, 28), dtype=np.uint8)),
        ("all black and all white", np.array([[[0] * 28] * 28, [[255] * 28] * 28], np.uint8)),
    ]
    return run_cases(tr("Exercise 1 — lookup-table stretch"), stretch_lookup,
                     [(name, {"images": images}, _same_as_reference(images))
                      for name, images in cases])
