"""Time-to-accuracy: the honest way to compare training speed-ups.

A faster epoch is no win if more epochs are needed, so each rung trains until the *validation*
accuracy reaches one shared target and reports the training seconds it took (evaluation
excluded). The test split is read once per rung, after its training has ended, so no decision
is tuned to it. Training is long, so each rung is one run, not many: say so when quoting it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from course_lib.checks import check_int, check_number
from course_lib.i18n.language import tr
from course_lib.measure import Comparison
from course_lib.mnist.evaluation import evaluate
from course_lib.mnist.splits import Split, validate
from course_lib.mnist.models import Recipe
from course_lib.mnist.training import TrainResult, train


@dataclass(frozen=True)
class Rung:
    """One step of the ladder: a recipe and how to feed it (``train`` keyword arguments)."""

    name: str
    recipe: Recipe
    options: dict = field(default_factory=dict)

    def then(self, name: str, *, options: dict | None = None, **recipe_changes) -> "Rung":
        """The next rung: this one with ``recipe_changes`` (Recipe fields) and ``options``."""
        return Rung(name, self.recipe.replace(**recipe_changes),
                    {**self.options, **(options or {})})

    def changes_from(self, previous: "Rung") -> list[str]:
        """Every setting that differs from ``previous``, as 'setting: old → new'."""
        before = {**previous.recipe.as_dict(), **previous.options}
        after = {**self.recipe.as_dict(), **self.options}
        return [f"{key}: {before.get(key, 'default')} → {after.get(key, 'default')}"
                for key in sorted(before.keys() | after.keys())
                if key not in before or key not in after or before[key] != after[key]]


@dataclass
class LadderResult:
    """Each rung's training run (stopped on validation accuracy), what it changed from the rung
    before, and its test accuracy, measured once after training."""

    target: float
    results: dict[str, TrainResult]
    test_accuracy: dict[str, float]
    changes: dict[str, str]
    machine: dict

    def time_to_target(self, name: str) -> float:
        seconds = self.results[name].time_to_accuracy(self.target)
        return math.inf if seconds is None else seconds

    def speedup(self, name: str, baseline: str | None = None) -> float:
        """Baseline's time-to-target over this rung's (above 1 = faster)."""
        baseline = baseline or next(iter(self.results))
        return self.time_to_target(baseline) / self.time_to_target(name)

    def frame(self):
        import pandas as pd

        rows = []
        for name, result in self.results.items():
            reached = result.time_to_accuracy(self.target)
            rows.append({
                "rung": name,
                "changed from the row above": self.changes[name],
                "batch": result.recipe.batch_size,
                "epochs run": len(result.epoch_s),
                "time to target (s)": reached if reached is not None else math.nan,
                "first epoch (s)": result.epoch_s[0],
                "steady epoch (s)": result.steady_epoch_s,
                "tracing (s)": result.tracing_s,
                "samples/s": result.samples_per_s,
                "validation accuracy at stop": result.final_val_accuracy,
                "test accuracy (read once)": self.test_accuracy[name],
                "speedup": self.speedup(name),
            })
        return pd.DataFrame(rows)

    def _repr_html_(self) -> str:
        styled = self.frame().style.format({
            "time to target (s)": "{:.1f}", "first epoch (s)": "{:.2f}",
            "steady epoch (s)": "{:.2f}", "tracing (s)": "{:.2f}", "samples/s": "{:,.0f}",
            "validation accuracy at stop": "{:.2%}", "test accuracy (read once)": "{:.2%}",
            "speedup": "{:.1f}x"}, na_rep="–").hide(axis="index")
        return f"<h4>{self.title}</h4>" + styled.to_html()

    @property
    def title(self) -> str:
        return (f"Time to {self.target:.2%} validation accuracy (one run per rung; "
                "test accuracy read once, after training)")

    def plot(self, ax=None):
        import matplotlib.pyplot as plt

        ax = ax or plt.subplots(figsize=(7, 1.2 + 0.5 * len(self.results)))[1]
        names = list(self.results)
        seconds = [self.time_to_target(name) for name in names]
        shown = [s if math.isfinite(s) else 0 for s in seconds]
        bars = ax.barh(names, shown, color=["0.6"] + ["C0"] * (len(names) - 1))
        ax.bar_label(bars, labels=[f"{s:.1f} s" if math.isfinite(s) else tr("not reached")
                                   for s in seconds], padding=3)
        ax.invert_yaxis()
        ax.margins(x=0.2)
        ax.set(xlabel=tr("training seconds to reach the target (lower is faster)"),
               title=tr("Time to {target:.2%} validation accuracy", target=self.target))
        return ax

    def comparison(self) -> Comparison:
        """The ladder as a ``Comparison`` (one run per rung; ``inf`` where the target was never
        reached): the one format the results store reads, with the full table in its settings."""
        return Comparison.from_samples(
            {name: [self.time_to_target(name)] for name in self.results},
            title=self.title, unit="runs",
            warmups_s={name: result.epoch_s[0] for name, result in self.results.items()},
            settings={"target": self.target,
                      "rows": json.loads(self.frame().to_json(orient="records"))})

    def save(self, name: str) -> Path:
        """Save as ``results/<name>.json`` (with a sha256 sidecar), readable by notebook 08."""
        return self.comparison().save(name)


def run_ladder(rungs: list[Rung], train_split: Split, validation_split: Split,
               test_split: Split, *, target: float, max_epochs: int, verbose=0) -> LadderResult:
    """Train every rung until ``target`` validation accuracy or ``max_epochs``, one after
    another; then read each trained model's test accuracy, once."""
    from course_lib.measure.machine import info

    if not rungs:
        raise ValueError("rungs: expected at least one rung, got none")
    check_number("target", target, positive=True, below=1.0)
    check_int("max_epochs", max_epochs, minimum=1)
    validate(test_split.x, test_split.y, name="test_split.x")  # its form, before any training
    names = [rung.name for rung in rungs]
    if len(set(names)) != len(names):
        raise ValueError(f"rungs: names must be unique, got {names}")
    results = {}
    for rung in rungs:
        print(f"training: {rung.name} ...", flush=True)
        results[rung.name] = train(rung.recipe, train_split, validation_split, epochs=max_epochs,
                                   stop_at_accuracy=target, verbose=verbose, **rung.options)
    # Only now, with every run finished, are the test labels read: once per rung.
    test_accuracy = {name: evaluate(result.model, test_split).accuracy
                     for name, result in results.items()}
    changes = {rungs[0].name: "(baseline)"} | {
        rung.name: "; ".join(rung.changes_from(previous)) or "nothing"
        for previous, rung in zip(rungs, rungs[1:])}
    return LadderResult(target, results, test_accuracy, changes, info())
