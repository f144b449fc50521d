"""A bank question shown as a card, flash cards in a notebook, and a self-marked score.

``render`` shows one question in one language: HTML in a notebook, plain text when printed
(the terminal quiz prints the same card). ``flash_cards`` is a notebook quiz with buttons;
``Score`` keeps what was asked and what to review, for the flash cards and the terminal quiz.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from course_lib.interview.bank import Question
from course_lib.interview.languages import WORDS, check_lang


@dataclass(frozen=True, repr=False)
class Card:
    """A question shown in one language: HTML in a notebook, plain text when printed."""

    question: Question
    lang: str = "en"
    reveal: bool = True

    def __repr__(self) -> str:
        return f"Card({self.question.id!r}, lang={self.lang!r}, reveal={self.reveal})"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))  # IPython in a terminal shows the text, not the repr

    def _words(self, key: str) -> str:
        return WORDS[self.lang][key]

    def meta(self) -> str:
        q = self.question
        return f"{q.id} · {self._words(q.difficulty)} · {', '.join(q.topics)}"

    def sections(self) -> list[tuple[str, list[str]]]:
        """(title, paragraphs) pairs of the revealed answer, in reading order."""
        q, lang = self.question, self.lang
        parts: list[tuple[str, list[str]]] = []
        if q.article_says is not None:
            parts.append((self._words("article"), _paragraphs(q.article_says.get(lang))))
            parts.append((self._words("critique"), [c.get(lang) for c in q.critique]))
        parts.append((self._words("answer"), _paragraphs(q.answer.get(lang))))
        parts.append((self._words("weak"), [f"“{w.answer.get(lang)}” — {w.why.get(lang)}"
                                            for w in q.weak_answers]))
        parts.append((self._words("evidence"), [e.label() for e in q.evidence]))
        return parts

    def question_text(self) -> str:
        return f"[{self.meta()}]\n{_wrap(self.question.question.get(self.lang), self.lang)}"

    def answer_text(self) -> str:
        blocks = []
        for title, paragraphs in self.sections():
            prose = title in (self._words("answer"), self._words("article"))
            body = [_wrap(p, self.lang, bullet=not prose) for p in paragraphs]
            blocks.append(f"-- {title} --\n" + ("\n\n" if prose else "\n").join(body))
        return "\n\n".join(blocks)

    def __str__(self) -> str:
        rest = self.answer_text() if self.reveal else self._words("hidden")
        return f"{self.question_text()}\n\n{rest}"

    def _repr_html_(self) -> str:
        q, e = self.question, html.escape
        out = [f'<div style="border-left:4px solid #0969da;padding:4px 10px;margin:6px 0">',
               f'<div style="color:#57606a;font-size:85%">{e(self.meta())}</div>',
               f"<p><b>{e(q.question.get(self.lang))}</b></p>"]
        if not self.reveal:
            out.append(f"<p><i>{e(self._words('hidden'))}</i></p>")
        for title, paragraphs in self.sections() if self.reveal else []:
            out.append(f"<div><b>{e(title)}</b></div>")
            if title == self._words("evidence"):
                items = [f'<a href="{e(link.href())}">{e(link.label())}</a>' for link in q.evidence]
                out.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            elif title in (self._words("answer"), self._words("article")):
                out.extend(f"<p>{e(p)}</p>" for p in paragraphs)
            else:
                out.append("<ul>" + "".join(f"<li>{e(p)}</li>" for p in paragraphs) + "</ul>")
        out.append("</div>")
        return "".join(out)


def render(question: Question, lang: str = "en", reveal: bool = True) -> Card:
    """Show ``question`` in ``lang``; ``reveal=False`` hides everything but the question."""
    if not isinstance(question, Question):
        raise TypeError(f"question: expected a bank Question (bank.get(id)), got "
                        f"{type(question).__name__}")
    return Card(question, check_lang(lang), bool(reveal))


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in text.split("\n") if p.strip()]


def _wrap(text: str, lang: str, bullet: bool = False) -> str:
    """English wrapped to 88 columns; Chinese left to the terminal (it has no spaces to wrap at)."""
    prefix = "- " if bullet else ""
    if lang == "zh":
        return prefix + text
    return textwrap.fill(text, 88, initial_indent=prefix, subsequent_indent=" " * len(prefix))


@dataclass
class Score:
    """Self-marked results: how many asked, how many right, and which were missed."""

    asked: int = 0
    right: int = 0
    missed: list[Question] = field(default_factory=list)

    def mark(self, question: Question, right: bool) -> None:
        self.asked += 1
        self.right += bool(right)
        if not right:
            self.missed.append(question)

    def summary(self, lang: str = "en") -> str:
        """'Score: 2/3 (67%)', or 'Score: 0/0' before the first answer."""
        words = WORDS[check_lang(lang)]
        if not self.asked:
            return words["score"].format(right=0, asked=0)
        return words["score_share"].format(right=self.right, asked=self.asked,
                                           share=self.right / self.asked)

    def review(self, lang: str = "en") -> list[str]:
        """One line per missed question: its id and where the evidence is."""
        check_lang(lang)
        return [f"{q.id}: {q.question.get(lang)} → {q.evidence[0].label()}" for q in self.missed]


class FlashCards:
    """A notebook flash-card quiz: show a question, reveal the answer, mark it, keep score.

    The buttons call ``reveal`` and ``mark``, which a test can call directly too.
    """

    def __init__(self, questions: Sequence[Question], lang: str = "en") -> None:
        import ipywidgets as widgets

        if not questions:
            raise ValueError("questions: expected at least one question, got none")
        self.questions, self.lang = list(questions), check_lang(lang)
        self.index, self.revealed, self.score = 0, False, Score()
        words = WORDS[self.lang]
        self.card = widgets.HTML()
        self.status = widgets.HTML()
        self.reveal_button = widgets.Button(description=words["reveal_button"],
                                            button_style="info")
        self.right_button = widgets.Button(description=words["right_button"],
                                           button_style="success")
        self.wrong_button = widgets.Button(description=words["wrong_button"],
                                           button_style="danger")
        self.reveal_button.on_click(lambda _: self.reveal())
        self.right_button.on_click(lambda _: self.mark(True))
        self.wrong_button.on_click(lambda _: self.mark(False))
        self.widget = widgets.VBox([self.status, self.card, widgets.HBox(
            [self.reveal_button, self.right_button, self.wrong_button])])
        self._show()

    @property
    def done(self) -> bool:
        return self.index >= len(self.questions)

    def reveal(self) -> None:
        if not self.done:
            self.revealed = True
            self._show()

    def mark(self, right: bool) -> None:
        """Record the current card (only once its answer was revealed) and move on."""
        if self.done or not self.revealed:
            return
        self.score.mark(self.questions[self.index], right)
        self.index, self.revealed = self.index + 1, False
        self._show()

    def _show(self) -> None:
        words = WORDS[self.lang]
        if self.done:
            review = "".join(f"<li>{html.escape(line)}</li>"
                             for line in self.score.review(self.lang))
            self.card.value = (f"<p><b>{words['cards_done']}</b></p>"
                               + (f"<p>{words['cards_review']}</p><ul>{review}</ul>"
                                  if review else ""))
        else:
            self.card.value = render(self.questions[self.index], self.lang,
                                     self.revealed)._repr_html_()
        position = min(self.index + 1, len(self.questions))
        self.status.value = (f"<b>{position}/{len(self.questions)}</b> · "
                             f"{html.escape(self.score.summary(self.lang))}")
        self.reveal_button.disabled = self.done or self.revealed
        self.right_button.disabled = self.wrong_button.disabled = self.done or not self.revealed

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def flash_cards(questions: Sequence[Question], lang: str = "en") -> FlashCards:
    """A flash-card quiz over ``questions`` (e.g. ``bank.select(topic="decoding", count=5)``)."""
    return FlashCards(questions, lang)
