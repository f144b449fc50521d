"""Notebook 01's checker: passes the reference, fails common mistakes with a useful message."""

from course_lib.exercises import show_solution, solution
from course_lib.exercises.interview import check_tokens_per_image


def test_the_reference_passes_and_is_shown_on_request():
    assert check_tokens_per_image(solution("tokens_per_image")).passed
    assert "def tokens_per_image" in str(show_solution("tokens_per_image"))


def test_common_mistakes_fail_with_a_hint():
    by_side = check_tokens_per_image(lambda height, width, patch: height * width // patch)
    assert not by_side.passed and "patch's side" in by_side.failures[0].message
    floats = check_tokens_per_image(lambda height, width, patch: height * width / patch**2)
    assert not floats.passed and "use // rather than /" in floats.failures[0].message
    square = check_tokens_per_image(lambda height, width, patch: (height // patch) ** 2)
    assert [case.name for case in square.failures] == ["a wide 256×512 image, 16×16 patches"]


def test_a_stub_fails_without_crashing():
    def stub(height, width, patch):
        raise NotImplementedError("not yet")

    report = check_tokens_per_image(stub)
    assert not report.passed and "NotImplementedError" in report.failures[0].message
