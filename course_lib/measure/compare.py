"""Side-by-side speed comparisons that hold up on a noisy laptop.

Every speed claim in the course is measured live with ``compare``, following four rules:

* warm-up calls first (tracing, compilation and caches are not the steady state), reported apart;
* interleaved rounds (A B C, B C A, C A B, ...) so drift such as CPU boost or thermal throttling
  hits every candidate alike;
* each result is materialised before the clock stops (TensorFlow, on a GPU above all, returns
  before the work is done);
* the median and quartiles of many samples, never a single run or a mean that one hiccup spoils.

TensorFlow is never imported here: ``import course_lib.measure`` stays fast, and timing two
NumPy functions never loads it (a test proves it).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from course_lib import config
from course_lib.checks import check_callable, check_int, check_number
from course_lib.measure.comparison import (Comparison, check_baseline, check_names,
                                           check_title, check_unit)
from course_lib.measure.timing import CandidateError, Progress, time_call

MAX_NUMBER = 1_000_000  # calls per sample at most, so a near-free candidate cannot loop forever


def compare(candidates: Mapping[str, Callable[[], Any]], baseline: str | None = None, *,
            work: float = 1, unit: str = "calls", repeats: int | None = None, warmup: int = 1,
            min_sample_s: float | None = None, title: str | None = None,
            labels: Mapping[str, str] | None = None, progress: bool = True) -> Comparison:
    """Time zero-argument callables side by side, the same way every time, on this machine.

    Each candidate is called ``warmup`` times untimed (the first call's time is reported), then
    ``repeats`` interleaved rounds follow, each round starting one candidate later than the last.
    A sample loops a candidate ``number`` times so it lasts at least ``min_sample_s``. ``number``
    comes from the fastest untimed call; as the first call may trace or compile, ``warmup=1``
    makes one extra untimed call to calibrate on. It is 1 for a candidate whose single call
    already lasts ``min_sample_s``, so slow candidates are never repeated within a sample, and
    1 with ``warmup=0`` (nothing to calibrate on).
    ``baseline`` defaults to the first candidate; speedup = baseline median / candidate median.
    ``labels`` (name -> words) are what the table and chart show when names are identifiers.
    """
    names = check_names("candidates", candidates)
    for name, fn in candidates.items():
        check_callable(f"candidates[{name!r}]", fn, "a zero-argument callable")
    check_baseline(baseline, names)
    check_number("work", work, positive=True)
    check_unit(unit)
    repeats = config.pick(quick=5, full=15) if repeats is None else repeats
    check_int("repeats", repeats, minimum=1)
    check_int("warmup", warmup, minimum=0)
    min_sample_s = config.pick(quick=0.01, full=0.05) if min_sample_s is None else min_sample_s
    check_number("min_sample_s", min_sample_s)
    title = " vs ".join(names) if title is None else check_title(title)

    untimed = max(warmup, 2) if warmup else 0  # the first call may compile: time a second too
    bar = Progress(len(names) * (untimed + repeats), title, enabled=progress)
    try:
        warmups = {name: [_sample(name, fn, 1, "warm-up", bar) for _ in range(untimed)]
                   for name, fn in candidates.items()}
        numbers = {name: _calls_per_sample(min(times, default=None), min_sample_s)
                   for name, times in warmups.items()}
        samples = interleaved_rounds(names, repeats, lambda name, round_: _sample(
            name, candidates[name], numbers[name], f"timing (round {round_ + 1} of {repeats})",
            bar))
    finally:
        bar.close()
    return Comparison.from_samples(
        samples, title=title, unit=unit, work=work, baseline=baseline, numbers=numbers,
        warmups_s={name: times[0] for name, times in warmups.items() if times},
        settings={"repeats": repeats, "warmup": warmup, "min_sample_s": min_sample_s},
        labels=labels)


def interleaved_rounds(names: Sequence[str], repeats: int,
                       sample: Callable[[str, int], float]) -> dict[str, list[float]]:
    """``repeats`` rounds of one timed ``sample(name, round)`` per candidate; each round starts
    one candidate later (A B C, B C A, C A B, ...), so drift such as CPU boost, throttling or a
    background job hits every candidate alike instead of whichever happens to run last."""
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(repeats):
        first = round_ % len(names)
        for name in [*names[first:], *names[:first]]:
            samples[name].append(sample(name, round_))
    return samples


def _sample(name: str, fn: Callable[[], Any], number: int, phase: str, bar: Progress) -> float:
    try:
        seconds = time_call(fn, number)
    except Exception as error:
        raise CandidateError(f"candidate {name!r} raised during {phase}: "
                             f"{type(error).__name__}: {error}") from error
    bar.step(name)
    return seconds


def _calls_per_sample(estimate_s: float | None, min_sample_s: float) -> int:
    if estimate_s is None or estimate_s >= min_sample_s:
        return 1
    if estimate_s <= 0:
        return MAX_NUMBER
    return min(MAX_NUMBER, math.ceil(min_sample_s / estimate_s))
