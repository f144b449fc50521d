"""Notebook 04's charts: trade-offs with their Pareto front, and what compression does to weights."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from course_lib.compress.evaluate import pareto_front
from course_lib.i18n.language import tr

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

MARKERS = "osD^vP*Xh<>"


def _tradeoffs() -> tuple[tuple[str, str, float], ...]:
    """(column, axis label, scale) of each cost panel; labels looked up when drawn, in the
    run's language."""
    return (("gzip_bytes", tr("size on disk, gzipped (MB)"), 1e-6),
            ("latency_ms", tr("latency at batch 1 (ms, median)"), 1.0))


def plot_tradeoffs(frame: pd.DataFrame) -> Figure:
    """Accuracy against gzipped size and against batch-1 latency, the Pareto front drawn in.

    A variant is on the front when no other is at least as small (or fast) and as accurate;
    everything off the front is beaten on both counts by something on it. Each variant keeps
    its marker in both panels, named in one legend (labels on the points would overlap).
    """
    import matplotlib.pyplot as plt

    tradeoffs = _tradeoffs()
    fig, axes = plt.subplots(1, len(tradeoffs), figsize=(13, 5))
    for ax, (column, label, unit) in zip(axes, tradeoffs):
        _tradeoff(ax, list(frame["name"]), frame[column] * unit, frame["accuracy"] * 100, label)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=5, fontsize=9, frameon=False)
    fig.suptitle(tr("Accuracy against cost: up and to the left is better"))
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def _tradeoff(ax: Axes, names: list[str], cost: Any, accuracy: Any, label: str) -> None:
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    cost, accuracy = np.asarray(cost, dtype=float), np.asarray(accuracy, dtype=float)
    front = pareto_front(cost, accuracy)
    for i, name in enumerate(names):
        ax.scatter(cost[i], accuracy[i], marker=MARKERS[i % len(MARKERS)], color=f"C{i % 10}",
                   s=60, zorder=3, label=name)
    ax.scatter(cost[front], accuracy[front], s=260, facecolors="none", edgecolors="red",
               linewidths=1.5, zorder=2, label=tr("on the Pareto front"))
    order = np.argsort(cost[front])
    ax.step(cost[front][order], accuracy[front][order], where="post", color="red", alpha=0.5)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(tr("{label}, log scale", label=label))
    ax.set_ylabel(tr("test accuracy (%)"))
    ax.margins(x=0.15, y=0.15)
    ax.grid(True, which="major", alpha=0.3)


def plot_weight_histograms(original: np.ndarray, stored_int8: np.ndarray, pruned: np.ndarray,
                           title: str = "dense kernel") -> Figure:
    """Three views of one kernel: float32, the int8 codes the converter stored, and pruned.

    Pruned zeros are counted apart: drawn as part of the histogram they would dwarf the rest.
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    original, pruned = np.ravel(original), np.ravel(pruned)
    lo, hi = np.percentile(original, [0.05, 99.95])  # a few outliers would squash the picture
    edges = np.linspace(lo, hi, 121)
    axes[0].hist(original, bins=edges, color="C0")
    axes[0].set_title(tr("float32 {title}: {count:,} weights", title=title, count=original.size))
    codes = np.ravel(stored_int8).astype(int)
    axes[1].hist(codes, bins=np.arange(codes.min(), codes.max() + 2) - 0.5, color="C1")
    axes[1].set_title(tr("stored as int8: {count} distinct codes", count=len(np.unique(codes))))
    axes[1].set_xlabel(tr("integer code (times its channel's scale = the weight)"))
    kept = pruned[pruned != 0]
    axes[2].hist(kept, bins=edges, color="C2")
    axes[2].set_title(tr("pruned: {share:.0%} exactly zero (not drawn)",
                         share=1 - kept.size / pruned.size))
    for ax in axes[[0, 2]]:
        ax.set_xlabel(tr("weight value (central 99.9%)"))
    axes[0].set_ylabel(tr("count"))
    fig.tight_layout()
    return fig


def plot_schedule(schedule: Sequence[tuple[int, float]], target: float) -> Axes:
    """The sparsity each mask update applied, step by step, against the target."""
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=(6, 3))
    steps, sparsity = zip(*schedule)
    ax.step(steps, np.asarray(sparsity) * 100, where="post", marker=".")
    ax.axhline(target * 100, color="0.4", linestyle="--", linewidth=1, label=tr("target"))
    ax.set(xlabel=tr("training step"), ylabel=tr("weights zeroed (%)"),
           title=tr("Pruning schedule: polynomial ramp, then fine-tuning at the target"))
    ax.legend(loc="lower right")
    return ax
