"""The result of a side-by-side speed comparison: rows of samples, their statistics, shown as a
table or chart, saved with the machine they were measured on and read back verified.

``compare`` (in ``compare.py``) measures; this module holds and shows what it measured, so code
whose runs are too long for ``compare`` (training to a target) can store results the same way.
"""

from __future__ import annotations

import html
import json
import math
import os
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from course_lib import config, files
from course_lib.checks import check_choice, check_number
from course_lib.i18n.language import tr
from course_lib.measure import machine
from course_lib.measure.timing import fmt

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

FORMAT = "course_lib.measure/1"


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
    labels: dict[str, str] = field(default_factory=dict)  # name (an id) -> what tables show

    @classmethod
    def from_samples(cls, samples_s: Mapping[str, Sequence[float]], *, title: str,
                     unit: str = "calls", work: float = 1, baseline: str | None = None,
                     numbers: Mapping[str, int] | None = None,
                     warmups_s: Mapping[str, float | None] | None = None,
                     settings: Mapping[str, Any] | None = None,
                     labels: Mapping[str, str] | None = None) -> Comparison:
        """A comparison of measured seconds per call, stamped with this machine, mode and time.

        ``compare`` builds its result here; so can code whose runs are too long for ``compare``
        (training to a target accuracy: one run per candidate, ``math.inf`` if never done),
        so that every result in the store has one format. ``labels`` maps a candidate's name
        (an identifier code looks rows up by) to the words tables and charts show.
        """
        names = check_names("samples_s", samples_s)
        baseline, title = check_baseline(baseline, names), check_title(title)
        work, unit = check_number("work", work, positive=True), check_unit(unit)
        for name, samples in samples_s.items():
            if not samples or not all(isinstance(s, (int, float)) and s >= 0 for s in samples):
                raise ValueError(f"samples_s[{name!r}]: expected a list of seconds >= 0, "
                                 f"got {samples!r}")
        base = statistics.median(samples_s[baseline])
        rows = [Row.from_samples(name, list(samples_s[name]), (numbers or {}).get(name, 1),
                                 (warmups_s or {}).get(name), base, work) for name in names]
        return cls(title=title, unit=unit, work=work, baseline=baseline, rows=rows,
                   machine=machine.info(), mode=config.mode_name(),
                   created=datetime.now().astimezone().isoformat(timespec="seconds"),
                   settings=dict(settings or {}), labels=_check_labels(labels, names))

    def row(self, name: str) -> Row:
        """The candidate called ``name``; a ValueError lists the names there are."""
        return self.rows[self.names().index(check_choice("name", name, self.names()))]

    def names(self) -> list[str]:
        return [row.name for row in self.rows]

    def label(self, name: str) -> str:
        """What tables and charts call candidate ``name`` (its label, else the name itself)."""
        return self.labels.get(name, name)

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
            **({"label": self.label(row.name)} if self.labels else {}),
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
        """The frame as text or html: numbers rounded to what the noise allows, a column with
        nothing in it (no warm-up timed) left out rather than shown as NaN, headers in the
        run's language (``frame()`` keeps the English names code indexes by)."""
        frame = self.frame().dropna(axis="columns", how="all")
        as_text = {"name": str, "label": str, "number": str, "samples": str,
                   "spread_pct": lambda x: _suffixed(x, "%"),
                   "speedup": lambda x: _suffixed(x, "x")}
        shown = frame.apply(lambda column: column.map(as_text.get(column.name, fmt)))
        shown = shown.rename(columns=self._headers())
        if render == "html":
            return shown.to_html(index=False)
        return shown.to_string(index=False)

    def _headers(self) -> dict[str, str]:
        """``frame()``'s column names as a table shows them."""
        return {"name": tr("name"), "label": tr("label"), "median_ms": tr("median_ms"),
                "q1_ms": tr("q1_ms"), "q3_ms": tr("q3_ms"), "spread_pct": tr("spread_pct"),
                "warmup_ms": tr("warmup_ms"), "number": tr("number"), "samples": tr("samples"),
                f"{self.unit}/s": tr("{unit}/s", unit=self.unit), "speedup": tr("speedup")}

    def _footer(self) -> str:
        rounds = self.settings.get("repeats")  # only ``compare`` interleaves its samples
        how = (tr("{rounds} interleaved rounds", rounds=rounds) if rounds
               else tr("one sample per run, not interleaved"))
        return tr("{work} {unit} per call; speedup vs {baseline!r}; {mode} mode, {how}; "
                  "{created}\nMachine: {machine}", work=fmt(self.work), unit=self.unit,
                  baseline=self.baseline, mode=self.mode, how=how, created=self.created,
                  machine=machine.describe(self.machine))

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
        bars = ax.barh([self.label(name) for name in self.names()], [s - left for s in speedups],
                       left=left, color=colours)
        ax.bar_label(bars, labels=[f"{fmt(s)}x" for s in speedups], padding=3)
        ax.axvline(1, color="0.3", linestyle="--", linewidth=1)
        if log:
            ax.set_xscale("log")
        ax.invert_yaxis()
        ax.margins(x=0.15)
        ax.set_xlabel(tr("speedup vs {baseline} (higher is faster)",
                         baseline=self.label(self.baseline)))
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
        if not isinstance(data, dict) or data.pop("format", None) != FORMAT:
            raise ValueError(f"path_or_name: expected a comparison saved by Comparison.save "
                             f"(format {FORMAT!r}), got another kind of file: {path}")
        try:
            return cls(rows=[Row(**row) for row in data.pop("rows")], **data)
        except (KeyError, TypeError) as error:  # saved by an older or newer course_lib
            raise ValueError(f"path_or_name: {path} lacks or has unknown fields: {error}") from None


def _suffixed(x: float, suffix: str) -> str:
    """``fmt(x)`` with its unit sign; a missing number is the dash alone, never "nanx"."""
    return f"{fmt(x)}{suffix}" if math.isfinite(x) else fmt(x)


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator else math.inf


def check_names(argument: str, by_name: object) -> list[str]:
    """The names of a non-empty dict keyed by non-empty strings (candidates, samples)."""
    if not isinstance(by_name, Mapping):
        raise TypeError(f"{argument}: expected a dict keyed by candidate name, "
                        f"got {type(by_name).__name__}")
    if not by_name:
        raise ValueError(f"{argument}: expected at least one candidate, got none")
    for name in by_name:
        if not isinstance(name, str):
            raise TypeError(f"{argument}: expected string names, got {name!r}")
        if not name.strip():
            raise ValueError(f"{argument}: expected non-empty names, got {name!r}")
    return list(by_name)


def check_baseline(baseline: str | None, names: list[str]) -> str:
    return names[0] if baseline is None else check_choice("baseline", baseline, names)


def check_title(title: object) -> str:
    if not isinstance(title, str):
        raise TypeError(f"title: expected a string, got {type(title).__name__}")
    return title


def check_unit(unit: object) -> str:
    if not isinstance(unit, str):
        raise TypeError(f"unit: expected a string such as 'images', got {type(unit).__name__}")
    if not unit.strip() or unit != unit.strip() or "/" in unit:
        raise ValueError(f"unit: expected a plain noun such as 'images' (no '/', no outer "
                         f"spaces), got {unit!r}")
    return unit


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


def _check_labels(labels: Mapping[str, str] | None, names: list[str]) -> dict[str, str]:
    """The labels of ``names`` as a dict of non-empty strings (a table of labels for more names,
    such as every rung of a ladder, may be passed whole: the others are left out)."""
    if labels is None:
        return {}
    if not isinstance(labels, Mapping):
        raise TypeError(f"labels: expected a dict of name -> label, got {type(labels).__name__}")
    for name in names:
        if name in labels and (not isinstance(labels[name], str) or not labels[name].strip()):
            raise ValueError(f"labels[{name!r}]: expected a non-empty string, got "
                             f"{labels[name]!r}")
    return {name: labels[name] for name in names if name in labels}
