"""The interview question bank as objects: questions, their bilingual texts, and their evidence.

A ``Question`` carries every text in English and Chinese (``Text``), the weak answers
interviewers hear, and ``Evidence``: the notebook section that backs the answer.
``Bank.select`` picks questions by topic and difficulty in an order fixed by a seed;
``Bank.evidence_problems`` checks that every evidence link opens a real heading whose section
prints, displays, saves or plots the evidence it names (``notebook_sections``).
Reading and checking the file itself is ``bank_file``'s job.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from course_lib import config
from course_lib.checks import check_choice, check_int
from course_lib.interview.languages import check_lang
from course_lib.interview.notebook_sections import section_problem

DIFFICULTIES = ("easy", "medium", "hard")
SEED_TOPIC = "article"  # the four questions of the seed article carry this tag


@dataclass(frozen=True)
class Text:
    """One text in both languages."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return getattr(self, check_lang(lang))


@dataclass(frozen=True)
class Evidence:
    """A notebook section that backs an answer: the file, a heading's exact text, and what
    the section's code shows (a name or phrase that a code cell prints, displays, saves or
    plots) so the link can be checked to land on the measurement, not just on a heading."""

    notebook: str
    heading: str
    shows: str

    def href(self) -> str:
        """A link that opens the notebook at that heading (Jupyter's anchor: spaces -> '-')."""
        anchor = self.heading.replace("`", "").replace(" ", "-")
        return f"{self.notebook}#{quote(anchor, safe='-.?,:;()!')}"

    def label(self) -> str:
        return f"{self.notebook} § {self.heading}"

    def problem(self, notebooks_dir: Path | None = None) -> str | None:
        """None when the notebook has this heading and its section shows ``shows``, else what
        is wrong."""
        path = Path(notebooks_dir or config.NOTEBOOKS_DIR) / self.notebook
        if not path.is_file():
            return f"notebook {self.notebook!r} does not exist"
        return section_problem(path, self.heading, self.shows)


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
        """Questions matching ``topic`` and ``difficulty``, in an order set by ``seed`` (None:
        a new order each time), at most ``count`` of them (None: all)."""
        if topic is not None:
            check_choice("topic", topic, self.topics)
        if difficulty is not None:
            check_choice("difficulty", difficulty, DIFFICULTIES)
        if count is not None:
            check_int("count", count, minimum=1)
        if seed is not None:
            check_int("seed", seed)
        pool = [q for q in self.questions if (topic is None or topic in q.topics)
                and (difficulty is None or q.difficulty == difficulty)]
        random.Random(seed).shuffle(pool)
        return pool[:count]

    def evidence_problems(self, notebooks_dir: Path | None = None) -> list[str]:
        """Every evidence link that does not resolve, as 'question <id>: <what is wrong>'."""
        return [f"question {q.id!r}: evidence {i}: {problem}"
                for q in self.questions for i, link in enumerate(q.evidence)
                if (problem := link.problem(notebooks_dir)) is not None]
