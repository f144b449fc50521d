"""Latency budgets: where faster image generation matters, in milliseconds.

A frame budget is the whole time between two frames; generation usually gets only a share of
it (the rest goes to rendering, physics, the game itself), so ``fits`` takes that share.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """A latency budget: ``key`` identifies it in code, ``name`` is the label tables show."""

    key: str
    name: str
    ms: float
    why: str


BUDGETS = (  # the course's one table of budgets (notebooks 01 and 06 both read it)
    Budget("vr_90hz", "VR at 90 Hz", 1000 / 90, "one frame per eye refresh; a late frame judders"),
    Budget("game_60fps", "game at 60 fps", 1000 / 60, "one frame; the game loop needs most of it"),
    Budget("game_30fps", "game at 30 fps", 1000 / 30, "one frame on consoles and phones"),
    Budget("instant", "feels instant (0.1 s)", 100.0,
           "under ~100 ms a response feels instant: a live design tool"),
    Budget("flow", "keeps the flow of thought (1 s)", 1000.0,
           "about 1 s: a user waits for a web request, but stays"),
)
BUDGETS_BY_KEY = {budget.key: budget for budget in BUDGETS}


@dataclass(frozen=True)
class Option:
    """One way to generate: its latency for one image and its throughput in bulk."""

    name: str
    latency_ms: float
    images_per_s: float

    def __post_init__(self):
        for field_name in ("latency_ms", "images_per_s"):
            value = getattr(self, field_name)
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"{field_name}: expected a positive number, got {value!r}")


def fits(option: Option, budget: Budget, share: float = 1.0) -> bool:
    """Does one image fit in ``share`` of the budget (e.g. 0.25 of a frame)?"""
    if not 0 < share <= 1:
        raise ValueError(f"share: expected a fraction in (0, 1], got {share!r}")
    return option.latency_ms <= budget.ms * share


def cost_per_1000(images_per_s: float, dollars_per_hour: float) -> float:
    """Dollars for 1,000 images on a machine rented at ``dollars_per_hour``."""
    if images_per_s <= 0 or dollars_per_hour < 0:
        raise ValueError("images_per_s: expected > 0 and dollars_per_hour >= 0, "
                         f"got {images_per_s!r} and {dollars_per_hour!r}")
    return dollars_per_hour / 3600 * 1000 / images_per_s


def budget_table(options: list[Option], budgets=BUDGETS, share: float = 1.0,
                 dollars_per_hour: float = 0.10):
    """One row per option: latency, throughput, cost per 1,000 images, and which budgets fit."""
    import pandas as pd

    rows = []
    for option in options:
        row = {"option": option.name, "ms per image (batch 1)": option.latency_ms,
               "images/s (in bulk)": option.images_per_s,
               "$ per 1,000 images": cost_per_1000(option.images_per_s, dollars_per_hour)}
        row.update({budget.name: "yes" if fits(option, budget, share) else "no"
                    for budget in budgets})
        rows.append(row)
    return pd.DataFrame(rows)


def plot_budgets(options: list[Option], budgets=BUDGETS, share: float = 1.0, ax=None):
    """Latency of each option (log scale) against the budgets as vertical lines."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(8, 1.5 + 0.45 * len(options)))[1]
    colours = ["C2" if fits(o, budgets[0], share) else "C0" for o in options]
    bars = ax.barh([o.name for o in options], [o.latency_ms for o in options], color=colours)
    ax.bar_label(bars, labels=[f"{o.latency_ms:,.1f} ms" for o in options], padding=3)
    for index, budget in enumerate(budgets):
        ax.axvline(budget.ms * share, color=f"C{3 + index}", linestyle="--", linewidth=1)
        ax.text(budget.ms * share, -0.6, f" {budget.name}", rotation=90, va="bottom",
                fontsize=8, color=f"C{3 + index}")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.margins(x=0.3)
    ax.set_xlabel("milliseconds per image at batch 1 (log scale; green fits the first budget)")
    ax.set_title("Generation latency against latency budgets"
                 + ("" if share == 1 else f" ({share:.0%} of each budget)"), pad=70)
    return ax


def options_from_saved(saved: Mapping[str, dict], prefix: str) -> list[Option] | None:
    """Options from a saved pair of comparisons ``<prefix>_batch1`` and ``<prefix>_batch64``
    (``results.comparisons``), or None while either is missing: latency and bulk throughput
    always come from the same set of candidates."""
    one, bulk = saved.get(f"{prefix}_batch1"), saved.get(f"{prefix}_batch64")
    return options_from_comparison(one, bulk) if one and bulk else None


def options_from_comparison(comparison, batch_comparison=None) -> list[Option]:
    """Options from comparisons (``Comparison`` objects, or dicts as ``Comparison.save`` writes
    them): latency from a batch-1 comparison, throughput from a batched one when given."""
    comparison, batch_comparison = (
        dataclasses.asdict(c) if dataclasses.is_dataclass(c) else c
        for c in (comparison, batch_comparison))
    bulk = {row["name"]: row["throughput"] for row in (batch_comparison or comparison)["rows"]}
    return [Option(row["name"], row["median_s"] / comparison["work"] * 1000,
                   bulk.get(row["name"], row["throughput"]))
            for row in comparison["rows"]]
