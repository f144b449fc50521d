"""Exercise checkers: run a learner's function on named cases and report in plain words.

Every notebook's checkers are built on :func:`run_cases`, so they all behave the same way: a
learner's function that raises, returns the wrong type or is simply wrong gives a red case with
a sentence saying what happened, never a traceback from inside the checker.
"""

from __future__ import annotations

import html
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

# A judge looks at one case's result and returns None when it is right, or a sentence saying
# what is wrong ("circle is 2 px off-centre at size 64").
Judge = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Case:
    """One checked case: its name, whether it passed, and a plain-words message."""

    name: str
    passed: bool
    message: str


@dataclass
class CheckReport:
    """The outcome of one exercise check: shows green/red in a notebook, text when printed."""

    title: str
    cases: list[Case] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # what a checker measured, to show

    def add(self, name: str, passed: bool, message: str = "") -> Case:
        case = Case(name, bool(passed), message or ("ok" if passed else "failed"))
        self.cases.append(case)
        return case

    @property
    def passed(self) -> bool:
        """True when there was at least one case and every case passed."""
        return bool(self.cases) and all(case.passed for case in self.cases)

    @property
    def failures(self) -> list[Case]:
        return [case for case in self.cases if not case.passed]

    def summary(self) -> str:
        done = sum(case.passed for case in self.cases)
        verdict = "all passed" if self.passed else "not yet"
        return f"{self.title}: {done}/{len(self.cases)} cases passed — {verdict}"

    def __str__(self) -> str:
        lines = [self.summary()]
        lines += [f"  {'PASS' if c.passed else 'FAIL'}  {c.name}: {c.message}" for c in self.cases]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        def row(case: Case) -> str:
            colour, mark = ("#1a7f37", "&#10004;") if case.passed else ("#cf222e", "&#10008;")
            return (f'<tr><td style="color:{colour};font-weight:bold">{mark}</td>'
                    f"<td>{html.escape(case.name)}</td><td>{html.escape(case.message)}</td></tr>")

        colour = "#1a7f37" if self.passed else "#cf222e"
        return (f'<div style="border-left:4px solid {colour};padding-left:8px">'
                f'<b style="color:{colour}">{html.escape(self.summary())}</b>'
                f"<table>{''.join(row(c) for c in self.cases)}</table></div>")

    def raise_if_failed(self) -> None:
        """Stop the notebook here with the whole report when any case failed."""
        if not self.passed:
            raise AssertionError(str(self))

    def check(self, name: str, test: Callable[[], str | None]) -> Case:
        """Run ``test()`` (None = right, else what is wrong) and record it, whatever happens."""
        try:
            problem = test()
        except LearnerError as error:
            problem = str(error)
        except Exception as error:  # noqa: BLE001 - e.g. the learner returned a list, not an array
            problem = f"could not check what your function returned ({describe_error(error)})"
        return self.add(name, problem is None, problem or "ok")


class LearnerError(Exception):
    """The learner's function raised; the message says so in plain words."""


def describe_error(error: BaseException) -> str:
    """'ValueError: bad radius' — the exception in one line a learner can read."""
    text = str(error).strip().splitlines()
    return type(error).__name__ + (f": {text[0]}" if text else "")


def call_learner(learner: Callable[..., Any], **kwargs: Any) -> Any:
    """``learner(**kwargs)``, turning any exception into a :class:`LearnerError` that says so."""
    try:
        return learner(**kwargs)
    except Exception as error:  # noqa: BLE001 - a learner's bug is a result, not a crash
        raise LearnerError(f"your function raised {describe_error(error)}") from error


def run_cases(title: str, learner: Callable[..., Any],
              cases: Iterable[tuple[str, dict[str, Any], Judge]]) -> CheckReport:
    """Call ``learner(**kwargs)`` for every ``(name, kwargs, judge)`` case and judge the result.

    The judge returns None when the result is right, else a sentence saying what is wrong. An
    exception from the learner's function, or a result the judge cannot handle, becomes a
    failed case that says so: the check itself never crashes.
    """
    report = CheckReport(title)
    if not callable(learner):
        report.add("your function", False, f"expected a function, got {type(learner).__name__}")
        return report
    for name, kwargs, judge in cases:
        report.check(name, lambda: judge(call_learner(learner, **kwargs)))
    return report


_STUB = "your function raised NotImplementedError"


def combine(title: str, parts: dict[str, CheckReport]) -> CheckReport:
    """One report of every function's cases; a stub gets one "not written yet" line."""
    report = CheckReport(title)
    for name, part in parts.items():
        if part.cases and all(case.message.startswith(_STUB) for case in part.cases):
            said = part.cases[0].message[len(_STUB):].lstrip(": ") or "write it"
            report.add(f"{name}: not written yet", False, f"the stub says {said!r}: replace its "
                       "`raise NotImplementedError` line with your code, then run the cell again")
        else:
            report.cases += part.cases
    return report


def one_number(result: object) -> float:
    """The learner's result as a float, or a LearnerError saying what came back instead."""
    if isinstance(result, bool) or not isinstance(result, (numbers.Real, np.ndarray)) or \
            np.ndim(result) != 0:
        raise LearnerError(f"expected one number, got {type(result).__name__} {result!r}")
    return float(result)
