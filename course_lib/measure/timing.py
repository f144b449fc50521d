"""The clock: one call timed with its result brought into host memory, and numbers shown honestly.

``compare`` builds on these; they are public because notebooks time single calls too.
TensorFlow is never imported here: a TensorFlow result is recognised by its ``.numpy()`` method.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from time import perf_counter
from typing import Any

from course_lib.checks import check_callable, check_int


class CandidateError(RuntimeError):
    """A candidate raised while it was measured; the message names it and the phase."""


def materialise(x: Any) -> Any:
    """Bring a result into host memory, so the clock stops after the work and not before.

    Anything with a callable ``.numpy()`` (tf.Tensor, tf.Variable) is converted; dicts, lists and
    tuples are walked; everything else (NumPy arrays included) is returned as is.
    """
    to_numpy = getattr(x, "numpy", None)
    if callable(to_numpy):
        return to_numpy()
    if isinstance(x, Mapping):
        return {key: materialise(value) for key, value in x.items()}
    if isinstance(x, list):
        return [materialise(value) for value in x]
    if isinstance(x, tuple):
        return tuple(materialise(value) for value in x)
    return x


def time_call(fn: Callable[[], Any], number: int = 1) -> float:
    """Seconds per call of ``fn()``, over ``number`` back-to-back calls, results materialised."""
    check_callable("fn", fn, "a zero-argument callable")
    check_int("number", number, minimum=1)
    start = perf_counter()
    for _ in range(number):
        materialise(fn())
    return (perf_counter() - start) / number


def fmt(x: float) -> str:
    """Three significant figures, never scientific notation: 12,345 / 312 / 14.2 / 0.0123."""
    if not math.isfinite(x):
        return "–" if math.isnan(x) else str(x)
    if x == 0:
        return "0"
    decimals = 2 - math.floor(math.log10(abs(x)))
    return f"{round(x, decimals):,.{max(0, decimals)}f}"


class Progress:
    """A one-line progress bar (tqdm: a widget in Jupyter, text in a terminal), or nothing."""

    def __init__(self, total: int, title: str, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc=title, unit="sample", leave=False)

    def step(self, name: str) -> None:
        if self._bar is not None:
            self._bar.set_postfix_str(name, refresh=False)
            self._bar.update()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
