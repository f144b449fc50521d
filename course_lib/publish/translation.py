"""Translated notebooks: the English notebooks stay the one source of code; the words of their
markdown cells in another language live in reviewable text files, one per notebook.

    python -m course_lib.publish.translation status [--lang zh]     # what is missing or stale
    python -m course_lib.publish.translation skeleton [--lang zh]   # add entries for new cells
    python -m course_lib.publish.translation build [--lang zh] [--out DIR]

``translations/<lang>/notebooks/NN_topic.md`` holds one entry per markdown cell, in notebook
order, each opened by a line naming the cell's id and the first 12 hex digits of the sha256 of
the English source it translates::

    <!-- cell cd75c542 en:3f9a0c1d2b7e -->
    # 02 — 画图形……

When the English cell changes its hash no longer matches, so the entry is *stale* and the test
suite names it until a translator updates it. ``skeleton`` adds an entry marked ``todo`` (with
the English as a starting point) for every cell that has none. The built notebooks
(``notebooks/<lang>/``, git-ignored) have exactly the English code cells; relative links are
re-pointed so they still reach the same files from the deeper folder.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from course_lib import config, files
from course_lib.checks import check_choice
from course_lib.i18n.language import LANGS, TRANSLATIONS_DIR

HEADER = re.compile(r"^<!-- cell (?P<id>\S+) en:(?P<hash>[0-9a-f]{12})(?P<todo> todo)? -->$",
                    re.MULTILINE)
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
CODE_SPAN = re.compile(r"`([^`]+)`")  # a span may wrap onto the next line
LINK_TARGET = re.compile(r"\]\(([^)\s]+)")
HTML_TARGET = re.compile(r"""(?:src|href)=["']([^"']+)["']""")
HEADING = re.compile(r"^(#{1,6}) ", re.MULTILINE)
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


class TranslationError(ValueError):
    """A translation file that cannot be read as entries."""


@dataclass(frozen=True)
class Entry:
    cell_id: str
    english_hash: str
    text: str
    todo: bool = False

    def render(self) -> str:
        mark = " todo" if self.todo else ""
        return f"<!-- cell {self.cell_id} en:{self.english_hash}{mark} -->\n{self.text.strip()}\n"


def source_hash(english: str) -> str:
    """The key of an English cell's text: 12 hex digits of its sha256."""
    return hashlib.sha256(english.encode("utf-8")).hexdigest()[:12]


def translation_file(notebook: Path, lang: str) -> Path:
    return TRANSLATIONS_DIR / lang / "notebooks" / (Path(notebook).stem + ".md")


def read_entries(path: Path) -> dict[str, Entry]:
    """The entries of one translation file, by cell id (an absent file has none)."""
    if not path.exists():
        return {}
    text = path.read_text(encoding="utf-8")
    headers = list(HEADER.finditer(text))
    if text[:headers[0].start() if headers else len(text)].strip():
        raise TranslationError(f"{path}: text before the first '<!-- cell ID en:HASH -->' line")
    entries: dict[str, Entry] = {}
    for header, following in zip(headers, headers[1:] + [None]):
        body = text[header.end():following.start() if following else len(text)].strip()
        cell_id = header["id"]
        if cell_id in entries:
            raise TranslationError(f"{path}: cell {cell_id} has two entries")
        entries[cell_id] = Entry(cell_id, header["hash"], body, bool(header["todo"]))
    return entries


def _markdown_cells(notebook) -> list:
    return [cell for cell in notebook.cells if cell.cell_type == "markdown"]


def _read_notebook(path: Path):
    import nbformat
    return nbformat.read(path, as_version=4)


def _outside_fences(text: str) -> str:
    return FENCE.sub("", text)


def _structure(text: str) -> dict[str, object]:
    """What a translation must keep from its English cell: heading levels (slides are cut at
    them), code blocks, inline code, link targets and every number."""
    prose = _outside_fences(text)
    return {"heading levels": [len(m[1]) for m in HEADING.finditer(prose)],
            "code blocks": FENCE.findall(text),
            "inline code": {" ".join(span.split()) for span in CODE_SPAN.findall(prose)},
            "link targets": set(LINK_TARGET.findall(prose)) | set(HTML_TARGET.findall(prose)),
            "numbers": {n.replace(",", "") for n in NUMBER.findall(prose)}}


def mismatches(english: str, translated: str) -> list[str]:
    """How ``translated`` fails to keep the structure of ``english`` (empty when it keeps it).

    Numbers need only all be there (a translation may add one); everything else must match."""
    want, got = _structure(english), _structure(translated)
    found = []
    for key, value in want.items():
        if key == "numbers":
            lost = sorted(value - got[key])
            if lost:
                found.append(f"numbers missing: {', '.join(lost)}")
        elif value != got[key]:
            if isinstance(value, set):
                detail = (f"missing {sorted(value - got[key])}, extra {sorted(got[key] - value)}")
            else:
                detail = f"English {value!r}, translation {got[key]!r}"
            found.append(f"{key} differ ({detail})")
    return found


def problems(notebook: Path, lang: str = "zh") -> list[str]:
    """Every reason the ``lang`` edition of ``notebook`` is not complete and current, each
    naming the cell by id and its English first line."""
    check_choice("lang", lang, LANGS[1:])
    notebook = Path(notebook)
    path = translation_file(notebook, lang)
    entries = read_entries(path)
    found = []
    cells = _markdown_cells(_read_notebook(notebook))
    for cell in cells:
        where = f"{notebook.name} cell {cell.id} ({cell.source.strip().splitlines()[0][:60]!r})"
        entry = entries.get(cell.id)
        if entry is None:
            found.append(f"{where}: missing from {path.name}")
        elif entry.todo:
            found.append(f"{where}: still marked todo")
        elif entry.english_hash != source_hash(cell.source):
            found.append(f"{where}: stale (the English changed since it was translated)")
        else:
            found += [f"{where}: {m}" for m in mismatches(cell.source, entry.text)]
    orphans = sorted(set(entries) - {cell.id for cell in cells})
    found += [f"{path.name}: cell {cell_id} is no longer in {notebook.name}" for cell_id in orphans]
    return found


def skeleton(notebook: Path, lang: str = "zh") -> int:
    """Bring a translation file into notebook order, adding a ``todo`` entry (the English text)
    for each cell without one and dropping entries of deleted cells; returns how many it added."""
    check_choice("lang", lang, LANGS[1:])
    path = translation_file(notebook, lang)
    entries = read_entries(path)
    ordered, added = [], 0
    for cell in _markdown_cells(_read_notebook(Path(notebook))):
        entry = entries.get(cell.id)
        if entry is None:
            entry = Entry(cell.id, source_hash(cell.source), cell.source, todo=True)
            added += 1
        ordered.append(entry)
    files.write_text_atomic(path, "\n".join(entry.render() for entry in ordered), with_hash=False)
    return added


def _repoint(text: str, source_dir: Path, out: Path) -> str:
    """Relative links written for a notebook in ``source_dir`` re-pointed for one in ``out``."""
    def fix(match: re.Match) -> str:
        whole, target = match[0], match[1]
        base = target.split("#")[0]
        if re.match(r"^([a-z]+:|#|/)", target) or (base.endswith(".ipynb") and "/" not in base):
            return whole  # absolute, an anchor, or a sibling notebook (translated beside it)
        moved = os.path.relpath(source_dir / target, out).replace(os.sep, "/")
        return whole.replace(target, moved)
    return HTML_TARGET.sub(fix, LINK_TARGET.sub(fix, text))


def translated_notebook(notebook: Path, lang: str = "zh", out: Path | None = None):
    """The ``lang`` edition of ``notebook`` as a notebook node: the same cells and code, its
    markdown from the translation file. A cell not (yet) translated keeps its English text."""
    check_choice("lang", lang, LANGS[1:])
    out = Path(out) if out is not None else config.NOTEBOOKS_DIR / lang
    edition = _read_notebook(Path(notebook))
    entries = read_entries(translation_file(notebook, lang))
    for cell in _markdown_cells(edition):
        entry = entries.get(cell.id)
        text = cell.source if entry is None or entry.todo else entry.text
        cell.source = _repoint(text, Path(notebook).resolve().parent, out.resolve())
    edition.metadata["course_translation"] = {"lang": lang, "english": Path(notebook).name}
    return edition


def build(lang: str = "zh", out: Path | None = None,
          notebooks: list[Path] | None = None) -> list[Path]:
    """Write the ``lang`` edition of ``notebooks`` (default: every notebook) into ``out``
    (default ``notebooks/<lang>/``); returns the written paths."""
    import nbformat

    check_choice("lang", lang, LANGS[1:])
    out = Path(out) if out is not None else config.NOTEBOOKS_DIR / lang
    notebooks = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb")) if notebooks is None else notebooks
    written = []
    for notebook in map(Path, notebooks):
        edition = translated_notebook(notebook, lang, out)
        target = out / notebook.name
        files.write_text_atomic(target, nbformat.writes(edition) + "\n", with_hash=False)
        written.append(target)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["status", "skeleton", "build"])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook")
    parser.add_argument("--lang", default="zh", choices=LANGS[1:])
    parser.add_argument("--out", type=Path, help="build: default notebooks/<lang>/")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))
    if args.command == "build":
        written = build(args.lang, args.out, notebooks)
        print(f"translation: {len(written)} {args.lang} notebooks in {written[0].parent}")
        found = [p for n in notebooks for p in problems(n, args.lang)]
        if found:
            print(f"translation: {len(found)} cells not current (English shown or old text kept);"
                  f" see `status`", file=sys.stderr)
        return 0
    if args.command == "skeleton":
        for notebook in notebooks:
            print(f"{translation_file(notebook, args.lang)}: {skeleton(notebook, args.lang)} added")
        return 0
    found = [p for n in notebooks for p in problems(n, args.lang)]
    print("\n".join(found) or f"translation: every {args.lang} cell is current")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
