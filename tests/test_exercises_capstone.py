import time

import pandas as pd
import pytest

from course_lib.exercises import solution
from course_lib.exercises.capstone import check_pick

CANDIDATES = {"simple but slow": lambda: time.sleep(0.02), "compiled": lambda: None,
              "also compiled": lambda: None}
TABLE = pd.DataFrame({"option": list(CANDIDATES), "ms per image (batch 1)": [20.0, 0.01, 0.01]})


def test_the_reference_pick_passes():
    report = check_pick(solution("pick_sampler"), TABLE, 5.0, CANDIDATES, repeats=2)
    assert report.passed, str(report)


def test_a_pick_that_does_not_fit_when_measured_fails():
    report = check_pick(lambda table, budget: "simple but slow", TABLE, 5.0, CANDIDATES, repeats=2)
    assert not report.passed and "pick a faster rung" in str(report)


def test_a_needlessly_complex_pick_and_an_unknown_name_fail():
    report = check_pick(lambda table, budget: "also compiled", TABLE, 5.0, CANDIDATES, repeats=2)
    assert not report.passed and "'compiled' also fits and is simpler" in str(report)
    unknown = check_pick(lambda table, budget: "magic", TABLE, 5.0, CANDIDATES)
    assert not unknown.passed and "expected one of" in str(unknown)


def test_an_unhashable_pick_is_reported_not_raised():
    report = check_pick(lambda table, budget: ["compiled"], TABLE, 5.0, CANDIDATES)
    assert not report.passed and "expected one of" in str(report)


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match="budget_ms"):
        check_pick(solution("pick_sampler"), TABLE, 0, CANDIDATES)
    with pytest.raises(TypeError, match="budget_ms"):
        check_pick(solution("pick_sampler"), TABLE, "5 ms", CANDIDATES)
    with pytest.raises(TypeError, match=r"candidates\['compiled'\]"):
        check_pick(solution("pick_sampler"), TABLE, 5.0, {**CANDIDATES, "compiled": 42})
