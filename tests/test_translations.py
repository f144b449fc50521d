"""The Chinese edition: every markdown cell translated and current, code cells identical (one
Chinese notebook is run and rendered by tests/test_book.py)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest

from course_lib import config
from course_lib.i18n import language
from course_lib.publish import translation

NOTEBOOKS = sorted(config.NOTEBOOKS_DIR.glob("*.ipynb"))


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_markdown_cell_has_a_current_translation(notebook):
    found = translation.problems(notebook, "zh")
    assert not found, (f"{len(found)} cells of the Chinese edition are not current; translate "
                       f"them in {translation.translation_file(notebook, 'zh')}:\n"
                       + "\n".join(found))


def test_built_notebooks_have_exactly_the_english_code_cells(tmp_path):
    for built in translation.build("zh", tmp_path):
        english = nbformat.read(config.NOTEBOOKS_DIR / built.name, as_version=4)
        chinese = nbformat.read(built, as_version=4)
        assert [(c.id, c.cell_type) for c in chinese.cells] == \
               [(c.id, c.cell_type) for c in english.cells], built.name
        assert [c.source for c in chinese.cells if c.cell_type == "code"] == \
               [c.source for c in english.cells if c.cell_type == "code"], built.name
        markdown = "".join(c.source for c in chinese.cells if c.cell_type == "markdown")
        assert language.CHINESE.search(markdown), f"{built.name}: no Chinese in its markdown"


# --- the checker itself, on a notebook made here ------------------------------------------------

def _notebook(path: Path, *markdown: str) -> Path:
    cells = [nbformat.v4.new_markdown_cell(text) for text in markdown]
    cells.insert(1, nbformat.v4.new_code_cell("x = 1"))
    for index, cell in enumerate(cells):
        cell.id = f"cell{index}"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    return path


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """A notebook and its translation folder, both under tmp_path."""
    monkeypatch.setattr(translation, "TRANSLATIONS_DIR", tmp_path / "translations")
    return _notebook(tmp_path / "09_demo.ipynb", "# 09 — Demo\n\nRun `go()` 3 times.",
                     "## 1. Next\n\nSee [00](00_start_here.ipynb) and [data](../data/README.md).")


def test_skeleton_adds_todo_entries_that_status_names(sandbox):
    assert translation.skeleton(sandbox) == 2
    found = translation.problems(sandbox)
    assert len(found) == 2 and all("still marked todo" in p for p in found)
    assert "cell0 ('# 09 — Demo')" in found[0]
    assert translation.skeleton(sandbox) == 0  # a second run adds nothing


def _translate(notebook: Path, texts: dict[str, str]) -> None:
    path = translation.translation_file(notebook, "zh")
    source = {c.id: c.source for c in nbformat.read(notebook, as_version=4).cells}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(
        translation.Entry(cell_id, translation.source_hash(source.get(cell_id, "")), text).render()
        for cell_id, text in texts.items()), encoding="utf-8")


GOOD = {"cell0": "# 09 — 演示\n\n运行 `go()` 3 次。",
        "cell2": "## 1. 下一步\n\n见 [00](00_start_here.ipynb) 和 [数据](../data/README.md)。"}


def test_a_faithful_translation_passes_and_builds_with_links_repointed(sandbox, tmp_path):
    _translate(sandbox, GOOD)
    assert translation.problems(sandbox) == []
    [built] = translation.build("zh", tmp_path / "notebooks" / "zh", [sandbox])
    cells = nbformat.read(built, as_version=4).cells
    assert cells[0].source == GOOD["cell0"]
    assert cells[1].source == "x = 1"
    assert "](00_start_here.ipynb)" in cells[2].source  # the sibling is translated beside it
    resolved = (built.parent / "../../../data/README.md").resolve()
    assert f"]({os.path.relpath(resolved, built.parent)})" in cells[2].source
    assert resolved == (sandbox.parent / "../data/README.md").resolve()


def test_stale_missing_orphan_and_unfaithful_entries_are_named(sandbox):
    _translate(sandbox, {"cell0": GOOD["cell0"], "gone": "旧的单元"})
    notebook = nbformat.read(sandbox, as_version=4)
    notebook.cells[0].source += " Twice."
    nbformat.write(notebook, sandbox)
    found = "\n".join(translation.problems(sandbox))
    assert "cell0" in found and "stale" in found
    assert "cell2" in found and "missing" in found
    assert "cell gone is no longer in 09_demo.ipynb" in found

    _translate(sandbox, {"cell0": "### 演示\n\n运行 `go` 两次。", "cell2": GOOD["cell2"]})
    found = "\n".join(translation.problems(sandbox))
    assert "heading levels differ" in found
    assert "inline code differ" in found
    assert "numbers missing: 09, 3" in found


def test_unreadable_translation_files_are_refused(sandbox):
    path = translation.translation_file(sandbox, "zh")
    path.parent.mkdir(parents=True)
    path.write_text("stray text\n<!-- cell cell0 en:000000000000 -->\n中文\n", encoding="utf-8")
    with pytest.raises(translation.TranslationError, match="before the first"):
        translation.read_entries(path)
    path.write_text("<!-- cell a en:000000000000 -->\n一\n<!-- cell a en:000000000000 -->\n二\n",
                    encoding="utf-8")
    with pytest.raises(translation.TranslationError, match="cell a has two entries"):
        translation.read_entries(path)
    with pytest.raises(ValueError, match="lang"):
        translation.problems(sandbox, "fr")


def test_language_comes_from_course_lang(monkeypatch):
    monkeypatch.delenv("COURSE_LANG", raising=False)
    assert language.language() == "en"
    monkeypatch.setenv("COURSE_LANG", " ZH ")
    assert language.language() == "zh"
    monkeypatch.setenv("COURSE_LANG", "fr")
    with pytest.raises(ValueError, match="COURSE_LANG: expected one of en, zh, got 'fr'"):
        language.language()


def test_word_count_asks_as_much_in_chinese_as_in_english():
    assert language.word_count("the cached loop is memory-bound at batch 1") == 8
    assert language.word_count("缓存循环在批大小 1 时访存受限") == 1 + 7  # 13 hanzi -> 7 words
    assert language.word_count("用 XLA 编译") == 1 + 2
    with pytest.raises(TypeError, match="text"):
        language.word_count(None)
