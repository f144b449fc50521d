"""The interview question bank: load and check it, pick questions, show them, quiz in a notebook.

The bank (``data/questions.yaml``) is edited by hand, so ``load_bank`` checks every entry and
reports every problem at once, each naming the entry and the field ("question 'kv-cache':
field 'answer.zh': ..."). Every text exists in English and Chinese; ``render`` shows one
language, as HTML in a notebook and as plain text when printed. Evidence links point at a
notebook section; ``Bank.evidence_problems`` checks that each one still exists.
"""

from __future__ import annotations

import html
import json
import os
import random
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from course_lib import config

BANK_PATH = config.DATA_DIR / "questions.yaml"
LANGS = ("en", "zh")
DIFFICULTIES = ("easy", "medium", "hard")
SEED_TOPIC = "article"  # the four questions of the seed article carry this tag
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NOTEBOOK_PATTERN = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# Words around the bank's texts: key -> (English, Chinese), side by side for translators.
_WORDS: dict[str, tuple[str, str]] = {
    "article": ("What the article says", "原文怎么说"),
    "critique": ("What is wrong or missing", "问题与遗漏"),
    "answer": ("Strong answer", "参考答案"),
    "weak": ("Weak answers, and why they are weak", "常见的弱回答，弱在哪里"),
    "evidence": ("Evidence", "证据"),
    "easy": ("easy", "简单"),
    "medium": ("medium", "中等"),
    "hard": ("hard", "困难"),
    "hidden": ("Answer hidden: say yours out loud first, then reveal it.",
               "答案已隐藏：先把你的回答说出来，再揭晓。"),
    "score": ("Score: {right}/{asked}", "得分：{right}/{asked}"),
    "share": (" ({share:.0%})", "（{share:.0%}）"),
    "reveal": ("Reveal answer", "显示答案"),
    "right": ("I got it right", "我答对了"),
    "wrong": ("I got it wrong", "我答错了"),
    "done": ("All cards done.", "全部卡片已完成。"),
    "review": ("To review:", "需要复习："),
}


def by_language(pairs: Mapping[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
    """``{key: (en, zh)}`` -> ``{"en": {key: en}, "zh": {key: zh}}``."""
    return {lang: {key: pair[i] for key, pair in pairs.items()} for i, lang in enumerate(LANGS)}


UI = by_language(_WORDS)


class BankError(ValueError):
    """The bank file is malformed; ``problems`` lists each one, naming the entry and field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the question bank:\n{listing}")


@dataclass(frozen=True)
class Text:
    """One text in both languages."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return getattr(self, check_lang(lang))


@dataclass(frozen=True)
class Evidence:
    """A notebook section that backs an answer: the file and a heading's exact text."""

    notebook: str
    heading: str

    def href(self) -> str:
        """A link that opens the notebook at that heading (Jupyter's anchor: spaces -> '-')."""
        anchor = self.heading.replace("`", "").replace(" ", "-")
        return f"{self.notebook}#{quote(anchor, safe='-.?,:;()!')}"

    def label(self) -> str:
        return f"{self.notebook} § {self.heading}"

    def problem(self, notebooks_dir: Path | None = None) -> str | None:
        """None when the notebook exists and has this heading, else what is wrong."""
        path = Path(notebooks_dir or config.NOTEBOOKS_DIR) / self.notebook
        if not path.is_file():
            return f"notebook {self.notebook!r} does not exist"
        if self.heading not in notebook_headings(path):
            return f"{self.notebook} has no heading {self.heading!r}"
        return None


@dataclass(frozen=True)
class WeakAnswer:
    answer: Text
    why: Text


@dataclass(frozen=True)
class Question:
    """One bank entry. Seed questions also carry the article's answer and its critique."""

    id: str
    topics: tuple[str, ...]
    difficulty: str
    question: Text
    answer: Text
    weak_answers: tuple[WeakAnswer, ...]
    evidence: tuple[Evidence, ...]
    article_says: Text | None = None
    critique: tuple[Text, ...] = ()

    @property
    def is_seed(self) -> bool:
        return self.article_says is not None


@dataclass(frozen=True)
class Bank:
    """All questions, and the topic tags they may use (tag -> description)."""

    questions: tuple[Question, ...]
    topics: Mapping[str, Text]
    source: str = "questions.yaml"

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self) -> Iterator[Question]:
        return iter(self.questions)

    def topic_counts(self) -> dict[str, int]:
        """How many questions carry each topic tag, in the bank's order of topics."""
        return {tag: sum(tag in q.topics for q in self.questions) for tag in self.topics}

    def get(self, question_id: str) -> Question:
        for question in self.questions:
            if question.id == question_id:
                return question
        raise KeyError(f"question_id: no question {question_id!r} in {self.source}")

    def select(self, topic: str | None = None, difficulty: str | None = None,
               count: int | None = None, seed: int | None = 0) -> list[Question]:
        """Questions matching ``topic`` and ``difficulty``, in an order set by ``seed``."""
        if topic is not None and topic not in self.topics:
            raise ValueError(f"topic: unknown topic {topic!r}; known topics: "
                             f"{', '.join(self.topics)}")
        if difficulty is not None and difficulty not in DIFFICULTIES:
            raise ValueError(f"difficulty: expected one of {', '.join(DIFFICULTIES)}, "
                             f"got {difficulty!r}")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int)
                                  or count < 1):
            raise ValueError(f"count: expected a whole number of 1 or more, got {count!r}")
        pool = [q for q in self.questions if (topic is None or topic in q.topics)
                and (difficulty is None or q.difficulty == difficulty)]
        random.Random(seed).shuffle(pool)
        return pool[:count]

    def evidence_problems(self, notebooks_dir: Path | None = None) -> list[str]:
        """Every evidence link that does not resolve, as 'question <id>: <what is wrong>'."""
        return [f"question {q.id!r}: evidence {i}: {problem}"
                for q in self.questions for i, link in enumerate(q.evidence)
                if (problem := link.problem(notebooks_dir)) is not None]


def check_lang(lang: str) -> str:
    if lang not in LANGS:
        raise ValueError(f"lang: expected one of {', '.join(LANGS)}, got {lang!r}")
    return lang


def load_bank(path: str | os.PathLike | None = None) -> Bank:
    """Read and check the bank; raise ``BankError`` listing every malformed entry and field."""
    import yaml

    path = Path(path) if path is not None else BANK_PATH
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise BankError(path.name, [f"not valid YAML: {error}"]) from error
    return parse_bank(raw, source=path.name)


def parse_bank(raw: Any, source: str = "questions.yaml") -> Bank:
    """Build a ``Bank`` from already-parsed data (what ``yaml.safe_load`` returns)."""
    parser = _Parser()
    if not isinstance(raw, Mapping) or set(raw) != {"topics", "questions"}:
        keys = sorted(raw) if isinstance(raw, Mapping) else type(raw).__name__
        raise BankError(source, [f"top level: expected the keys 'topics' and 'questions', "
                                 f"got {keys}"])
    topics = parser.topics(raw["topics"])
    questions: list[Question] = []
    if not isinstance(raw["questions"], list) or not raw["questions"]:
        parser.fail("top level", "questions", "expected a non-empty list of questions")
    else:
        for number, entry in enumerate(raw["questions"], start=1):
            question = parser.question(entry, number, topics)
            if question is not None:
                questions.append(question)
    if parser.problems:
        raise BankError(source, parser.problems)
    return Bank(tuple(questions), topics, source)


class _Parser:
    """Turns raw YAML data into bank objects, collecting problems instead of stopping."""

    REQUIRED = ("id", "topics", "difficulty", "question", "answer", "weak_answers", "evidence")
    SEED_ONLY = ("article_says", "critique")

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.seen_ids: dict[str, int] = {}  # id -> the entry number that used it first

    def fail(self, where: str, name: str, message: str) -> None:
        self.problems.append(f"{where}: field {name!r}: {message}")

    def topics(self, raw: Any) -> dict[str, Text]:
        if not isinstance(raw, Mapping) or not raw:
            self.fail("top level", "topics", "expected a mapping of tag -> {en, zh} description")
            return {}
        found = {}
        for tag, description in raw.items():
            if not isinstance(tag, str) or not ID_PATTERN.match(tag):
                self.fail("top level", f"topics.{tag}", "expected a lower-case tag like "
                          "'kv-cache'")
            elif (text := self.text(description, "top level", f"topics.{tag}")) is not None:
                found[tag] = text
        return found

    def text(self, raw: Any, where: str, name: str) -> Text | None:
        if not isinstance(raw, Mapping) or set(raw) != set(LANGS):
            got = sorted(map(str, raw)) if isinstance(raw, Mapping) else _short(raw)
            self.fail(where, name, f"expected both languages, {{en: ..., zh: ...}}, got {got}")
            return None
        ok = True
        for lang, value in raw.items():
            if not isinstance(value, str) or not value.strip():
                self.fail(where, f"{name}.{lang}", f"expected non-empty text, got {value!r}")
                ok = False
            elif (lang == "zh") != bool(CHINESE.search(value)):
                expected = "Chinese" if lang == "zh" else "English (no Chinese characters)"
                self.fail(where, f"{name}.{lang}", f"expected {expected} text, got "
                          f"{textwrap.shorten(value, 40)!r}")
                ok = False
        return Text(raw["en"].strip(), raw["zh"].strip()) if ok else None

    def items(self, raw: Any, where: str, name: str) -> list[Any]:
        if not isinstance(raw, list) or not raw:
            self.fail(where, name, f"expected a non-empty list, got {_short(raw)}")
            return []
        return raw

    def question(self, raw: Any, number: int, topics: Mapping[str, Text]) -> Question | None:
        where = f"question #{number}"
        if not isinstance(raw, Mapping):
            self.problems.append(f"{where}: expected a mapping of fields, got {_short(raw)}")
            return None
        before = len(self.problems)
        qid = raw.get("id")
        if isinstance(qid, str) and ID_PATTERN.match(qid):
            where = f"question {qid!r}"
        else:
            self.fail(where, "id", f"expected a lower-case id like 'kv-cache', got {qid!r}")
        if isinstance(qid, str) and qid in self.seen_ids:
            self.fail(where, "id", f"duplicate id (also question #{self.seen_ids[qid]})")
        elif isinstance(qid, str):
            self.seen_ids[qid] = number
        for name in sorted(set(raw) - set(self.REQUIRED) - set(self.SEED_ONLY)):
            self.fail(where, name, f"unknown field; expected only "
                      f"{', '.join(self.REQUIRED + self.SEED_ONLY)}")
        for name in self.REQUIRED:
            if name not in raw:
                self.fail(where, name, "missing")
        tags = self.items(raw.get("topics"), where, "topics")
        for tag in tags:
            if not isinstance(tag, str) or tag not in topics:
                self.fail(where, "topics", f"unknown topic {tag!r}; known: {', '.join(topics)}")
        if raw.get("difficulty") not in DIFFICULTIES:
            self.fail(where, "difficulty", f"expected one of {', '.join(DIFFICULTIES)}, got "
                      f"{raw.get('difficulty')!r}")
        texts = {name: self.text(raw.get(name), where, name) for name in ("question", "answer")}
        weak = [self.weak_answer(item, where, f"weak_answers[{i}]")
                for i, item in enumerate(self.items(raw.get("weak_answers"), where,
                                                    "weak_answers"))]
        evidence = [self.evidence(item, where, f"evidence[{i}]")
                    for i, item in enumerate(self.items(raw.get("evidence"), where, "evidence"))]
        article_says, critique = self.seed_parts(raw, where, SEED_TOPIC in tags)
        if len(self.problems) > before:
            return None
        return Question(qid, tuple(tags), raw["difficulty"], texts["question"], texts["answer"],
                        tuple(weak), tuple(evidence), article_says, tuple(critique))

    def weak_answer(self, raw: Any, where: str, name: str) -> WeakAnswer | None:
        if not isinstance(raw, Mapping) or set(raw) != {"answer", "why"}:
            self.fail(where, name, f"expected {{answer: {{en, zh}}, why: {{en, zh}}}}, "
                      f"got {_short(raw)}")
            return None
        answer, why = (self.text(raw[key], where, f"{name}.{key}") for key in ("answer", "why"))
        return WeakAnswer(answer, why) if answer and why else None

    def evidence(self, raw: Any, where: str, name: str) -> Evidence | None:
        if not isinstance(raw, Mapping) or set(raw) != {"notebook", "heading"}:
            self.fail(where, name, f"expected {{notebook: NN_name.ipynb, heading: text}}, "
                      f"got {_short(raw)}")
            return None
        notebook, heading = raw["notebook"], raw["heading"]
        if not isinstance(notebook, str) or not NOTEBOOK_PATTERN.match(notebook):
            self.fail(where, f"{name}.notebook", f"expected a file name like "
                      f"'03_mnist_keras.ipynb', got {notebook!r}")
            return None
        if not isinstance(heading, str) or not heading.strip() or heading.startswith("#"):
            self.fail(where, f"{name}.heading", f"expected a heading's text without the #s, "
                      f"got {heading!r}")
            return None
        return Evidence(notebook, heading.strip())

    def seed_parts(self, raw: Mapping[str, Any], where: str,
                   is_seed: bool) -> tuple[Text | None, list[Text]]:
        present = [name for name in self.SEED_ONLY if name in raw]
        if not is_seed:
            for name in present:
                self.fail(where, name, f"only questions tagged {SEED_TOPIC!r} summarise the "
                          "article")
            return None, []
        for name in set(self.SEED_ONLY) - set(present):
            self.fail(where, name, f"missing: questions tagged {SEED_TOPIC!r} need the "
                      "article's answer summarised and critiqued")
        says = self.text(raw.get("article_says"), where, "article_says") if present else None
        critique = [self.text(item, where, f"critique[{i}]")
                    for i, item in enumerate(self.items(raw.get("critique"), where, "critique"))
                    ] if "critique" in raw else []
        return says, critique


def _short(value: Any) -> str:
    """A value as it appears in an error message: its repr, cut to one line."""
    return textwrap.shorten(repr(value), 80, placeholder=" ...")


def notebook_headings(path: Path) -> set[str]:
    """The text of every markdown heading in a notebook (without the #s), code fences skipped."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    headings, fenced = set(), False
    for cell in cells:
        if cell["cell_type"] != "markdown":
            continue
        for line in "".join(cell["source"]).splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            elif not fenced and (match := re.match(r"^#{1,6}\s+(.+?)\s*$", line)):
                headings.add(match.group(1))
        fenced = False
    return headings


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
        return UI[self.lang][key]

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
        words = UI[check_lang(lang)]
        share = words["share"].format(share=self.right / self.asked) if self.asked else ""
        return words["score"].format(right=self.right, asked=self.asked) + share

    def review(self, lang: str = "en") -> list[str]:
        """One line per missed question: its id and where the evidence is."""
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
        words = UI[self.lang]
        self.card = widgets.HTML()
        self.status = widgets.HTML()
        self.reveal_button = widgets.Button(description=words["reveal"], button_style="info")
        self.right_button = widgets.Button(description=words["right"], button_style="success")
        self.wrong_button = widgets.Button(description=words["wrong"], button_style="danger")
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
        words = UI[self.lang]
        if self.done:
            review = "".join(f"<li>{html.escape(line)}</li>"
                             for line in self.score.review(self.lang))
            self.card.value = (f"<p><b>{words['done']}</b></p>"
                               + (f"<p>{words['review']}</p><ul>{review}</ul>" if review else ""))
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
