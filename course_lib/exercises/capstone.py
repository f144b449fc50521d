"""The capstone checker: a pick of sampler for a latency budget, checked by measuring it."""

from __future__ import annotations

from typing import Callable

from course_lib.checks import check_callable, check_number
from course_lib.measure import compare
from .report import CheckReport, describe_error


def check_pick(pick_sampler: Callable, table, budget_ms: float,
               candidates: dict[str, Callable[[], object]], *, repeats: int = 3) -> CheckReport:
    """Call ``pick_sampler(table, budget_ms)``; then measure the picked rung live, at batch 1,
    and check that it really fits the budget (a table can be stale: the check is not).

    ``table`` is ``budgets.budget_table`` (rows from the simplest rung to the most compiled);
    ``candidates`` maps each rung's name to a zero-argument call making one image."""
    check_number("budget_ms", budget_ms, positive=True)
    for name, make_one in candidates.items():
        check_callable(f"candidates[{name!r}]", make_one, "a zero-argument callable")
    report = CheckReport(f"Capstone — a sampler for a {budget_ms:g} ms budget")
    try:
        picked = pick_sampler(table, budget_ms)
    except Exception as error:  # noqa: BLE001 - a learner's bug is a result
        report.add("pick_sampler(table, budget_ms)", False, f"raised {describe_error(error)}")
        return report
    if not isinstance(picked, str) or picked not in candidates:
        report.add("picks one of the rungs", False,
                   f"got {picked!r}; expected one of {sorted(candidates)}")
        return report
    report.add("picks one of the rungs", True, repr(picked))
    measured = compare({picked: candidates[picked]}, repeats=repeats, progress=False,
                       title=f"{picked}, measured now")
    ms = measured.per_item_ms(picked)
    report.add("fits the budget when measured now", ms <= budget_ms,
               f"{ms:.2f} ms per image at batch 1 against {budget_ms:g} ms"
               + ("" if ms <= budget_ms else ": pick a faster rung"))
    listed = table.set_index("option")["ms per image (batch 1)"]
    simpler = [name for name in listed.index[: list(listed.index).index(picked)]
               if listed[name] <= budget_ms]
    report.add("nothing simpler would do", not simpler,
               "ok" if not simpler else f"{simpler[0]!r} also fits and is simpler to run")
    return report
