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

import html
import json
import math
import os
import statistics
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_lib import config, files
from course_lib.checks import check_int, check_number
from course_lib.measure import machine
from course_lib.measure.timing import CandidateError, Progress, fmt, materialise, time_call

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

FORMAT = "course_lib.measure/1"
MAX_NUMBER = 1_000_000  # calls per sample at most, so a near-free candidate cannot loop forever


@dataclass
class Row:
    """One candidate's measurements in seconds per call, one sample per round.

    Quartiles use ``statistics.quantiles(method="inclusive")``, the same as NumPy's default.
    """

    name: str
    samples_s: list[float]
    number: int
    warmup_s: float | None
    median_s: float
    q1_s: float
    q3_s: float
    speedup: float
    throughput: float

    @classmethod
    def from_samples(cls, name: str, samples_s: list[float], number: int,
                     warmup_s: float | None, baseline_median_s: float, work: float) -> Row:
        median = statistics.median(samples_s)
        q1, _, q3 = (statistics.quantiles(samples_s, n=4, method="inclusive")
                     if len(samples_s) > 1 else [median] * 3)
        return cls(name, list(samples_s), number, warmup_s, median, q1, q3,
                   speedup=_ratio(baseline_median_s, median), throughput=_ratio(work, median))


@dataclass
class Comparison:
    """The outcome of ``compare``: show it in a notebook, plot it, save it with its machine."""

    title: str
    unit: str
    work: float
    baseline: str
    rows: list[Row]
    machine: dict[str, Any]
    mode: str
    created: str
    settings: dict[str, Any] = field(default_factory=dict)

    def row(self, name: str) -> Row:
        for row in self.rows:
            if row.name == name:
                return row
        raise KeyError(f"name: expected one of {self.names()}, got {name!r}")

    def names(self) -> list[str]:
        return [row.name for row in self.rows]

    def speedup(self, name: str) -> float:
        """How many times faster than the baseline (above 1 = faster)."""
        return self.row(name).speedup

    def per_item_s(self, name: str) -> float:
        """Median seconds per unit of work (per image, when ``work`` counts images in a call)."""
        return self.row(name).median_s / self.work

    def per_item_ms(self, name: str) -> float:
        """``per_item_s`` in milliseconds: what latency tables and budgets quote."""
        return self.per_item_s(name) * 1e3

    def frame(self) -> pd.DataFrame:
        """A tidy pandas DataFrame, one row per candidate, for further analysis."""
        import pandas as pd

        return pd.DataFrame([{
            "name": row.name,
            "median_ms": row.median_s * 1e3,
            "q1_ms": row.q1_s * 1e3,
            "q3_ms": row.q3_s * 1e3,
            "spread_pct": _ratio(row.q3_s - row.q1_s, row.median_s) * 100,
            "warmup_ms": math.nan if row.warmup_s is None else row.warmup_s * 1e3,
            "number": row.number,
            "samples": len(row.samples_s),
            f"{self.unit}/s": row.throughput,
            "speedup": row.speedup,
        } for row in self.rows])

    def _table(self, render: str) -> str:
        """The frame as text or html, numbers rounded to what the noise allows."""
        frame = self.frame()
        formatters = {column: fmt for column in frame.columns[1:]}
        formatters.update(number=str, samples=str, spread_pct=lambda x: f"{fmt(x)}%",
                          speedup=lambda x: f"{fmt(x)}x")
        if render == "html":
            return frame.to_html(index=False, formatters=formatters)
        return frame.to_string(index=False, formatters=formatters)

    def _footer(self) -> str:
        rounds = self.settings.get("repeats", len(self.rows[0].samples_s))
        return (f"{fmt(self.work)} {self.unit} per call; speedup vs {self.baseline!r}; "
                f"{self.mode} mode, {rounds} interleaved rounds; {self.created}\n"
                f"Machine: {machine.describe(self.machine)}")

    def __str__(self) -> str:
        return f"{self.title}\n{self._table('text')}\n{self._footer()}"

    def _repr_html_(self) -> str:
        footer = html.escape(self._footer()).replace("\n", "<br>")
        title = html.escape(self.title)
        return f"<h4>{title}</h4>{self._table('html')}<p><small>{footer}</small></p>"

    def plot(self, ax: Axes | None = None) -> Axes:
        """Horizontal bars of speedup vs the baseline (log scale when they span over 20x)."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 1.5 + 0.5 * len(self.rows)))
        speedups = [row.speedup for row in self.rows]
        shown = [s for s in speedups if math.isfinite(s) and s > 0] or [1.0]
        log = max(shown) / min(shown) > 20
        left = min(shown + [1.0]) / 2 if log else 0.0  # a log axis has no zero to start from
        colours = ["0.6" if row.name == self.baseline else "C0" for row in self.rows]
        bars = ax.barh(self.names(), [s - left for s in speedups], left=left, color=colours)
        ax.bar_label(bars, labels=[f"{fmt(s)}x" for s in speedups], padding=3)
        ax.axvline(1, color="0.3", linestyle="--", linewidth=1)
        if log:
            ax.set_xscale("log")
        ax.invert_yaxis()
        ax.margins(x=0.15)
        ax.set_xlabel(f"speedup vs {self.baseline} (higher is faster)")
        ax.set_title(self.title)
        return ax

    def save(self, name_or_path: str | os.PathLike) -> Path:
        """Write JSON (raw samples, machine, settings) atomically, and ``frame()`` as CSV beside it.

        A bare name such as ``"inversion"`` goes to ``config.RESULTS_DIR/inversion.json``.
        """
        path = _results_path(name_or_path, "name_or_path")
        files.write_text_atomic(path, json.dumps({"format": FORMAT, **asdict(self)}, indent=2))
        files.write_text_atomic(path.with_suffix(".csv"), self.frame().to_csv(index=False))
        return path

    @classmethod
    def load(cls, path_or_name: str | os.PathLike) -> Comparison:
        """Read what ``save`` wrote, after checking the file is complete (its sha256 sidecar)."""
        path = files.verify(_results_path(path_or_name, "path_or_name"))
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.pop("format", None) != FORMAT:
            raise ValueError(f"path_or_name: expected a comparison saved by Comparison.save "
                             f"(format {FORMAT!r}), got {path}")
        rows = [Row(**row) for row in data.pop("rows")]
        return cls(rows=rows, **data)


def compare(candidates: Mapping[str, Callable[[], Any]], baseline: str | None = None, *,
            work: float = 1, unit: str = "calls", repeats: int | None = None, warmup: int = 1,
            min_sample_s: float | None = None, title: str | None = None,
            progress: bool = True) -> Comparison:
    """Time zero-argument callables side by side, the same way every time, on this machine.

    Each candidate is called ``warmup`` times untimed (the first call's time is reported), then
    ``repeats`` interleaved rounds follow, each round starting one candidate later than the last.
    A sample loops a candidate ``number`` times so it lasts at least ``min_sample_s``. ``number``
    comes from the fastest untimed call; as the first call may trace or compile, ``warmup=1``
    makes one extra untimed call to calibrate on. It is 1 for a candidate whose single call
    already lasts ``min_sample_s``, so slow candidates are never repeated within a sample, and
    1 with ``warmup=0`` (nothing to calibrate on).
    ``baseline`` defaults to the first candidate; speedup = baseline median / candidate median.
    """
    names = _check_candidates(candidates)
    baseline = names[0] if baseline is None else baseline
    if baseline not in names:
        raise ValueError(f"baseline: expected one of {names}, got {baseline!r}")
    check_number("work", work, positive=True)
    if not isinstance(unit, str) or not unit.strip() or unit != unit.strip() or "/" in unit:
        raise ValueError(f"unit: expected a plain noun such as 'images' (no '/', no outer "
                         f"spaces), got {unit!r}")
    repeats = config.pick(quick=5, full=15) if repeats is None else repeats
    check_int("repeats", repeats, minimum=1)
    check_int("warmup", warmup, minimum=0)
    min_sample_s = config.pick(quick=0.01, full=0.05) if min_sample_s is None else min_sample_s
    check_number("min_sample_s", min_sample_s)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title: expected a string, got {type(title).__name__}")
    title = title or " vs ".join(names)

    untimed = max(warmup, 2) if warmup else 0  # the first call may compile: time a second too
    bar = Progress(len(names) * (untimed + repeats), title, enabled=progress)
    try:
        warmups = {name: [_sample(name, fn, 1, "warm-up", bar) for _ in range(untimed)]
                   for name, fn in candidates.items()}
        per_sample = {name: _calls_per_sample(min(times, default=None), min_sample_s)
                      for name, times in warmups.items()}
        samples: dict[str, list[float]] = {name: [] for name in names}
        for round_ in range(repeats):
            phase = f"timing (round {round_ + 1} of {repeats})"
            for name in names[round_ % len(names):] + names[:round_ % len(names)]:
                samples[name].append(_sample(name, candidates[name], per_sample[name], phase, bar))
    finally:
        bar.close()

    base = statistics.median(samples[baseline])
    rows = [Row.from_samples(name, samples[name], per_sample[name],
                             warmups[name][0] if warmups[name] else None, base, work)
            for name in names]
    return Comparison(title=title, unit=unit, work=work, baseline=baseline, rows=rows,
                      machine=machine.info(), mode=config.mode_name(),
                      created=datetime.now().astimezone().isoformat(timespec="seconds"),
                      settings={"repeats": repeats, "warmup": warmup,
                                "min_sample_s": min_sample_s})


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


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.inf


def _check_candidates(candidates: object) -> list[str]:
    if not isinstance(candidates, Mapping):
        raise TypeError(f"candidates: expected a dict of name -> zero-argument callable, "
                        f"got {type(candidates).__name__}")
    if not candidates:
        raise ValueError("candidates: expected at least one candidate, got none")
    for name, fn in candidates.items():
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"candidates: expected non-empty string names, got {name!r}")
        if not callable(fn):
            raise TypeError(f"candidates[{name!r}]: expected a zero-argument callable, "
                            f"got {type(fn).__name__}")
    return list(candidates)


def _results_path(name_or_path: object, argument: str) -> Path:
    expected = f"{argument}: expected a bare name or a path ending in .json"
    if not isinstance(name_or_path, (str, os.PathLike)):
        raise TypeError(f"{expected}, got {type(name_or_path).__name__}")
    if not str(name_or_path).strip():
        raise ValueError(f"{expected}, got {name_or_path!r}")
    path = Path(name_or_path)
    if len(path.parts) == 1 and not path.suffix:
        return Path(config.RESULTS_DIR) / f"{path.name}.json"
    if path.suffix != ".json":
        raise ValueError(f"{expected}, got {str(path)!r}")
    return path
