"""The interface's words: every key in both languages, each text in its own language, and a
malformed table is refused with the entry named."""

import re

import pytest

from course_lib.interview.languages import CHINESE, LANGS, WORDS, check_lang, parse_words


def test_every_word_exists_in_both_languages_and_in_the_right_one():
    assert set(WORDS) == set(LANGS)
    assert WORDS["en"].keys() == WORDS["zh"].keys() and len(WORDS["en"]) >= 20
    assert all(not CHINESE.search(text) for text in WORDS["en"].values())
    assert all(CHINESE.search(text) for text in WORDS["zh"].values())


def test_placeholders_match_between_the_languages():
    for key, english in WORDS["en"].items():
        fields = set(re.findall(r"\{(\w+)", english))
        assert fields == set(re.findall(r"\{(\w+)", WORDS["zh"][key])), key


def test_a_table_reads_key_english_and_the_chinese_below():
    table = """
    greeting   Hello, {name}
               你好，{name}
    """.replace("\n    ", "\n")
    assert parse_words(table) == {"en": {"greeting": "Hello, {name}"},
                                  "zh": {"greeting": "你好，{name}"}}


@pytest.mark.parametrize("table, named", [
    ("hello  Hello\n", "'hello'"),  # no Chinese line
    ("hello  Hello\nbye  Goodbye\n", "'hello'"),  # the Chinese line is not indented
    ("hello  你好\n       你好\n", "'hello'"),  # Chinese where English belongs
    ("hello  Hello\n       Hello\n", "'hello'"),  # English where Chinese belongs
    ("hello\n       你好\n", "'hello'"),  # a key without its English text
    ("hello  Hello\n       你好\nhello  Hi\n       嗨\n", "'hello' appears twice"),
])
def test_a_malformed_table_names_the_entry(table, named):
    with pytest.raises(ValueError, match=re.escape(named)):
        parse_words(table)


def test_check_lang():
    assert [check_lang(lang) for lang in LANGS] == ["en", "zh"]
    with pytest.raises(ValueError, match=re.escape("lang: expected one of 'en', 'zh', got 'fr'")):
        check_lang("fr")
