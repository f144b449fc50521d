"""Which language this run speaks, and the learner-visible words in it.

The English notebooks are the single source of code; a Chinese notebook runs the very same code
cells, so the words that code prints (chart titles, axis labels, checker verdicts) are looked up
at run time: ``tr("accuracy {share:.0%}", share=0.98)``. The English template is the key, so the
English stays readable at the call site and a test can find every template in the source and
prove the catalogue (``translations/<lang>/strings.yml``) complete and free of leftovers.
"""

from __future__ import annotations

import functools
import os
import re
from pathlib import Path

from course_lib.i18n import font

LANGS = ("en", "zh")
CHINESE = re.compile(r"[\u4e00-\u9fff]")
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent.parent / "translations"
ENV_VAR = "COURSE_LANG"


def language() -> str:
    """The run's language: ``COURSE_LANG`` (``en`` or ``zh``; unset means English).

    ``course.py lab/book/slides --lang zh`` and the Chinese notebook test set it, and the
    kernels inherit it."""
    value = os.environ.get(ENV_VAR, "").strip().lower() or "en"
    if value not in LANGS:
        raise ValueError(f"{ENV_VAR}: expected one of {', '.join(LANGS)}, got {value!r}")
    return value


def strings_file(lang: str) -> Path:
    return TRANSLATIONS_DIR / lang / "strings.yml"


@functools.cache
def catalogue(lang: str) -> dict[str, str]:
    """English template -> its translation, read once per process from ``strings.yml``."""
    if lang not in LANGS or lang == "en":
        raise ValueError(f"lang: expected one of {', '.join(LANGS[1:])}, got {lang!r}")
    import yaml

    path = strings_file(lang)
    table = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(table, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in table.items()):
        raise ValueError(f"{path}: expected a mapping of English text to {lang} text")
    return table


def tr(template: str, /, **fields) -> str:
    """``template`` in the run's language, formatted with ``fields``.

    A template missing from the catalogue falls back to English (a lecture never stops for a
    missing word); ``tests/test_strings.py`` fails on it instead."""
    if not isinstance(template, str):
        raise TypeError(f"template: expected a str, got {type(template).__name__}")
    lang = language()
    if lang != "en":
        font.register()  # a chart about to draw these words needs glyphs for them
        template = catalogue(lang).get(template, template)
    return template.format(**fields) if fields else template


def word_count(text: str) -> int:
    """Words in ``text`` in either language: whitespace-separated words, plus one per two
    hanzi (Chinese is written without spaces, and a word is most often two characters), so a
    "write at least 15 words" rule asks as much of an answer in Chinese as of one in English."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    hanzi = len(CHINESE.findall(text))
    latin = len(CHINESE.sub(" ", text).split())
    return latin + (hanzi + 1) // 2
