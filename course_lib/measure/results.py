"""One results store: every notebook saves its measurements to ``results/``; notebook 08's
course report reads them all back and says which are missing and which notebook makes them.

One format: every result is a ``Comparison`` written by ``Comparison.save`` (JSON with a sha256
sidecar, a CSV beside it), read back by ``Comparison.load``. A file in any other format is
reported, with why, never guessed at. The list of expected results is read from the notebooks
themselves (every ``.save("name")`` in a code cell), so it cannot drift from what they save.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from course_lib import config, files
from course_lib.i18n.language import tr
from course_lib.measure.comparison import Comparison
from course_lib.measure.machine import describe
from course_lib.measure.timing import fmt

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

NAME = r"[A-Za-z0-9_.-]+"  # a result's name: a file name in results/, without .json
SAVE_CALL = re.compile(rf"""\.save\(\s*["']({NAME})["']\s*\)""")


def expected_results(notebooks_dir: str | os.PathLike | None = None) -> dict[str, str]:
    """{result name: notebook file} for every ``.save("name")`` in the notebooks' code."""
    import nbformat

    expected = {}
    for path in sorted(_folder("notebooks_dir", notebooks_dir, config.NOTEBOOKS_DIR)
                       .glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type == "code":
                code = "\n".join(line.split("#", 1)[0] for line in cell.source.splitlines())
                for name in SAVE_CALL.findall(code):
                    expected.setdefault(name, path.name)
    return expected


@dataclass(frozen=True)
class StoredResult:
    """One expected result: its comparison, or None with the ``problem`` (missing, corrupted,
    not a comparison)."""

    name: str
    notebook: str
    comparison: Comparison | None
    problem: str = ""

    @property
    def found(self) -> bool:
        return self.comparison is not None


def load_result(name: str, results_dir: str | os.PathLike | None = None) -> Comparison:
    """One saved comparison, after checking the file is whole (its sha256 sidecar)."""
    return Comparison.load(_result_path(name, results_dir))


def load_all(results_dir: str | os.PathLike | None = None,
             notebooks_dir: str | os.PathLike | None = None) -> list[StoredResult]:
    """Every expected result, found or not (a corrupted file counts as not found, with why)."""
    stored = []
    for name, notebook in expected_results(notebooks_dir).items():
        if not _result_path(name, results_dir).exists():
            stored.append(StoredResult(name, notebook, None, "not saved yet"))
            continue
        try:
            stored.append(StoredResult(name, notebook, load_result(name, results_dir)))
        except files.FileIntegrityError as error:
            stored.append(StoredResult(name, notebook, None, str(error)))
        except ValueError as error:  # not a comparison, or one from another course_lib version
            stored.append(StoredResult(name, notebook, None,
                                       f"unreadable, rerun {notebook}: {error}"))
    return stored


def summary_frame(stored: list[StoredResult]) -> pd.DataFrame:
    """One row per result: where it comes from, when and where it was measured, its headline."""
    import pandas as pd

    rows = []
    for result in stored:
        found = result.comparison
        rows.append({"result": result.name, "notebook": result.notebook,
                     "status": "found" if found else result.problem,
                     "title": found.title if found else "",
                     "mode": found.mode if found else "",
                     "measured": found.created if found else "",
                     "machine": describe(found.machine) if found else "",
                     "headline": headline(found) if found else ""})
    return pd.DataFrame(rows)


def headline(comparison: Comparison) -> str:
    """The one-line story of a comparison: the fastest candidate and its speedup."""
    best = min(comparison.rows, key=lambda row: row.median_s)
    return f"fastest: {best.name} ({fmt(best.speedup)}x vs {comparison.baseline})"


def comparisons(stored: list[StoredResult]) -> dict[str, Comparison]:
    """The saved comparisons that were found, by result name."""
    return {result.name: result.comparison for result in stored if result.found}


def plot_headlines(stored: list[StoredResult], ax: Axes | None = None) -> Axes:
    """The best measured speedup of every saved comparison, one bar each (log scale)."""
    import matplotlib.pyplot as plt

    found = [(name, max(row.speedup for row in comparison.rows))
             for name, comparison in comparisons(stored).items()]
    ax = ax or plt.subplots(figsize=(8, 1.2 + 0.4 * max(1, len(found))))[1]
    if not found:
        ax.text(0.5, 0.5, tr("no comparisons saved yet: run notebooks 00-05 first"),
                ha="center", va="center", transform=ax.transAxes)
        return ax
    bars = ax.barh([name for name, _ in found], [speedup for _, speedup in found], color="C0")
    ax.bar_label(bars, labels=[f"{fmt(speedup)}x" for _, speedup in found], padding=3)
    ax.set_xscale("log")
    ax.invert_yaxis()
    ax.margins(x=0.2)
    ax.set(xlabel=tr("best speedup over that comparison's baseline (log scale)"),
           title=tr("Every speed-up measured in this course, on this machine"))
    return ax


def _folder(argument: str, folder: str | os.PathLike | None, default: Path) -> Path:
    if folder is None:
        return Path(default)
    if not isinstance(folder, (str, os.PathLike)):
        raise TypeError(f"{argument}: expected a folder path, got {type(folder).__name__}")
    return Path(folder)


def _result_path(name: object, results_dir: str | os.PathLike | None) -> Path:
    if not isinstance(name, str):
        raise TypeError(f"name: expected a result name such as '00_first_comparison', "
                        f"got {type(name).__name__}")
    if not re.fullmatch(NAME, name):
        raise ValueError(f"name: expected letters, digits, '_', '.' or '-' (a file name in "
                         f"results/, no .json), got {name!r}")
    return _folder("results_dir", results_dir, config.RESULTS_DIR) / f"{name}.json"


def report_checks(checks: list[tuple[bool, str]]) -> int:
    """Print a benchmark's targets, one ``PASS``/``FAIL`` line each (``(met, what)``, ``what``
    naming the measured ratio and its target); the exit code: 0 if all were met, else 1."""
    print()
    for met, what in checks:
        print(f"{'PASS' if met else 'FAIL'}  {what}")
    return 0 if all(met for met, _ in checks) else 1
