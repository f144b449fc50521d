"""Finding what a notebook section shows, so that an evidence link can be checked, not trusted.

A *section* runs from a markdown heading to the next heading of the same or a higher level
(a ``###`` subsection belongs to the ``##`` section above it). A section *shows* a name when
one of its code cells prints, displays, saves or plots it (the name appears inside a call to
``print``, ``display``, ``save``, ``plot`` and the like) or ends with an expression that
contains it (the notebook displays a cell's last expression). A name merely assigned or used
in an assert is not shown: the reader never sees it.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

# Calls whose arguments the reader sees (as text, a table, a figure or a saved result file).
SHOWING_CALLS = frozenset({"print", "display", "save", "plot", "savefig", "imshow", "render",
                           "show_source", "bar", "scatter", "loglog", "semilogy"})
HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*$")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str


def _cells(path: Path) -> list[dict]:
    return json.loads(Path(path).read_text(encoding="utf-8"))["cells"]


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _markdown_headings(text: str) -> list[Heading]:
    """The headings of one markdown cell, in order, skipping code fences."""
    found, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        elif not fenced and (match := HEADING.match(line)):
            found.append(Heading(len(match.group(1)), match.group(2)))
    return found


def notebook_headings(path: Path) -> set[str]:
    """The text of every markdown heading in a notebook (without the #s)."""
    return {heading.text for cell in _cells(path) if cell["cell_type"] == "markdown"
            for heading in _markdown_headings(_source(cell))}


def section_code(path: Path, heading: str) -> list[str] | None:
    """The sources of the code cells in the section under ``heading``; None without it."""
    level, code = None, []
    for cell in _cells(path):
        if cell["cell_type"] == "markdown":
            for found in _markdown_headings(_source(cell)):
                if level is None and found.text == heading:
                    level = found.level
                elif level is not None and found.level <= level:
                    return code
        elif level is not None and cell["cell_type"] == "code":
            code.append(_source(cell))
    return code if level is not None else None


def _shown_parts(code: str) -> list[str]:
    """The source of every showing call in a cell, and of its last expression."""
    lines = [line for line in code.splitlines() if not line.lstrip().startswith(("%", "!"))]
    code = "\n".join(lines)
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    parts = [ast.get_source_segment(code, node) or "" for node in ast.walk(tree)
             if isinstance(node, ast.Call) and _call_name(node.func) in SHOWING_CALLS]
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        parts.append(ast.get_source_segment(code, tree.body[-1]) or "")
    return parts


def _call_name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else None


def shows(code: str, name: str) -> bool:
    """Whether a code cell prints, displays, saves or plots ``name`` (a word or a phrase)."""
    pattern = re.compile(rf"(?<!\w){re.escape(name)}(?!\w)")
    return any(pattern.search(part) for part in _shown_parts(code))


def section_problem(path: Path, heading: str, name: str) -> str | None:
    """None when the section under ``heading`` shows ``name``, else what is wrong."""
    code = section_code(path, heading)
    if code is None:
        return f"{path.name} has no heading {heading!r}"
    if not any(shows(cell, name) for cell in code):
        return (f"{path.name} § {heading!r}: no code cell in the section prints, displays, "
                f"saves or plots {name!r}")
    return None
