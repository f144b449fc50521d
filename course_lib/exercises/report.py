"""Exercise checkers: run a learner's function on named cases and report in plain words.

Every notebook's checkers are built on :func:`run_cases`, so they all behave the same way: a
learner's function that raises, returns the wrong type or is simply wrong gives a red case with
a sentence saying what happened, never a traceback from inside the checker. The words the
report itself prints go through :func:`~course_lib.i18n.language.tr`, so a Chinese notebook's
checker speaks Chinese.
"""

from __future__ import annotations

import html
import numbers
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np

from course_lib.i18n.language import tr

# A judge looks at one case's result and returns None when it is right, or a sentence saying
# what is wrong ("circle is 2 px off-centre at size 64").
Judge = Callable[[Any], "str | None"]


@dataclass(frozen=True)
class Case:
    """One checked case: its name, whether it passed, and a plain-words message.

    ``stub_says`` is the learner's ``NotImplementedError`` text while the function is still the
    stub (None once it is written), so a stub is recognised by what happened, not by wording."""

    name: str
    passed: bool
    message: str
    stub_says: str | None = None


@dataclass
class CheckReport:
    """The outcome of one exercise check: shows green/red in a notebook, text when printed."""

    title: str
    cases: list[Case] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)  # what a checker measured, to show

    def add(self, name: str, passed: bool, message: str = "", stub_says: str | None = None) -> Case:
        case = Case(name, bool(passed), message or (tr("ok") if passed else tr("failed")),
                    stub_says)
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
        verdict = tr("all passed") if self.passed else tr("not yet")
        return tr("{title}: {done}/{total} cases passed — {verdict}",
                  title=self.title, done=done, total=len(self.cases), verdict=verdict)

    @property
    def unwritten(self) -> bool:
        """True when some function checked here is still its stub."""
        return any(case.stub_says is not None for case in self.cases)

    def __str__(self) -> str:
        lines = [self.summary()]
        lines += [f"  {tr('PASS') if c.passed else tr('FAIL')}  {c.name}: {c.message}"
                  for c in self.cases]
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
        stub_says = None
        try:
            problem = test()
        except LearnerError as error:
            problem, stub_says = str(error), error.stub_says
        except Exception as error:  # noqa: BLE001 - e.g. the learner returned a list, not an array
            problem = tr("could not check what your function returned ({error})",
                         error=describe_error(error))
        return self.add(name, problem is None, problem or tr("ok"), stub_says)


class LearnerError(Exception):
    """The learner's function raised; the message says so in plain words.

    ``stub_says`` is the stub's ``NotImplementedError`` text when that is what it raised."""

    def __init__(self, message: str, stub_says: str | None = None) -> None:
        super().__init__(message)
        self.stub_says = stub_says


def describe_error(error: BaseException) -> str:
    """'ValueError: bad radius' — the exception in one line a learner can read."""
    text = str(error).strip().splitlines()
    return type(error).__name__ + (f": {text[0]}" if text else "")


def call_learner(learner: Callable[..., Any], **kwargs: Any) -> Any:
    """``learner(**kwargs)``, turning any exception into a :class:`LearnerError` that says so."""
    try:
        return learner(**kwargs)
    except Exception as error:  # noqa: BLE001 - a learner's bug is a result, not a crash
        stub_says = None  # the stub's own words, when it is still the stub
        if isinstance(error, NotImplementedError):
            stub_says = (str(error).strip().splitlines() or [""])[0]
        raise LearnerError(tr("your function raised {error}", error=describe_error(error)),
                           stub_says) from error


def run_cases(title: str, learner: Callable[..., Any],
              cases: Iterable[tuple[str, dict[str, Any], Judge]]) -> CheckReport:
    """Call ``learner(**kwargs)`` for every ``(name, kwargs, judge)`` case and judge the result.

    The judge returns None when the result is right, else a sentence saying what is wrong. An
    exception from the learner's function, or a result the judge cannot handle, becomes a
    failed case that says so: the check itself never crashes.
    """
    report = CheckReport(title)
    if not callable(learner):
        report.add(tr("your function"), False,
                   tr("expected a function, got {kind}", kind=type(learner).__name__))
        return report
    for name, kwargs, judge in cases:
        report.check(name, lambda: judge(call_learner(learner, **kwargs)))
    return report


def combine(title: str, parts: dict[str, CheckReport]) -> CheckReport:
    """One report of every function's cases; a stub gets one "not written yet" line."""
    report = CheckReport(title)
    for name, part in parts.items():
        if part.cases and all(case.stub_says is not None for case in part.cases):
            said = part.cases[0].stub_says or tr("write it")
            report.add(tr("{name}: not written yet", name=name), False,
                       tr("the stub says {said!r}: replace its `raise NotImplementedError` line "
                          "with your code, then run the cell again", said=said),
                       stub_says=said)
        else:
            report.cases += part.cases
    return report


def one_number(result: object) -> float:
    """The learner's result as a float, or a LearnerError saying what came back instead."""
    if isinstance(result, bool) or not isinstance(result, (numbers.Real, np.ndarray)) or \
            np.ndim(result) != 0:
        raise LearnerError(tr("expected one number, got {kind} {result!r}",
                              kind=type(result).__name__, result=result))
    return float(result)
