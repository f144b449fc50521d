"""The words the course prints, in every language: each ``tr("...")`` template in the library or
in a notebook's code cells has a translation in ``translations/<lang>/strings.yml`` with the same
placeholders, and the catalogue holds nothing the code no longer says."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import nbformat
import pytest

from course_lib.i18n import language
from course_lib.i18n.language import CHINESE, LANGS, catalogue, tr

ROOT = Path(__file__).resolve().parent.parent
TRANSLATED = [lang for lang in LANGS if lang != "en"]


def templates_in_code(code: str, where: str) -> tuple[dict[str, str], list[str]]:
    """The first argument of every ``tr(...)`` call in ``code``: {template: "where:line"}, and
    "where:line: ..." for each call whose template is not a string literal."""
    found: dict[str, str] = {}
    problems: list[str] = []
    for node in ast.walk(ast.parse(code)):
        if not (isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr"
                or isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "tr"):
            continue
        first = node.args[0] if node.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.setdefault(first.value, f"{where}:{node.lineno}")
        else:
            problems.append(f"{where}:{node.lineno}: tr() needs a string literal as its template")
    return found, problems


def templates_in(path: Path) -> tuple[dict[str, str], list[str]]:
    """``templates_in_code`` for a module, or for every code cell of a notebook (IPython's
    ``%``/``!`` lines left out)."""
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    if path.suffix != ".ipynb":
        return templates_in_code(path.read_text(encoding="utf-8"), str(where))
    found: dict[str, str] = {}
    problems: list[str] = []
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code":
            code = "\n".join(line for line in cell.source.splitlines()
                             if not line.lstrip().startswith(("%", "!")))
            templates, bad = templates_in_code(code, f"{where} cell {cell.id}")
            for template, place in templates.items():
                found.setdefault(template, place)
            problems += bad
    return found, problems


def source_templates() -> tuple[dict[str, str], list[str]]:
    """Every template of the library and of the notebooks' code cells (a chart title written
    in a cell is printed to the learner too)."""
    found: dict[str, str] = {}
    problems: list[str] = []
    paths = sorted((ROOT / "course_lib").rglob("*.py")) + sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        templates, bad = templates_in(path)
        for template, where in templates.items():
            found.setdefault(template, where)
        problems += bad
    return found, problems


def fields(template: str) -> set[tuple[str, str, str]]:
    """The template's {placeholders}: (name, conversion, format spec) of each."""
    return {(name, conversion or "", spec or "")
            for _, name, spec, conversion in string.Formatter().parse(template) if name is not None}


def catalogue_problems(templates: dict[str, str], table: dict[str, str]) -> list[str]:
    """Everything wrong between the source's templates and one language's catalogue."""
    problems = [f"{where}: {template!r} has no translation"
                for template, where in templates.items() if template not in table]
    problems += [f"{english!r} is in the catalogue but no tr() call uses it"
                 for english in table if english not in templates]
    for english, translated in table.items():
        if fields(english) != fields(translated):
            problems.append(f"{english!r}: placeholders {sorted(fields(english))} became "
                            f"{sorted(fields(translated))}")
        if not CHINESE.search(translated):
            problems.append(f"{english!r}: the translation {translated!r} has no Chinese in it")
    return problems


def test_every_template_is_a_literal():
    _, problems = source_templates()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalogue_matches_the_source(lang):
    templates, _ = source_templates()
    assert len(templates) > 50  # the scan found the charts' and checkers' words
    problems = catalogue_problems(templates, catalogue(lang))
    assert not problems, "\n".join(problems)


def test_the_check_names_what_is_wrong(tmp_path):
    module = tmp_path / "chart.py"
    module.write_text('ax.set_title(tr("speed {x}", x=1))\nax.set_xlabel(tr(label))\n'
                      'ax.set_ylabel(tr("ms"))\n', encoding="utf-8")
    templates, problems = templates_in(module)
    assert problems == [f"{module}:2: tr() needs a string literal as its template"]
    found = catalogue_problems(templates, {"speed {y}": "速度 {y}", "ms": "ms", "gone": "没了"})
    assert found == [f"{module}:1: 'speed {{x}}' has no translation",
                     "'speed {y}' is in the catalogue but no tr() call uses it",
                     "'gone' is in the catalogue but no tr() call uses it",
                     "'ms': the translation 'ms' has no Chinese in it"]
    assert catalogue_problems({"a {n:.0%}": "f:1"}, {"a {n:.0%}": "一 {n}"}) == [
        "'a {n:.0%}': placeholders [('n', '', '.0%')] became [('n', '', '')]"]


def test_tr_speaks_the_runs_language(monkeypatch):
    template = "{title}: {done}/{total} cases passed — {verdict}"
    chinese = catalogue("zh")[template]
    monkeypatch.setenv(language.ENV_VAR, "zh")
    assert tr(template, title="T", done=1, total=2, verdict="v") == chinese.format(
        title="T", done=1, total=2, verdict="v")
    assert CHINESE.search(tr("all passed"))
    monkeypatch.setenv(language.ENV_VAR, "en")
    assert tr(template, title="T", done=1, total=2, verdict="v") == "T: 1/2 cases passed — v"
    assert tr("all passed") == "all passed"
