"""The course's English/Chinese glossary, and a check that a Chinese text keeps to it.

One idea, one word: a learner who meets 访存受限 in a notebook and 受内存限制 in the question bank
reasonably asks whether they differ. The glossary (``translations/zh/glossary.md``, a page of the
book) is a markdown table ``| English | 中文 | 不要写成 (avoid) | 说明 |``; its third column is
machine-read (comma-separated variants), so ``forbidden_uses`` can hold every Chinese text of the
course to it.

Two rules keep the check from crying wolf:

* a variant is not flagged where it is part of a longer glossary term written out: "笔记本" is
  avoided for a course notebook, but not inside "笔记本电脑" (the term for a laptop);
* a Latin variant is matched as a whole word, case and all (``decode`` is not found in
  ``decoder``, ``roofline`` not in ``Roofline 模型``), and is not flagged as a gloss alone in
  full-width parentheses (``键值缓存（KV cache）``), in code (fenced or inline) or in a link
  target: those stay English on purpose.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from course_lib.i18n.language import TRANSLATIONS_DIR

GLOSSARY_PATH = TRANSLATIONS_DIR / "zh" / "glossary.md"
COLUMNS = ("English", "中文", "不要写成 (avoid)", "说明")
_SEPARATOR_CELL = re.compile(r"^:?-{3,}:?$")
_LATIN = "A-Za-z0-9_"
# Spans that stay English on purpose: fenced and inline code, link targets.
_KEPT_ENGLISH = re.compile(r"```.*?```|`[^`\n]*`|\]\([^)\n]*\)", re.DOTALL)
_MASK = "\0"


@dataclass(frozen=True)
class Term:
    """One glossary row: the English term, the Chinese to use, the variants to avoid, a note."""

    english: str
    chinese: str
    avoid: tuple[str, ...] = ()
    note: str = ""


def read_glossary(path: str | os.PathLike = GLOSSARY_PATH) -> list[Term]:
    """The terms of the glossary file; ``ValueError`` naming the line of any malformed row."""
    path = Path(path)
    return parse_glossary(path.read_text(encoding="utf-8"), source=path.name)


def parse_glossary(text: str, source: str = "glossary.md") -> list[Term]:
    """The terms of the first table in ``text``, which must have the columns ``COLUMNS``.

    A row is refused (``ValueError`` naming ``source`` and the line) when it has the wrong
    number of cells, an empty English or Chinese term, a term seen on an earlier row, or an
    avoided variant that is the term itself."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if line.lstrip().startswith("|")), None)
    if start is None:
        raise ValueError(f"{source}: no table found; expected a header "
                         f"| {' | '.join(COLUMNS)} |")
    if tuple(_cells(lines[start])) != COLUMNS:
        raise ValueError(f"{source}, line {start + 1}: expected the header "
                         f"| {' | '.join(COLUMNS)} |, got {lines[start].strip()!r}")
    if start + 1 >= len(lines) or not all(_SEPARATOR_CELL.match(cell)
                                          for cell in _cells(lines[start + 1])):
        raise ValueError(f"{source}, line {start + 2}: expected the separator row |---|---|…")
    terms: list[Term] = []
    seen: dict[str, dict[str, int]] = {"English": {}, "中文": {}}  # term -> its line
    for number, line in enumerate(lines[start + 2:], start=start + 3):
        if not line.lstrip().startswith("|"):
            break
        term = _term(_cells(line), f"{source}, line {number}")
        for column, key in (("English", term.english.lower()), ("中文", term.chinese)):
            if key in seen[column]:
                raise ValueError(f"{source}, line {number}: {column} {key!r} is already on "
                                 f"line {seen[column][key]}; one idea, one row")
            seen[column][key] = number
        terms.append(term)
    if not terms:
        raise ValueError(f"{source}, line {start + 1}: the table has no rows")
    return terms


def forbidden_uses(text: str, terms: Iterable[Term]) -> list[tuple[str, str]]:
    """Each avoided variant that ``text`` uses, as (variant found, Chinese term to use instead),
    in glossary order, once per variant. The module docstring says what is not flagged."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    terms = list(terms)
    text = _KEPT_ENGLISH.sub(_MASK, text)
    found = []
    for term in terms:
        for variant in term.avoid:
            longer = [other.chinese for other in terms
                      if variant in other.chinese and variant != other.chinese]
            masked = _mask(text, [*longer, f"（{variant}）"])
            if _pattern(variant).search(masked):
                found.append((variant, term.chinese))
    return found


def _cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.strip().strip("|").split("|")]


def _term(cells: list[str], where: str) -> Term:
    if len(cells) != len(COLUMNS):
        raise ValueError(f"{where}: expected {len(COLUMNS)} cells "
                         f"({' | '.join(COLUMNS)}), got {len(cells)}")
    english, chinese, avoid_cell, note = cells
    if not english or not chinese:
        raise ValueError(f"{where}: the English and the Chinese term must not be empty")
    avoid = tuple(variant.strip() for variant in avoid_cell.split(",") if variant.strip())
    if chinese in avoid:
        raise ValueError(f"{where}: {chinese!r} is both the term and a variant to avoid")
    return Term(english, chinese, avoid, note)


def _mask(text: str, protected: list[str]) -> str:
    for phrase in sorted(protected, key=len, reverse=True):
        text = text.replace(phrase, _MASK)
    return text


def _pattern(variant: str) -> re.Pattern[str]:
    """``variant`` as a regex; Latin ends must not run on into a longer Latin word."""
    before = f"(?<![{_LATIN}])" if re.match(f"[{_LATIN}]", variant) else ""
    after = f"(?![{_LATIN}])" if re.search(f"[{_LATIN}]$", variant) else ""
    return re.compile(before + re.escape(variant) + after)
