"""Chinese charts draw real glyphs: the shipped CJK subset is found, used and complete."""

import importlib.util
import io
import re
import warnings

import matplotlib
import matplotlib.pyplot as plt
import pytest

from course_lib import config, files
from course_lib.i18n import font, language

CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
MISSING_GLYPH = re.compile(r"Glyph \d+ .*missing from font")


def _load_font_script():
    spec = importlib.util.spec_from_file_location(
        "make_cjk_font", config.ROOT / "scripts" / "make_cjk_font.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _missing_glyph_warnings(use_the_font: bool) -> list[str]:
    """Draw a chart with a Chinese title, axis labels and legend; the missing-glyph warnings."""
    with matplotlib.rc_context({"font.family": ["sans-serif"]}), \
            warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if use_the_font:
            font.register()
        figure, ax = plt.subplots(figsize=(4, 3))
        ax.plot([1, 8, 32], [10, 60, 150], marker="o", label="批处理（XLA）")
        ax.set_title("批大小与吞吐量：越大越快？")
        ax.set_xlabel("批大小")
        ax.set_ylabel("吞吐量（张/秒）")
        ax.legend()
        figure.canvas.draw()
        figure.savefig(io.BytesIO(), format="png")
        plt.close(figure)
    return [str(w.message) for w in caught if MISSING_GLYPH.search(str(w.message))]


def test_a_chinese_chart_draws_every_glyph_with_the_font():
    assert _missing_glyph_warnings(use_the_font=True) == []


def test_the_same_chart_without_the_font_misses_glyphs():
    """The check above can fail: DejaVu Sans alone has no hanzi."""
    assert _missing_glyph_warnings(use_the_font=False)


def test_latin_text_keeps_the_default_font():
    with matplotlib.rc_context():
        name = font.register()
        assert name == "Noto Sans SC Course Subset"
        assert list(matplotlib.rcParams["font.family"])[-1] == name
        first = matplotlib.font_manager.findfont(matplotlib.font_manager.FontProperties())
        assert "DejaVuSans" in first


def test_register_is_idempotent():
    with matplotlib.rc_context():
        for _ in range(3):
            name = font.register()
        entries = [e for e in matplotlib.font_manager.fontManager.ttflist
                   if e.fname == str(font.FONT_FILE)]
        assert len(entries) == 1
        assert list(matplotlib.rcParams["font.family"]).count(name) == 1


def test_a_missing_font_file_names_the_path_and_the_script(tmp_path, monkeypatch):
    gone = tmp_path / "gone.otf"
    monkeypatch.setattr(font, "FONT_FILE", gone)
    with pytest.raises(FileNotFoundError, match=r"gone\.otf.*scripts/make_cjk_font\.py"):
        font.register()


def test_missing_characters_names_each_lacking_character_once():
    assert font.missing_characters("批大小 吞吐量（张/秒）\n") == ""
    assert font.missing_characters("龘 𝄞 吞吐量 龘") == "龘𝄞"  # not GB2312 level 1, not used
    with pytest.raises(TypeError, match="text"):
        font.missing_characters(b"bytes")


def test_the_font_covers_every_chinese_character_the_charts_and_the_bank_use():
    texts = _load_font_script().bank_zh_texts()
    assert len(texts) > 100  # the walk found the bank's texts
    strings = language.strings_file("zh")
    if strings.exists():
        texts.append(strings.read_text(encoding="utf-8"))
    chinese = "".join(CJK.findall("".join(texts)))
    assert chinese
    missing = font.missing_characters(chinese)
    assert not missing, (f"the CJK font lacks {missing!r}: rerun python "
                         f"{font.MAKE_SCRIPT} and commit data/fonts")


def test_the_font_file_matches_its_sha256():
    files.verify(font.FONT_FILE)
