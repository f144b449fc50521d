"""Notebooks are stored clean and share one shape; nbval (in the same run) executes them."""

import json
import re

import pytest

from course_lib import config

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
NAME = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


def _cells(path):
    return json.loads(path.read_text(encoding="utf-8"))["cells"]


def _markdown(path):
    return ["".join(cell["source"]) for cell in _cells(path) if cell["cell_type"] == "markdown"]


def test_the_course_has_notebooks_starting_with_00():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs(path):
    dirty = [i for i, cell in enumerate(_cells(path)) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count") is not None)]
    assert not dirty, f"{path.name}: clear the outputs of cells {dirty} before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_numbered_name_and_python3_kernel(path):
    assert NAME.match(path.name)
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert notebook["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_opens_with_objectives_run_time_and_prerequisites(path):
    first = _markdown(path)[0]
    assert first.startswith(f"# {path.name[:2]} ")
    for part in ("Learning objectives", "Expected run time", "Prerequisites"):
        assert part in first, f"{path.name}: the first cell lacks '{part}'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ends_with_summary_exercises_and_next(path):
    headings = [line.strip() for text in _markdown(path) for line in text.splitlines()
                if line.startswith("## ")]
    for part in ("## Summary", "## Exercises", "## Next"):
        assert part in headings, f"{path.name}: no '{part}' section"
    assert headings.index("## Summary") < headings.index("## Next")


YEAR = re.compile(r"\((19|20)\d\d[a-z]?\)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_ends_with_its_references_before_next(path):
    """Each notebook names the works it relies on, each with its year and what it showed."""
    texts = _markdown(path)
    sections = [text for text in texts if text.lstrip().startswith("## References")]
    assert len(sections) == 1, f"{path.name}: needs one '## References' cell"
    headings = [line.strip() for text in texts for line in text.splitlines()
                if line.startswith("## ")]
    assert headings.index("## References") == headings.index("## Next") - 1, (
        f"{path.name}: '## References' must come just before '## Next'")
    entries = [line for line in sections[0].splitlines() if line.startswith("- ")]
    assert entries, f"{path.name}: the references section lists no works"
    for entry in entries:
        assert YEAR.search(entry), f"{path.name}: reference without a (year): {entry[:60]}"
        assert " — " in entry, f"{path.name}: reference without what it showed: {entry[:60]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_links_between_notebooks_resolve(path):
    for text in _markdown(path):
        for target in re.findall(r"\]\(([^)#\s]+\.ipynb)", text):
            assert (config.NOTEBOOKS_DIR / target).exists(), f"{path.name} links to {target}"
