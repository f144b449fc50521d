"""The zh/en glossary: it parses, holds one row per idea, and every Chinese text of the course
(the question bank, the notebook translations, the catalogue of printed strings) keeps to it."""

import collections
import re

import pytest
import yaml

from course_lib.i18n.glossary import GLOSSARY_PATH, Term, forbidden_uses, parse_glossary, \
    read_glossary
from course_lib.i18n.language import TRANSLATIONS_DIR
from course_lib.interview.bank_file import BANK_PATH
from course_lib.interview.languages import WORDS
from course_lib.publish.translation import read_entries

TERMS = read_glossary()
HEADER = "| English | 中文 | 不要写成 (avoid) | 说明 |\n|---|---|---|---|\n"
# The glossary page itself names every variant to avoid; every other Chinese file is checked.
TRANSLATION_FILES = sorted(path for path in (TRANSLATIONS_DIR / "zh").rglob("*.md")
                           if path != GLOSSARY_PATH)
STRINGS_FILE = TRANSLATIONS_DIR / "zh" / "strings.yml"
CHINESE_README = TRANSLATIONS_DIR.parent / "README.zh.md"


def _zh_texts(node, where):
    """Every Chinese text under a bank entry, with where it sits (``answer``, ``critique[0]``)."""
    if isinstance(node, dict):
        if isinstance(node.get("zh"), str):
            yield where, node["zh"]
        for key, value in node.items():
            if key != "zh":
                yield from _zh_texts(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _zh_texts(value, f"{where}[{i}]")


def _hits(texts):
    """'where: variant -> term' for each avoided variant in (where, text) pairs."""
    return [f"{where}: {variant} -> {term}" for where, text in texts
            for variant, term in forbidden_uses(text, TERMS)]


def test_the_glossary_parses_with_one_row_per_idea():
    assert 60 <= len(TERMS) <= 100
    for column in ("english", "chinese"):
        counts = collections.Counter(getattr(term, column).lower() for term in TERMS)
        assert [term for term, n in counts.items() if n > 1] == [], column
    english = [term.english.lower() for term in TERMS]
    assert english == sorted(english), "rows are alphabetical by English"


@pytest.mark.parametrize("english, chinese", [
    ("memory-bound", "访存受限"), ("KV cache", "KV 缓存"), ("speculative decoding", "投机解码"),
    ("notebook (a course notebook)", "Notebook"), ("laptop", "笔记本电脑"), ("accuracy", "准确率"),
    ("next-scale prediction", "下一尺度预测"), ("PD disaggregation", "PD 分离"),
])
def test_the_issues_terms_are_in_the_glossary(english, chinese):
    assert Term(english, chinese) in [Term(t.english, t.chinese) for t in TERMS]


@pytest.mark.parametrize("row, message", [
    ("| memory-bound | 访存受限 | 受内存限制 |\n", "line 3: expected 4 cells"),
    ("|  | 访存受限 | | |\n", "line 3: the English and the Chinese term must not be empty"),
    ("| memory-bound | 访存受限 | 访存受限 | |\n", "line 3: '访存受限' is both the term"),
    ("| latency | 延迟 | | |\n| Latency | 时延 | | |\n",
     "line 4: English 'latency' is already on line 3"),
    ("| latency | 延迟 | | |\n| delay | 延迟 | | |\n", "line 4: 中文 '延迟' is already on line 3"),
])
def test_a_malformed_row_is_refused_naming_its_line(row, message):
    with pytest.raises(ValueError, match=re.escape(f"glossary.md, {message}")):
        parse_glossary(HEADER + row)


def test_a_table_without_the_columns_is_refused():
    with pytest.raises(ValueError, match=re.escape("line 1: expected the header")):
        parse_glossary("| English | Chinese |\n|---|---|\n| a | 甲 |\n")
    with pytest.raises(ValueError, match="no table found"):
        parse_glossary("no table here")


def test_a_sentence_with_an_avoided_variant_is_flagged():
    text = "在 01 笔记本里，batch 为 1 的解码受内存限制，KV cache 也要读。"
    assert forbidden_uses(text, TERMS) == [
        ("KV cache", "KV 缓存"), ("受内存限制", "访存受限"), ("笔记本", "Notebook")]


@pytest.mark.parametrize("text", [
    "在笔记本电脑上跑 Notebook 04。",  # 笔记本 is part of the term for a laptop
    "第一次出现时写键值缓存（KV cache），之后写 KV 缓存。",  # a gloss in parentheses
    "调用 `decode_step` 和 `KV cache`，见 [说明](notes/KV cache.md)。",  # code and link targets
    "decoder-only 的 Transformer，画在 Roofline 模型上。",  # whole words, case and all
])
def test_correct_usage_is_not_flagged(text):
    assert forbidden_uses(text, TERMS) == []


def test_forbidden_uses_refuses_a_non_string():
    with pytest.raises(TypeError, match="text: expected a str"):
        forbidden_uses(None, TERMS)


def test_every_chinese_text_of_the_bank_uses_the_glossary_terms():
    raw = yaml.safe_load(BANK_PATH.read_text(encoding="utf-8"))
    texts = [*_zh_texts(raw["topics"], "topics")]
    for question in raw["questions"]:
        texts += [(f"{question['id']} {where}", text) for where, text in _zh_texts(question, "")]
    assert len(texts) >= 4 * len(raw["questions"])  # question, answer, a weak answer and why
    assert _hits(texts) == []


@pytest.mark.parametrize("path", TRANSLATION_FILES, ids=lambda path: path.name)
def test_every_translated_notebook_uses_the_glossary_terms(path):
    """Entries still marked ``todo`` hold the English text, not a translation: not checked."""
    entries = read_entries(path).values()
    assert _hits((f"cell {entry.cell_id}", entry.text) for entry in entries
                 if not entry.todo) == []


@pytest.mark.skipif(not STRINGS_FILE.exists(), reason="no catalogue of printed strings yet")
def test_every_printed_chinese_string_uses_the_glossary_terms():
    catalogue = yaml.safe_load(STRINGS_FILE.read_text(encoding="utf-8")) or {}
    assert _hits((repr(english), chinese) for english, chinese in catalogue.items()) == []


def test_the_chinese_readme_and_the_quiz_interface_use_the_glossary_terms():
    readme = CHINESE_README.read_text(encoding="utf-8")
    assert _hits([("README.zh.md", readme), *WORDS["zh"].items()]) == []
