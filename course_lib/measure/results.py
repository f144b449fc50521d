"""One results store: every notebook saves its measurements to ``results/``; the capstone
(notebook 06) reads them all back and says which are missing and which notebook makes them.

The list of expected results is read from the notebooks themselves (every ``.save("name")``
in a code cell), so it cannot drift from what the notebooks really save.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from course_lib import config, files

SAVE_CALL = re.compile(r"""\.save\(\s*["']([A-Za-z0-9_.-]+)["']\s*\)""")


def expected_results(notebooks_dir: Path | None = None) -> dict[str, str]:
    """{result name: notebook file} for every ``.save("name")`` in the notebooks' code."""
    import nbformat

    expected = {}
    for path in sorted((notebooks_dir or config.NOTEBOOKS_DIR).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                code = "\n".join(line.split("#", 1)[0] for line in cell.source.splitlines())
                for name in SAVE_CALL.findall(code):
                    expected.setdefault(name, path.name)
    return expected


@dataclass(frozen=True)
class StoredResult:
    name: str
    notebook: str
    data: dict | None  # None when missing or unreadable
    problem: str = ""

    @property
    def found(self) -> bool:
        return self.data is not None


def load_result(name: str, results_dir: Path | None = None) -> dict:
    """One saved result as a dict, after checking the file is whole."""
    path = (results_dir or config.RESULTS_DIR) / f"{name}.json"
    return json.loads(files.verify(path).read_text(encoding="utf-8"))


def load_all(results_dir: Path | None = None,
             notebooks_dir: Path | None = None) -> list[StoredResult]:
    """Every expected result, found or not (a corrupted file counts as not found, with why)."""
    results_dir = results_dir or config.RESULTS_DIR
    stored = []
    for name, notebook in expected_results(notebooks_dir).items():
        if not (results_dir / f"{name}.json").exists():
            stored.append(StoredResult(name, notebook, None, "not saved yet"))
            continue
        try:
            stored.append(StoredResult(name, notebook, load_result(name, results_dir)))
        except (files.FileIntegrityError, ValueError) as error:
            stored.append(StoredResult(name, notebook, None, str(error)))
    return stored


def summary_frame(stored: list[StoredResult]):
    """One row per result: where it comes from, when and where it was measured, its headline."""
    import pandas as pd

    rows = []
    for result in stored:
        data = result.data or {}
        rows.append({"result": result.name, "notebook": result.notebook,
                     "status": "found" if result.found else result.problem,
                     "title": data.get("title", data.get("kind", "")),
                     "mode": data.get("mode", ""),
                     "measured": data.get("created", ""),
                     "machine": _machine_line(data.get("machine")),
                     "headline": headline(data) if result.found else ""})
    return pd.DataFrame(rows)


def headline(data: dict) -> str:
    """The one-line story of a result: the best candidate and its speedup over the baseline."""
    rows = data.get("rows") or []
    if rows and "median_s" in rows[0]:  # a Comparison saved by course_lib.measure
        best = min(rows, key=lambda row: row["median_s"])
        return f"fastest: {best['name']} ({best['speedup']:.1f}x vs {data.get('baseline')})"
    if rows and "speedup" in rows[0]:
        name_key = next(iter(rows[0]))
        best = max(rows, key=lambda row: row["speedup"] or 0)
        return f"best: {best[name_key]} ({best['speedup']:.1f}x)"
    return ""


def _machine_line(machine: dict | None) -> str:
    if not machine:
        return ""
    from course_lib.measure.machine import describe

    return describe(machine)


def comparisons(stored: list[StoredResult]) -> dict[str, dict]:
    """The saved ``compare`` results that were found, by result name."""
    return {r.name: r.data for r in stored if r.found and r.data.get("rows")
            and "median_s" in r.data["rows"][0]}


def plot_headlines(stored: list[StoredResult], ax=None):
    """The best measured speedup of every saved comparison, one bar each (log scale)."""
    import matplotlib.pyplot as plt

    found = [(name, max(row["speedup"] for row in data["rows"]))
             for name, data in comparisons(stored).items()]
    ax = ax or plt.subplots(figsize=(8, 1.2 + 0.4 * max(1, len(found))))[1]
    if not found:
        ax.text(0.5, 0.5, "no comparisons saved yet: run notebooks 00-05 first",
                ha="center", va="center", transform=ax.transAxes)
        return ax
    bars = ax.barh([name for name, _ in found], [speedup for _, speedup in found], color="C0")
    ax.bar_label(bars, labels=[f"{speedup:,.1f}x" for _, speedup in found], padding=3)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.margins(x=0.2)
    ax.set(xlabel="best speedup over that comparison's baseline (log scale)",
           title="Every speed-up measured in this course, on this machine")
    return ax
