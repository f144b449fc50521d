"""The checker framework, and notebook 02's checkers: pass the reference, fail wrong answers."""

import numpy as np
import pytest

from course_lib.exercises import CheckReport, run_cases, show_solution, solution, solution_names
from course_lib.exercises import shapes as ex


# --- The framework --------------------------------------------------------------------------

def test_report_passes_only_when_every_case_passes():
    report = CheckReport("demo")
    assert not report.passed  # nothing checked is not a pass
    report.add("first", True)
    assert report.passed
    report.add("second", False, "circle is 2 px off-centre")
    assert not report.passed and [c.name for c in report.failures] == ["second"]
    text = str(report)
    assert "1/2 cases passed" in text and "FAIL  second: circle is 2 px off-centre" in text
    page = report._repr_html_()
    assert "#1a7f37" in page and "#cf222e" in page  # a green row and a red one
    with pytest.raises(AssertionError, match="off-centre"):
        report.raise_if_failed()


def test_html_escapes_what_the_learner_returned():
    report = CheckReport("<b>")
    report.add("x", False, "got <script>")
    assert "<script>" not in report._repr_html_()


def test_run_cases_reports_a_raising_function_and_a_judge_that_cannot_cope():
    def judge(result):
        return None if result.shape == (2,) else "wrong shape"

    def learner(n):
        if n == 0:
            raise ZeroDivisionError("division by zero")
        return [1] * n if n == 1 else np.zeros(n)

    report = run_cases("demo", learner, [(f"n={n}", {"n": n}, judge) for n in (0, 1, 2, 3)])
    messages = [c.message for c in report.cases]
    assert messages[0] == "your function raised ZeroDivisionError: division by zero"
    assert messages[1].startswith("could not check what your function returned (AttributeError")
    assert messages[2] == "ok" and messages[3] == "wrong shape"


def test_run_cases_with_something_that_is_not_a_function():
    report = run_cases("demo", 42, [("a", {}, lambda r: None)])
    assert not report.passed and "expected a function, got int" in str(report)


def test_a_chinese_run_speaks_chinese_and_still_knows_a_stub(monkeypatch):
    from course_lib.exercises.report import combine

    def stub(n):
        raise NotImplementedError("write the loop")

    def written(n):
        return n

    monkeypatch.setenv("COURSE_LANG", "zh")
    cases = [("n=1", {"n": 1}, lambda result: None if result == 1 else "wrong")]
    report = combine("练习", {"stub": run_cases("", stub, cases),
                              "written": run_cases("", written, cases)})
    assert report.unwritten and [c.name for c in report.cases] == ["stub：尚未编写", "n=1"]
    assert "'write the loop'" in report.cases[0].message and "重新运行" in report.cases[0].message
    assert report.summary() == "练习：通过 1/2 个用例——尚未完成"
    assert "失败  stub：尚未编写" in str(report)
    assert not combine("练习", {"written": run_cases("", written, cases)}).unwritten


def test_solutions_are_found_by_name_and_shown_only_on_request():
    assert {"centred_circle", "rings_batch", "diamond"} <= set(solution_names())
    shown = show_solution("centred_circle")
    assert str(shown).startswith("def centred_circle(")
    assert "```python\ndef centred_circle(" in shown._repr_markdown_()
    with pytest.raises(KeyError, match="no solution called 'nope'"):
        solution("nope")


# --- Exercise 1: centred circle --------------------------------------------------------------

def circle_at(offset_x: float, radius_scale: float = 1.0):
    def attempt(size, radius):
        c = np.arange(size) + 0.5
        dx, dy = c - size / 2 - offset_x, c[:, None] - size / 2
        return dx ** 2 + dy ** 2 <= (radius * radius_scale) ** 2
    return attempt


def test_centred_circle_checker_passes_the_reference_and_a_uint8_version():
    assert ex.check_centred_circle(solution("centred_circle")).passed
    def as_uint8(size, radius):
        return solution("centred_circle")(size, radius).astype(np.uint8) * 255
    assert ex.check_centred_circle(as_uint8).passed


def test_centred_circle_checker_fails_an_off_centre_circle_in_plain_words():
    report = ex.check_centred_circle(circle_at(2))
    assert not report.passed and len(report.failures) == len(report.cases)
    assert "circle of radius 20 at size 64 is 2.0 px off-centre" in report.cases[0].message


def test_centred_circle_checker_fails_diameter_for_radius_and_small_errors():
    assert "too big" in ex.check_centred_circle(circle_at(0, 2.0)).cases[0].message
    assert "too small" in ex.check_centred_circle(circle_at(0, 0.9)).cases[0].message

    def flipped(size, radius):  # a circle is symmetric: flipping or transposing it is fine
        return circle_at(0)(size, radius)[::-1, ::-1].T
    assert ex.check_centred_circle(flipped).passed


def test_centred_circle_checker_fails_wrong_shapes_and_empty_images():
    assert "expected an array of shape (64, 64)" in ex.check_centred_circle(
        lambda size, radius: np.zeros((size, size + 1))).cases[0].message
    assert "the image is empty" in ex.check_centred_circle(
        lambda size, radius: np.zeros((size, size))).cases[0].message


def test_centred_circle_checker_reports_pixels_that_differ():
    def with_hole(size, radius):
        image = solution("centred_circle")(size, radius)
        image[size // 2 - 2: size // 2 + 2, size // 2 - 2: size // 2 + 2] = False
        return image
    report = ex.check_centred_circle(with_hole)
    assert not report.passed
    assert report.cases[-1].message == ("16 pixels away from the edge differ from the reference: "
                                        "the circle of radius 40.25 at size 101 has holes or "
                                        "stray pixels")


def test_centred_circle_checker_accepts_strict_inequality_on_the_edge():
    def strict(size, radius):
        c = np.arange(size) + 0.5 - size / 2
        return c ** 2 + c[:, None] ** 2 < radius ** 2
    assert ex.check_centred_circle(strict).passed


# --- Exercise 2: vectorised rings ------------------------------------------------------------

def test_rings_checker_passes_the_reference():
    assert ex.check_rings_batch(solution("rings_batch")).passed


def test_rings_checker_fails_the_loop_itself_on_speed_only():
    report = ex.check_rings_batch(ex.rings_loop)
    assert [c.passed for c in report.cases] == [True, True, True, False]
    assert "Is there still a Python loop" in report.cases[-1].message


def test_rings_checker_fails_wrong_pixels_before_timing():
    def filled(centres, inner, outer, canvas=64):
        return ex.rings_loop(centres, np.zeros_like(inner), outer, canvas)
    report = ex.check_rings_batch(filled)
    assert len(report.cases) == 3 and not report.passed
    assert "images differ from rings_loop; the first, image 0" in report.cases[0].message


def test_random_rings_are_valid_rings():
    args = ex.random_rings(200, canvas=32, seed=1)
    assert (args["inner"] >= 1).all() and (args["inner"] < args["outer"]).all()
    assert (args["centres"] >= args["outer"][:, None]).all()
    assert (args["centres"] + args["outer"][:, None] <= 32).all()


# --- Exercise 3: the diamond -----------------------------------------------------------------

def test_diamond_checker_passes_the_reference_and_fails_a_square():
    assert ex.check_diamond(solution("diamond")).passed

    def square(canvas, center, width, height):
        c = np.arange(canvas) + 0.5
        return (np.abs(c - center[0]) <= width / 2) & (np.abs(c[:, None] - center[1]) <= height / 2)
    report = ex.check_diamond(square)
    assert not report.passed and "too big" in report.cases[0].message


def test_diamond_checker_fails_swapped_width_and_height():
    def swapped(canvas, center, width, height):
        return solution("diamond")(canvas, center, height, width)
    report = ex.check_diamond(swapped)
    assert not report.passed and "edge differ from the reference" in report.cases[0].message
