"""Latency budgets: where faster image generation matters, in milliseconds.

A frame budget is the whole time between two frames; generation usually gets only a share of
it (the rest goes to rendering, physics, the game itself), so ``fits`` takes that share.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from course_lib.checks import check_number
from course_lib.i18n.language import tr
from course_lib.measure.comparison import Comparison
from course_lib.measure.timing import fmt

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes
    from pandas.io.formats.style import Styler


@dataclass(frozen=True)
class Budget:
    """A latency budget: ``key`` identifies it in code, ``name`` is the label tables show."""

    key: str
    name: str
    ms: float
    why: str

    def __post_init__(self) -> None:
        check_number("ms", self.ms, positive=True)


BUDGETS = (  # the course's one table of budgets (notebooks 01 and 08 both read it)
    Budget("vr_90hz", "VR at 90 Hz", 1000 / 90, "one frame per eye refresh; a late frame judders"),
    Budget("game_60fps", "game at 60 fps", 1000 / 60, "one frame; the game loop needs most of it"),
    Budget("game_30fps", "game at 30 fps", 1000 / 30, "one frame on consoles and phones"),
    Budget("instant", "feels instant (0.1 s)", 100.0,
           "under ~100 ms a response feels instant: a live design tool"),
    Budget("flow", "keeps the flow of thought (1 s)", 1000.0,
           "about 1 s: a user waits for a web request, but stays"),
)
BUDGETS_BY_KEY = {budget.key: budget for budget in BUDGETS}


def budgets_markdown(budgets: Sequence[Budget] = BUDGETS) -> str:
    """The budgets as a Markdown table (where, milliseconds, why) for a notebook to display:
    one table in the code, so the page can never quote a budget the code does not use."""
    lines = ["| where | latency budget | why |", "|---|---|---|"]
    lines += [f"| {b.name} | {fmt(b.ms)} ms | {b.why} |" for b in budgets]
    return "\n".join(lines)


@dataclass(frozen=True)
class Option:
    """One way to generate: its latency for one image and its throughput in bulk. ``name``
    identifies it (a rung or generator id); ``label`` is what tables and charts show."""

    name: str
    latency_ms: float
    images_per_s: float
    label: str = ""

    @property
    def shown(self) -> str:
        """The label, or the name when there is none."""
        return self.label or self.name

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise TypeError(f"name: expected a string, got {type(self.name).__name__}")
        check_number("latency_ms", self.latency_ms, positive=True)
        check_number("images_per_s", self.images_per_s, positive=True)


def fits(option: Option, budget: Budget, share: float = 1.0) -> bool:
    """Does one image fit in ``share`` of the budget (e.g. 0.25 of a frame)?"""
    share = check_number("share", share, positive=True, maximum=1.0)
    return option.latency_ms <= budget.ms * share


def cost_per_1000(images_per_s: float, dollars_per_hour: float) -> float:
    """Dollars for 1,000 images on a machine rented at ``dollars_per_hour``."""
    images_per_s = check_number("images_per_s", images_per_s, positive=True)
    return check_number("dollars_per_hour", dollars_per_hour) / 3600 * 1000 / images_per_s


def money(dollars: float) -> str:
    """Dollars at two significant figures, never in scientific notation: a reader sees at a
    glance that $0.00009 is tiny, where ``$9e-05`` hides it. $1,234.50 / $0.34 / $0.00009."""
    if not math.isfinite(dollars):
        return fmt(dollars)
    if abs(dollars) >= 1 or dollars == 0:
        return f"${dollars:,.2f}"
    decimals = 1 - math.floor(math.log10(abs(dollars)))  # two significant figures
    text = f"{dollars:.{max(2, decimals)}f}"
    return "$" + (text.rstrip("0") if decimals > 2 else text)


def budget_table(options: list[Option], budgets: Sequence[Budget] = BUDGETS, share: float = 1.0,
                 dollars_per_hour: float = 0.10) -> pd.DataFrame:
    """One row per option: latency, throughput, cost per 1,000 images, and which budgets fit."""
    import pandas as pd

    rows = []
    for option in options:
        row = {"option": option.name, "label": option.shown,
               "ms per image (batch 1)": option.latency_ms,
               "images/s (in bulk)": option.images_per_s,
               "$ per 1,000 images": cost_per_1000(option.images_per_s, dollars_per_hour)}
        row.update({budget.name: "yes" if fits(option, budget, share) else "no"
                    for budget in budgets})
        rows.append(row)
    return pd.DataFrame(rows)


def show_budget_table(table: pd.DataFrame) -> Styler:
    """``budget_table`` as a notebook displays it: every number readable (0.335 images/s, not
    ``0``; $0.00009, not ``$9e-05``), yes/no and headers in the run's language, no index. The
    table itself keeps its English column names, which code and the question bank index by."""
    numbers = {"ms per image (batch 1)": fmt, "images/s (in bulk)": fmt,
               "$ per 1,000 images": money}
    answers = {"yes": tr("yes"), "no": tr("no")}
    headers = {"option": tr("option"), "label": tr("label"),
               "ms per image (batch 1)": tr("ms per image (batch 1)"),
               "images/s (in bulk)": tr("images/s (in bulk)"),
               "$ per 1,000 images": tr("$ per 1,000 images")}
    formats = {column: numbers.get(column, lambda answer: answers.get(answer, answer))
               for column in table.columns if column not in ("option", "label")}
    return (table.style.format(formats).hide(axis="index")
            .relabel_index([headers.get(column, column) for column in table.columns],
                           axis="columns"))


def plot_budgets(options: list[Option], budgets: Sequence[Budget] = BUDGETS, share: float = 1.0,
                 ax: Axes | None = None) -> Axes:
    """Latency of each option (log scale) against the budgets as vertical lines."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(8, 1.5 + 0.45 * len(options)))[1]
    colours = ["C2" if fits(o, budgets[0], share) else "C0" for o in options]
    bars = ax.barh([o.shown for o in options], [o.latency_ms for o in options], color=colours)
    ax.bar_label(bars, labels=[f"{o.latency_ms:,.1f} ms" for o in options], padding=3)
    for index, budget in enumerate(budgets):
        ax.axvline(budget.ms * share, color=f"C{3 + index}", linestyle="--", linewidth=1)
        ax.text(budget.ms * share, -0.6, f" {budget.name}", rotation=90, va="bottom",
                fontsize=8, color=f"C{3 + index}")
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.margins(x=0.3)
    ax.set_xlabel(tr("milliseconds per image at batch 1 (log scale; green fits the first budget)"))
    title = (tr("Generation latency against latency budgets") if share == 1 else
             tr("Generation latency against latency budgets ({share:.0%} of each budget)",
                share=share))
    ax.set_title(title, pad=70)
    return ax


def plot_costs(options: list[Option], dollars_per_hour: float, ax: Axes | None = None) -> Axes:
    """Dollars per 1,000 images of each option in bulk (log scale): the price of offline work."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(7, 2 + 0.3 * len(options)))[1]
    costs = [cost_per_1000(o.images_per_s, dollars_per_hour) for o in options]
    bars = ax.barh([o.shown for o in options], costs, color="C1")
    ax.bar_label(bars, labels=[money(cost) for cost in costs], padding=3)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.margins(x=0.3)
    ax.set(xlabel=tr("dollars per 1,000 images (log scale)"),
           title=tr("Cost of offline generation at ${dollars:g} per hour",
                    dollars=dollars_per_hour))
    return ax


def options_from_saved(saved: Mapping[str, Comparison], prefix: str) -> list[Option] | None:
    """Options from a saved pair of comparisons ``<prefix>_batch1`` and ``<prefix>_batch64``
    (``results.comparisons``), or None while either is missing: latency and bulk throughput
    always come from the same set of candidates."""
    one, bulk = saved.get(f"{prefix}_batch1"), saved.get(f"{prefix}_batch64")
    return options_from_comparison(one, bulk) if one and bulk else None


def options_from_comparison(comparison: Comparison,
                            batch_comparison: Comparison | None = None) -> list[Option]:
    """One option per candidate of ``comparison``: latency per image from it (a batch-1
    comparison), throughput from ``batch_comparison`` where that timed the candidate in bulk."""
    bulk = comparison if batch_comparison is None else batch_comparison
    for name, value in {"comparison": comparison, "batch_comparison": bulk}.items():
        if not isinstance(value, Comparison):
            raise TypeError(f"{name}: expected a measure.Comparison, got {type(value).__name__}")
    return [Option(name, comparison.per_item_ms(name),
                   (bulk if name in bulk.names() else comparison).row(name).throughput,
                   comparison.label(name))
            for name in comparison.names()]
