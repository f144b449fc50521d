"""A question as a card (text and HTML, one language at a time), the flash cards and the score."""

import pytest

from course_lib.interview import cards
from course_lib.interview.bank import Question, Text
from course_lib.interview.bank_file import load_bank
from course_lib.interview.languages import LANGS, WORDS

BANK = load_bank()


@pytest.mark.parametrize("lang", LANGS)
def test_render_shows_one_language_as_text_and_html(lang):
    question = BANK.get("seed-why-slow")
    card = cards.render(question, lang)
    text, page = " ".join(str(card).split()), card._repr_html_()  # undo the wrapping
    for part in (question.question, question.answer, question.article_says,
                 question.critique[0], question.weak_answers[0].why):
        assert part.get(lang)[:40] in text
    other = "en" if lang == "zh" else "zh"
    assert question.answer.get(other)[:40] not in text
    assert WORDS[lang]["article"] in text and WORDS[lang]["critique"] in text
    assert 'href="01_interview_qa.ipynb#Tokens-per-image"' in page
    assert "<script" not in page


def test_render_hides_the_answer_until_revealed():
    question = BANK.get("kv-cache")
    hidden = cards.render(question, "en", reveal=False)
    assert question.question.en[:30] in str(hidden)
    assert question.answer.en[:30] not in str(hidden) + hidden._repr_html_()
    assert WORDS["en"]["hidden"] in str(hidden)
    assert repr(hidden) == "Card('kv-cache', lang='en', reveal=False)"
    with pytest.raises(ValueError, match="lang: expected one of 'en', 'zh', got 'fr'"):
        cards.render(question, "fr")
    with pytest.raises(TypeError, match="question: expected a bank Question"):
        cards.render("kv-cache")


def test_html_is_escaped():
    question = BANK.get("kv-cache")
    tricky = Question(**{**question.__dict__,
                            "question": Text("Is <b> & <script> safe?", "安全吗 <b>？")})
    page = cards.render(tricky)._repr_html_()
    assert "&lt;script&gt;" in page and "<script>" not in page


def test_flash_cards_reveal_mark_and_score():
    questions = BANK.select(topic="article", count=3, seed=0)
    deck = cards.flash_cards(questions, lang="zh")
    assert deck.right_button.disabled and not deck.reveal_button.disabled
    assert questions[0].answer.zh[:20] not in deck.card.value
    deck.right_button.click()  # marking before revealing does nothing
    assert deck.score.asked == 0
    deck.reveal_button.click()
    assert questions[0].answer.zh[:20] in deck.card.value
    deck.right_button.click()
    deck.reveal_button.click()
    deck.wrong_button.click()
    assert (deck.score.asked, deck.score.right, deck.index) == (2, 1, 2)
    assert "3/3" in deck.status.value and "得分：1/2（50%）" in deck.status.value
    deck.reveal()
    deck.mark(True)
    assert deck.done and deck.reveal_button.disabled and deck.right_button.disabled
    assert WORDS["zh"]["cards_done"] in deck.card.value and questions[1].id in deck.card.value
    deck.mark(False)  # after the last card: nothing changes
    assert deck.score.summary("en") == "Score: 2/3 (67%)"
    with pytest.raises(ValueError, match="at least one question"):
        cards.flash_cards([])


def test_score_lists_what_to_review():
    score = cards.Score()
    assert score.summary() == "Score: 0/0"
    score.mark(BANK.get("kv-cache"), False)
    score.mark(BANK.get("batching"), True)
    assert score.summary("zh") == "得分：1/2（50%）"
    (line,) = score.review("en")
    assert line.startswith("kv-cache: ") and "01_interview_qa.ipynb § KV cache" in line


