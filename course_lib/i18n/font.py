"""The CJK font that Chinese charts fall back to, shipped with the course.

matplotlib draws each glyph from the first font in ``font.family`` that has it (matplotlib >= 3.6),
but a generic family such as the default ``sans-serif`` resolves to one font only (DejaVu Sans),
which has no hanzi: every Chinese character becomes an empty box. ``register`` appends the
shipped subset of Noto Sans CJK SC (``data/fonts``, made by ``scripts/make_cjk_font.py``) to
``font.family``, so Latin text keeps DejaVu Sans and only what it lacks comes from the subset.
"""

from __future__ import annotations

import functools
from pathlib import Path

FONT_FILE = (Path(__file__).resolve().parent.parent.parent / "data" / "fonts"
             / "NotoSansSC-course-subset.otf")
MAKE_SCRIPT = "scripts/make_cjk_font.py"


def _checked_font_file() -> Path:
    if not FONT_FILE.is_file():
        raise FileNotFoundError(
            f"{FONT_FILE}: the CJK font for Chinese charts is missing; restore it with "
            f"`git checkout -- data/fonts` or make it with `python {MAKE_SCRIPT}`")
    return FONT_FILE


@functools.cache
def family() -> str:
    """The subset's family name, as matplotlib reads it from the file."""
    from matplotlib import ft2font

    return ft2font.FT2Font(str(_checked_font_file())).family_name


def register() -> str:
    """Make matplotlib fall back to the shipped CJK font; return its family name.

    Safe to call before every chart: the font is added to the font manager once, and the
    family is put back at the end of ``font.family`` whenever a style reset removed it."""
    from matplotlib import font_manager, rcParams

    path = _checked_font_file()
    name = family()
    if not any(Path(entry.fname) == path for entry in font_manager.fontManager.ttflist):
        font_manager.fontManager.addfont(str(path))
    families = list(rcParams["font.family"])
    if name not in families:
        rcParams["font.family"] = [*families, name]
    return name


@functools.cache
def _covered_codepoints() -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(_checked_font_file(), lazy=True) as font_file:
        return frozenset(font_file.getBestCmap())


def missing_characters(text: str) -> str:
    """The characters of ``text`` the shipped font cannot draw, each once, in order of first use.

    Whitespace is never missing (nothing is drawn for it). A character found here needs
    ``scripts/make_cjk_font.py`` rerun, unless DejaVu Sans draws it (Latin, Greek, arrows)."""
    if not isinstance(text, str):
        raise TypeError(f"text: expected a str, got {type(text).__name__}")
    covered = _covered_codepoints()
    missing = dict.fromkeys(c for c in text if not c.isspace() and ord(c) not in covered)
    return "".join(missing)
