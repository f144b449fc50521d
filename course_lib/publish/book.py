"""The rendered book and the lecture slides: execute every notebook, write HTML plus an index.

    python -m course_lib.publish.book [--quick] [--lang zh] [--out build/book]
    python -m course_lib.publish.book --slides [--quick] [--lang zh] [--out build/slides]

Full mode by default (what a reader wants to see); ``--quick`` for a fast check or a lecture.
``--slides`` writes reveal.js slide decks instead of pages: every ``#``/``##`` heading cell
starts a slide and every ``###`` a sub-slide (``slide_metadata`` sets that in the notebooks).
``--lang zh`` builds the Chinese notebooks first (``translation.build``) and runs them with
``COURSE_LANG=zh`` into ``<out>/zh``. Pages and decks need no network (the course's templates
inline reveal.js and load nothing from a CDN) and are cleaned first (``cleaning``). The glossary
(``translations/zh/glossary.md``) is a page of every build.
A failing notebook stops the build with the notebook, the cell and the error named.
"""

from __future__ import annotations

import argparse
import contextlib
import html
import os
import re
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from course_lib import config, files
from course_lib.checks import check_bool, check_choice, check_int
from course_lib.i18n.glossary import GLOSSARY_PATH
from course_lib.i18n.language import LANGS, tr
from course_lib.publish import cleaning

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: What a page would fetch when opened: a script, style sheet, CSS import or JS module from a URL.
NETWORK_LOAD = re.compile(
    r"""<(?:script|link)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]*"""
    r"""|@import\s+url\(\s*["']?(?:https?:)?//[^"')\s]*"""
    r"""|\bimport\b[^;\n]*?\bfrom\s*["'](?:https?:)?//[^"']*"""
    r"""|\bimport\(\s*["'](?:https?:)?//[^"']*""", re.IGNORECASE)
#: The ``lang`` attribute of a page in each of the course's languages.
HTML_LANG = {"en": "en", "zh": "zh-CN"}


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


def exporter(*, slides: bool, lang: str = "en"):
    """nbconvert's page or deck exporter with the course's offline templates (``templates/``)."""
    from nbconvert import HTMLExporter, SlidesExporter

    kind, template = (SlidesExporter, "offline_reveal") if slides else (HTMLExporter, "offline_lab")
    return kind(embed_images=True, template_name=template, extra_template_basedirs=[str(TEMPLATES)],
                language_code=HTML_LANG[lang].split("-")[0])


def network_loads(page: str) -> list[str]:
    """Every script, style sheet or module ``page`` would fetch from the network when opened."""
    return NETWORK_LOAD.findall(page)


def course_notebooks(lang: str) -> list[Path]:
    """The course's notebooks in ``lang``: the English sources, or the Chinese ones built now."""
    if lang == "en":
        found = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    else:
        from course_lib.publish import translation

        found = translation.build(lang=lang)
    if not found:
        raise BookError(f"no {lang} notebooks found to build (sources: {config.NOTEBOOKS_DIR})")
    return found


@contextlib.contextmanager
def environment(**values: str) -> Iterator[None]:
    """Set environment variables for the kernels started inside, then put back what was there."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def build(out: Path, *, quick: bool = False, notebooks: list[Path] | None = None,
          slides: bool = False, lang: str = "en",
          glossary: Path | None = GLOSSARY_PATH) -> list[Page]:
    """Execute ``notebooks`` (default: all of the course's in ``lang``, in order), write one
    cleaned, self-contained HTML page (or slide deck) each, the glossary page and an index."""
    check_bool("quick", quick)
    check_bool("slides", slides)
    check_choice("lang", lang, LANGS)
    if notebooks is None:
        notebooks = course_notebooks(lang)
    elif not notebooks:
        raise ValueError("notebooks: expected at least one notebook path, got none")
    export = exporter(slides=slides, lang=lang)
    suffix = ".slides.html" if slides else ".html"
    pages = []
    with environment(COURSE_QUICK="1" if quick else "0", COURSE_LANG=lang):  # kernels inherit them
        for number, path in enumerate(notebooks, 1):
            print(f"[{number}/{len(notebooks)}] executing {path.name} "
                  f"({'quick' if quick else 'full'} mode) ...", flush=True)
            started = time.perf_counter()
            notebook = execute(path)
            seconds = time.perf_counter() - started
            cleaning.strip_native_logs(notebook)
            cleaning.freeze_widgets(notebook)
            if slides:
                slide_metadata(notebook)
            body, _ = export.from_notebook_node(notebook)
            write_page(out / (path.stem + suffix), body)
            pages.append(Page(path.stem + suffix, notebook_title(notebook), seconds))
    extra = []
    if glossary is not None:
        title, body = glossary_page(glossary, lang)
        write_page(out / "glossary.html", body)
        extra.append(Page("glossary.html", title, 0.0))
    files.write_text_atomic(out / "index.html", index_page(pages, quick, lang, extra))
    return pages + extra


def write_page(path: Path, body: str) -> None:
    """Write a page atomically, saying which network loads are left in it (there should be none)."""
    for url in network_loads(body):
        print(f"book: warning: {path.name} loads {url!r} from the network", file=sys.stderr)
    files.write_text_atomic(path, body)


def glossary_page(source: Path, lang: str) -> tuple[str, str]:
    """The glossary (markdown) as a stand-alone HTML page: its title and the page."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    text = source.read_text(encoding="utf-8")
    title = next((line[2:].strip() for line in text.splitlines() if line.startswith("# ")),
                 source.stem)
    style = ("body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:0.3em 0.6em}")
    with environment(COURSE_LANG=lang):
        course = tr("Faster Image Generation")
    page = (f"<!doctype html><html lang='{HTML_LANG[lang]}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(title)}</title><style>{style}</style></head><body>"
            f"<p><a href='index.html'>{html.escape(course)}</a></p>"
            f"{markdown2html_mistune(text)}</body></html>\n")
    return title, page


def index_page(pages: list[Page], quick: bool, lang: str = "en",
               extra: Sequence[Page] = ()) -> str:
    """The build's front page in ``lang``: every notebook with its run time, then ``extra``."""
    with environment(COURSE_LANG=lang):  # the page's words in its language
        course = tr("Faster Image Generation")
        mode = (tr("quick mode (smaller data, fewer epochs)") if quick else tr("full mode"))
        intro = tr("Every notebook of the course, executed in {mode} on this machine; every "
                   "number in these pages was measured in this build.", mode=mode)
        run_times = [tr("({seconds:.0f} s to run)", seconds=p.seconds) for p in pages]
    items = "\n".join(
        f'<li><a href="{html.escape(p.page)}">{html.escape(p.title)}</a> '
        f"<small>{run_time}</small></li>" for p, run_time in zip(pages, run_times))
    more = "".join(f'<p><a href="{html.escape(p.page)}">{html.escape(p.title)}</a></p>'
                   for p in extra)
    return (f"<!doctype html><html lang='{HTML_LANG[lang]}'><head><meta charset='utf-8'>"
            f"<title>{html.escape(course)}</title></head>"
            f"<body style='font-family:sans-serif;max-width:50em;margin:2em auto'>"
            f"<h1>{html.escape(course)}</h1><p>{intro}</p><ol>{items}</ol>{more}"
            f"</body></html>\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="quick mode (default: full)")
    parser.add_argument("--slides", action="store_true", help="reveal.js slides, not pages")
    parser.add_argument("--lang", choices=LANGS, default="en",
                        help="the notebooks' language (zh: built from translations/zh first)")
    parser.add_argument("--out", type=Path,
                        help="default: build/book or build/slides (plus /zh for Chinese)")
    args = parser.parse_args(argv)
    if args.out is None:
        args.out = config.ROOT / "build" / ("slides" if args.slides else "book")
        if args.lang != "en":
            args.out = args.out / args.lang
    try:
        pages = build(args.out, quick=args.quick, slides=args.slides, lang=args.lang)
    except BookError as error:
        print(f"book: build stopped: {error}", file=sys.stderr)
        return 1
    print(f"book: {len(pages)} {'decks' if args.slides else 'pages'} in {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
