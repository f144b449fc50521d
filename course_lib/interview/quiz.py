"""The terminal quiz: ``python -m course_lib quiz --lang zh --count 5``.

Questions come from the bank in an order set by ``--seed``. Say your answer, press Enter to see
a strong one, then mark yourself y or n. However the quiz ends — all answered, ``q``, end of
input (Ctrl-D) or Ctrl-C — it prints the score so far and what to review. Input and output are
parameters, so tests drive it with scripted input.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Sequence
from typing import TextIO

from course_lib.interview.bank import DIFFICULTIES, Question
from course_lib.interview.bank_file import load_bank
from course_lib.interview.cards import Score, render
from course_lib.interview.languages import LANGS, WORDS, check_lang

YES, NO, QUIT = {"y", "yes", "是", "对"}, {"n", "no", "否", "错"}, {"q", "quit", "退出"}
INTERRUPTED_STATUS = 130  # what shells report for a program ended by Ctrl-C


class OptionError(ValueError):
    """A command-line option is valid on its own but not for this bank (e.g. unknown topic)."""


class _Stop(Exception):
    """The learner ended the quiz: ``reason`` is 'quit' or 'eof'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The quiz's options, on a (sub)parser."""
    parser.add_argument("--lang", choices=LANGS, default="en", help="language (default: en)")
    parser.add_argument("--topic", help="only questions with this topic tag "
                                        "(see --list-topics)")
    parser.add_argument("--difficulty", choices=DIFFICULTIES, help="only this difficulty")
    parser.add_argument("--count", type=int, default=5,
                        help="how many questions, 1 or more (default: 5)")
    parser.add_argument("--seed", type=int, help="question order; the same seed gives the same "
                                                 "questions (default: a new one, printed)")
    parser.add_argument("--bank", help="another question bank file (default: the course's)")
    parser.add_argument("--list-topics", action="store_true",
                        help="list the topic tags and stop")


def run(args: argparse.Namespace, stdin: TextIO, stdout: TextIO) -> int:
    """Run the quiz the options describe; return the exit status (0, or 130 after Ctrl-C)."""
    try:
        bank = load_bank(args.bank)
    except FileNotFoundError as error:
        raise OptionError(f"--bank: no such file: {error.filename}") from error
    if args.list_topics:
        for tag, count in bank.topic_counts().items():
            stdout.write(f"{tag:14} {count:3} · {bank.topics[tag].get(args.lang)}\n")
        return 0
    seed = random.randrange(10_000) if args.seed is None else args.seed
    try:
        questions = bank.select(args.topic, args.difficulty, args.count, seed)
    except ValueError as error:  # "topic: expected one of ..." names the option without its --
        raise OptionError(f"--{error}") from error
    if not questions:
        raise OptionError(f"no question has topic {args.topic!r} and difficulty "
                          f"{args.difficulty!r}")
    words = WORDS[args.lang]
    difficulty = words[args.difficulty] if args.difficulty else words["any"]
    intro = words["quiz_intro"].format(count=len(questions), topic=args.topic or words["any"],
                                       difficulty=difficulty, seed=seed)
    stdout.write(f"{intro}\n{words['quiz_how']}\n{words['quiz_stop']}\n")
    ended = run_quiz(questions, args.lang, stdin, stdout)[1]
    return INTERRUPTED_STATUS if ended == "interrupted" else 0


def run_quiz(questions: Sequence[Question], lang: str, stdin: TextIO,
             stdout: TextIO) -> tuple[Score, str]:
    """Ask ``questions`` one by one; return the score and how it ended: 'done', 'quit', 'eof'
    or 'interrupted'. The score so far is printed in every case."""
    words, score = WORDS[check_lang(lang)], Score()
    try:
        for number, question in enumerate(questions, start=1):
            card = render(question, lang)
            stdout.write(f"\n[{number}/{len(questions)}] {card.question_text()}\n\n")
            _ask(words["quiz_reveal"], stdin, stdout)
            stdout.write(f"\n{card.answer_text()}\n\n")
            score.mark(question, _right_or_wrong(words, stdin, stdout))
            stdout.write(f"{score.summary(lang)}\n")
        ended = "done"
    except _Stop as stop:
        ended = stop.reason
    except KeyboardInterrupt:
        ended = "interrupted"
    stdout.write("\n" + words[f"quiz_{ended}"].format(score=score.summary(lang)) + "\n")
    if score.missed:
        stdout.write(words["quiz_review"] + "\n" + "".join(f"  {line}\n"
                                                      for line in score.review(lang)))
    stdout.flush()
    return score, ended


def _ask(prompt: str, stdin: TextIO, stdout: TextIO) -> str:
    """One line of input, lower-cased; ``_Stop`` on q or at the end of the input."""
    stdout.write(prompt + " ")
    stdout.flush()
    line = stdin.readline()
    if not line:
        stdout.write("\n")
        raise _Stop("eof")
    answer = line.strip().lower()
    if answer in QUIT:
        raise _Stop("quit")
    return answer


def _right_or_wrong(words: dict[str, str], stdin: TextIO, stdout: TextIO) -> bool:
    """Ask until the answer is y or n."""
    while True:
        answer = _ask(words["quiz_mark"], stdin, stdout)
        if answer in YES or answer in NO:
            return answer in YES
        stdout.write(words["quiz_bad"].format(got=answer) + "\n")
