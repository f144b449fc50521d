"""``python -m course_lib COMMAND``: the course's command-line tools (for now: ``quiz``).

    python -m course_lib quiz --lang zh --count 5

Usage errors print a message naming the option and exit with status 2, as argparse does;
``main`` takes the streams as parameters so tests can drive it in-process.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from course_lib.interview import quiz
from course_lib.interview.bank_file import BankError


class _Exit(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


class _Parser(argparse.ArgumentParser):
    """argparse that writes to the given streams and returns its status instead of exiting."""

    def __init__(self, *args: Any, streams: tuple[TextIO, TextIO], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.streams = streams

    def _print_message(self, message: str, file: Any = None) -> None:
        if message:
            self.streams[1 if file is sys.stderr else 0].write(message)

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:
            self._print_message(message, sys.stderr)
        raise _Exit(status)


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None,
         stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Parse ``argv``, run the command, return the exit status."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    make = functools.partial(_Parser, streams=(stdout, stderr))
    parser = make(prog="python -m course_lib",
                  description="Command-line tools of the Faster Image Generation course.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND",
                                     parser_class=make)
    quiz_parser = commands.add_parser(
        "quiz", help="self-marked interview questions in the terminal",
        description="Interview questions from the course's bank, self-marked, with a score.")
    quiz.add_arguments(quiz_parser)
    try:
        args = parser.parse_args(argv)
        try:
            return quiz.run(args, stdin, stdout)
        except quiz.OptionError as error:
            quiz_parser.error(str(error))
    except _Exit as done:
        return done.status
    except BankError as error:
        stderr.write(f"{error}\n")
        return 1


if __name__ == "__main__":
    sys.exit(main())
