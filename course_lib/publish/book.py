"""The rendered book and the lecture slides: execute every notebook, write HTML plus an index.

    python -m course_lib.publish.book [--quick] [--out build/book]
    python -m course_lib.publish.book --slides [--quick] [--out build/slides]

Full mode by default (what a reader wants to see); ``--quick`` for a fast check or a lecture.
``--slides`` writes reveal.js slide decks instead of pages: every ``#``/``##`` heading cell
starts a slide and every ``###`` a sub-slide (``slide_metadata`` sets that in the notebooks).
A failing notebook stops the build with the notebook, the cell and the error named.
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from course_lib import config, files
from course_lib.checks import check_bool, check_int


class BookError(RuntimeError):
    """A notebook failed while the book was built."""


@dataclass(frozen=True)
class Page:
    page: str
    title: str
    seconds: float


def notebook_title(notebook) -> str:
    """The first '# ' heading of the first markdown cell."""
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return "untitled"


def execute(path: Path, timeout: int = 1200):
    """Run a notebook top to bottom in its own folder; raise BookError naming the failing cell."""
    check_int("timeout", timeout, minimum=1)
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as error:
        index = next((i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"
                      and any(o.get("output_type") == "error" for o in cell.get("outputs", []))),
                     None)
        first_line = notebook.cells[index].source.splitlines()[0] if index is not None else "?"
        message = str(error).strip().splitlines()[-1]
        raise BookError(f"{path.name}: cell {index} ({first_line!r}) failed: {message}") from error
    return notebook


def slide_type(cell) -> str:
    """Where a cell goes in a deck: headings open slides, everything else follows on."""
    first = cell.source.lstrip().split("\n", 1)[0] if cell.cell_type == "markdown" else ""
    if first.startswith(("# ", "## ")):
        return "slide"
    if first.startswith("### "):
        return "subslide"
    return "-"


def slide_metadata(notebook) -> int:
    """Give every cell without ``slideshow`` metadata its slide type by the heading rule
    (an author's own choice in the notebook wins); returns how many cells it set."""
    unset = [cell for cell in notebook.cells if "slideshow" not in cell.metadata]
    for cell in unset:
        cell.metadata["slideshow"] = {"slide_type": slide_type(cell)}
    return len(unset)


def build(out: Path, *, quick: bool = False, notebooks: list[Path] | None = None,
          slides: bool = False) -> list[Page]:
    """Execute ``notebooks`` (default: all, in order), write one HTML page (or slide deck)
    each and an index."""
    from nbconvert import HTMLExporter, SlidesExporter

    check_bool("quick", quick)
    check_bool("slides", slides)
    if notebooks is None:
        notebooks = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
        if not notebooks:
            raise BookError(f"no notebooks found to build in {config.NOTEBOOKS_DIR}")
    elif not notebooks:
        raise ValueError("notebooks: expected at least one notebook path, got none")
    exporter = SlidesExporter(embed_images=True) if slides else HTMLExporter(embed_images=True)
    suffix = ".slides.html" if slides else ".html"
    pages = []
    saved = os.environ.get("COURSE_QUICK")
    os.environ["COURSE_QUICK"] = "1" if quick else "0"  # the kernels inherit it
    try:
        for number, path in enumerate(notebooks, 1):
            print(f"[{number}/{len(notebooks)}] executing {path.name} "
                  f"({'quick' if quick else 'full'} mode) ...", flush=True)
            started = time.perf_counter()
            notebook = execute(path)
            seconds = time.perf_counter() - started
            if slides:
                slide_metadata(notebook)
            body, _ = exporter.from_notebook_node(notebook)
            files.write_text_atomic(out / (path.stem + suffix), body)
            pages.append(Page(path.stem + suffix, notebook_title(notebook), seconds))
    finally:
        if saved is None:
            os.environ.pop("COURSE_QUICK", None)
        else:
            os.environ["COURSE_QUICK"] = saved
    files.write_text_atomic(out / "index.html", index_page(pages, quick))
    return pages


def index_page(pages: list[Page], quick: bool) -> str:
    items = "\n".join(
        f'<li><a href="{html.escape(p.page)}">{html.escape(p.title)}</a> '
        f"<small>({p.seconds:.0f} s to run)</small></li>" for p in pages)
    mode = "quick mode (smaller data, fewer epochs)" if quick else "full mode"
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>Faster Image Generation"
            f"</title></head><body style='font-family:sans-serif;max-width:50em;margin:2em auto'>"
            f"<h1>Faster Image Generation</h1><p>Every notebook of the course, executed in "
            f"{mode} on this machine; every number in these pages was measured in this build."
            f"</p><ol>{items}</ol></body></html>\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quick mode (default: full)")
    parser.add_argument("--slides", action="store_true", help="reveal.js slides, not pages")
    parser.add_argument("--out", type=Path, help="default: build/book or build/slides")
    args = parser.parse_args(argv)
    args.out = args.out or config.ROOT / "build" / ("slides" if args.slides else "book")
    try:
        pages = build(args.out, quick=args.quick, slides=args.slides)
    except BookError as error:
        print(f"book: build stopped: {error}", file=sys.stderr)
        return 1
    print(f"book: {len(pages)} {'decks' if args.slides else 'pages'} in {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
