"""Reading the question bank file (``data/questions.yaml``) and checking every entry.

The bank is edited by hand, so ``load_bank`` checks every entry and reports every problem at
once, each naming the entry and the field ("question 'kv-cache': field 'answer.zh': ..."),
instead of stopping at the first or failing later inside a card.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from course_lib import config
from course_lib.interview.bank import (DIFFICULTIES, SEED_TOPIC, Bank, Evidence, Question, Text,
                                       WeakAnswer)
from course_lib.interview.languages import CHINESE, LANGS

BANK_PATH = config.DATA_DIR / "questions.yaml"
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NOTEBOOK_PATTERN = re.compile(r"^\d\d_[a-z0-9_]+\.ipynb$")


class BankError(ValueError):
    """The bank file is malformed; ``problems`` lists each one, naming the entry and field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the question bank:\n{listing}")


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
        if not isinstance(raw, Mapping) or set(raw) != {"notebook", "heading", "shows"}:
            self.fail(where, name, f"expected {{notebook: NN_name.ipynb, heading: text, shows: "
                      f"a name or phrase the section's code prints}}, got {_short(raw)}")
            return None
        notebook, heading, shows = raw["notebook"], raw["heading"], raw["shows"]
        if not isinstance(notebook, str) or not NOTEBOOK_PATTERN.match(notebook):
            self.fail(where, f"{name}.notebook", f"expected a file name like "
                      f"'03_mnist_keras.ipynb', got {notebook!r}")
            return None
        if not isinstance(heading, str) or not heading.strip() or heading.startswith("#"):
            self.fail(where, f"{name}.heading", f"expected a heading's text without the #s, "
                      f"got {heading!r}")
            return None
        if not isinstance(shows, str) or not shows.strip() or shows != shows.strip():
            self.fail(where, f"{name}.shows", f"expected the name or phrase that the section's "
                      f"code prints, displays, saves or plots, got {shows!r}")
            return None
        return Evidence(notebook, heading.strip(), shows)

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
