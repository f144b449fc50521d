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

from course_lib.interview.qa import UI, DIFFICULTIES, LANGS, Question, Score, by_language, load_bank, render

# key -> (English, Chinese)
_PROMPTS: dict[str, tuple[str, str]] = {
    "intro": ("{count} question(s) · topic: {topic} · difficulty: {difficulty} · seed {seed}\n"
              "Say your answer (aloud or on paper), press Enter to see a strong one, then mark "
              "yourself.\nType q to stop at any time; Ctrl-C stops too.",
              "共 {count} 题 · 主题：{topic} · 难度：{difficulty} · 随机种子 {seed}\n"
              "先说出你的回答（出声或写下来），按回车查看参考答案，再给自己判分。\n"
              "随时输入 q 结束；按 Ctrl-C 也可以结束。"),
    "reveal": ("Press Enter to see the answer (q to stop): ", "按回车查看答案（输入 q 结束）："),
    "mark": ("Did you get it right? [y/n, q to stop]: ", "你答对了吗？[y/n，输入 q 结束]："),
    "bad": ("Please type y or n (or q to stop); you typed {got!r}.",
            "请输入 y 或 n（或输入 q 结束）；你输入的是 {got!r}。"),
    "any": ("any", "不限"),
    "done": ("All questions answered. ", "全部答完。"),  # the score follows
    "quit": ("Stopped. ", "已结束。"),
    "eof": ("Input ended. ", "输入已结束。"),
    "interrupted": ("Interrupted. ", "已中断。"),
    "review": ("To review (question → where the evidence is):", "需要复习（问题 → 证据所在位置）："),
}
PROMPTS = by_language(_PROMPTS)
YES, NO, QUIT = {"y", "yes", "是", "对"}, {"n", "no", "否", "错"}, {"q", "quit", "退出"}
INTERRUPTED_STATUS = 130  # what shells report for a program ended by Ctrl-C


class OptionError(ValueError):
    """A command-line option is valid on its own but not for this bank (e.g. unknown topic)."""


class _Stop(Exception):
    """The learner ended the quiz: ``reason`` is 'quit' or 'eof'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def positive_count(text: str) -> int:
    """argparse type for ``--count``: a whole number of 1 or more."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The quiz's options, on a (sub)parser."""
    parser.add_argument("--lang", choices=LANGS, default="en", help="language (default: en)")
    parser.add_argument("--topic", help="only questions with this topic tag "
                                        "(see --list-topics)")
    parser.add_argument("--difficulty", choices=DIFFICULTIES, help="only this difficulty")
    parser.add_argument("--count", type=positive_count, default=5,
                        help="how many questions (default: 5)")
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
    except ValueError as error:  # "topic: unknown topic ..." names the option without its --
        raise OptionError(f"--{error}") from error
    if not questions:
        raise OptionError(f"no question has topic {args.topic!r} and difficulty "
                          f"{args.difficulty!r}")
    words = PROMPTS[args.lang]
    difficulty = UI[args.lang][args.difficulty] if args.difficulty else words["any"]
    stdout.write(words["intro"].format(count=len(questions), topic=args.topic or words["any"],
                                       difficulty=difficulty, seed=seed) + "\n")
    ended = run_quiz(questions, args.lang, stdin, stdout)[1]
    return INTERRUPTED_STATUS if ended == "interrupted" else 0


def run_quiz(questions: Sequence[Question], lang: str, stdin: TextIO,
             stdout: TextIO) -> tuple[Score, str]:
    """Ask ``questions`` one by one; return the score and how it ended: 'done', 'quit', 'eof'
    or 'interrupted'. The score so far is printed in every case."""
    words, score = PROMPTS[lang], Score()
    try:
        for number, question in enumerate(questions, start=1):
            card = render(question, lang)
            stdout.write(f"\n[{number}/{len(questions)}] {card.question_text()}\n\n")
            _ask(words["reveal"], stdin, stdout)
            stdout.write(f"\n{card.answer_text()}\n\n")
            score.mark(question, _right_or_wrong(words, stdin, stdout))
            stdout.write(f"{score.summary(lang)}\n")
        ended = "done"
    except _Stop as stop:
        ended = stop.reason
    except KeyboardInterrupt:
        ended = "interrupted"
    stdout.write(f"\n{words[ended]}{score.summary(lang)}\n")
    if score.missed:
        stdout.write(words["review"] + "\n" + "".join(f"  {line}\n"
                                                      for line in score.review(lang)))
    stdout.flush()
    return score, ended


def _ask(prompt: str, stdin: TextIO, stdout: TextIO) -> str:
    """One line of input, lower-cased; ``_Stop`` on q or at the end of the input."""
    stdout.write(prompt)
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
        answer = _ask(words["mark"], stdin, stdout)
        if answer in YES or answer in NO:
            return answer in YES
        stdout.write(words["bad"].format(got=answer) + "\n")
