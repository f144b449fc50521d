"""Make the CJK font subset shipped in data/fonts/, so Chinese charts draw real glyphs offline.

    apt-get install fonts-noto-cjk          # Debian/Ubuntu: the source font (SIL OFL 1.1)
    python scripts/make_cjk_font.py         # about 15 s on one core

No pip package ships a CJK font and the course's machines have only DejaVu, so the course ships
a subset of Noto Sans CJK SC Regular. The source is face 2 (the SC face; faces 0-4 are JP, KR,
SC, TC, HK) of ``/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`` from Debian's
``fonts-noto-cjk`` package; another copy of the font is given with ``--source PATH`` (a .ttc or
.otf) and ``--face N`` (its fontNumber inside a .ttc; 0 for an .otf).

The subset keeps the 3,755 GB2312 level-1 hanzi, every other character of the Chinese texts
(``translations/zh/**`` and the ``zh:`` texts of ``data/questions.yaml``) that the font has, CJK
punctuation (U+3000..U+303F), full-width forms (U+FF00..U+FFEF) and printable ASCII. It drops
hinting, layout features, vertical metrics and name records beyond the naming and licence ones,
and renames the family (a modified font should not pass itself off as the original). Timestamps
are kept from the source, so the same source and texts give the same bytes. The font is written
atomically with a sha256 sidecar. Rerun it when a translation uses a character the subset lacks
(``tests/test_font.py`` names it).
"""

from __future__ import annotations

import argparse
import io
import sys
from collections.abc import Iterator
from pathlib import Path

import yaml
from fontTools import subset
from fontTools.ttLib import TTFont

from course_lib import config, files
from course_lib.i18n import font

DEFAULT_SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
SC_FACE = 2
FAMILY = "Noto Sans SC Course Subset"
POSTSCRIPT_NAME = "NotoSansSCCourseSubset-Regular"
# Copyright, family, style, unique id, full name, version, PostScript name, trademark, licence,
# licence URL: what identifies the font and what the OFL asks to travel with it.
KEPT_NAME_IDS = [0, 1, 2, 3, 4, 5, 6, 7, 13, 14]
DROPPED_TABLES = ["BASE", "GDEF", "GPOS", "GSUB", "VORG", "vhea", "vmtx"]
GB2312_LEVEL1_ROWS = range(0xB0, 0xD8)  # rows 16-55 of GB2312: the 3,755 common hanzi
GB2312_CELLS = range(0xA1, 0xFF)
ASCII = range(0x20, 0x7F)
CJK_PUNCTUATION = range(0x3000, 0x3040)
FULL_WIDTH_FORMS = range(0xFF00, 0xFFF0)


def gb2312_level1() -> str:
    """The GB2312 level-1 hanzi, in code order (undefined cells of row 55 skipped)."""
    characters = []
    for row in GB2312_LEVEL1_ROWS:
        for cell in GB2312_CELLS:
            try:
                characters.append(bytes([row, cell]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return "".join(characters)


def _zh_texts(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "zh" and isinstance(value, str):
                yield value
            else:
                yield from _zh_texts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _zh_texts(item)


def bank_zh_texts(bank_file: Path = config.DATA_DIR / "questions.yaml") -> list[str]:
    """Every ``zh:`` text of the question bank (topics, questions, answers, weak answers)."""
    return list(_zh_texts(yaml.safe_load(bank_file.read_text(encoding="utf-8"))))


def course_texts(root: Path = config.ROOT) -> str:
    """Every Chinese text the course ships: the translation files and the bank's zh texts."""
    texts = [path.read_text(encoding="utf-8")
             for path in sorted((root / "translations" / "zh").rglob("*"))
             if path.is_file() and path.suffix != ".sha256"]
    texts.extend(bank_zh_texts(root / "data" / "questions.yaml"))
    return "\n".join(texts)


def wanted_codepoints(texts: str) -> set[int]:
    fixed = (*ASCII, *CJK_PUNCTUATION, *FULL_WIDTH_FORMS)
    return {*fixed, *map(ord, gb2312_level1()), *(ord(c) for c in texts if ord(c) > 0x7F)}


def rename(subset_font: TTFont) -> None:
    """Give the modified font its own family name, in the name table and in the CFF."""
    names = subset_font["name"]
    version = names.getDebugName(5).removeprefix("Version ").split(";")[0]
    for name_id, text in {1: FAMILY, 3: f"{version};{POSTSCRIPT_NAME}", 4: FAMILY,
                          6: POSTSCRIPT_NAME}.items():
        names.setName(text, name_id, 3, 1, 0x409)
    cff = subset_font["CFF "].cff
    cff.fontNames = [POSTSCRIPT_NAME]
    cff.topDictIndex[0].FullName = FAMILY
    cff.topDictIndex[0].FamilyName = FAMILY


def make_subset(source: Path, face: int, codepoints: set[int]) -> TTFont:
    """Face ``face`` of ``source`` cut down to ``codepoints`` and renamed."""
    source_font = TTFont(source, fontNumber=face, recalcTimestamp=False)
    if "CFF " not in source_font:
        raise ValueError(f"--source: expected a CFF-outline OpenType font, got {source} "
                         f"face {face} with tables {sorted(source_font.keys())}")
    options = subset.Options()
    options.hinting = False
    options.layout_features = []
    options.name_IDs = KEPT_NAME_IDS
    options.drop_tables += DROPPED_TABLES
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(source_font)
    rename(source_font)
    return source_font


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE,
                        help="Noto Sans CJK (.ttc or .otf); default: Debian's fonts-noto-cjk")
    parser.add_argument("--face", type=int, default=SC_FACE,
                        help="fontNumber of the SC face in a .ttc (0 for an .otf)")
    parser.add_argument("--output", type=Path, default=font.FONT_FILE)
    args = parser.parse_args(argv)
    if not args.source.is_file():
        print(f"--source: no font at {args.source}; install Debian's fonts-noto-cjk "
              "or pass a copy of Noto Sans CJK SC", file=sys.stderr)
        return 1
    codepoints = wanted_codepoints(course_texts())
    subset_font = make_subset(args.source, args.face, codepoints)
    buffer = io.BytesIO()
    subset_font.save(buffer)
    files.write_bytes_atomic(args.output, buffer.getvalue())
    print(f"wrote {args.output}: {buffer.tell():,} bytes, "
          f"{len(subset_font.getGlyphOrder()):,} glyphs, {len(subset_font.getBestCmap()):,} "
          f"of the {len(codepoints):,} characters asked for (the rest are not in the source)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
