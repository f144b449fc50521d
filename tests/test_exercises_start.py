import numpy as np

from course_lib.exercises import solution
from course_lib.exercises.start import check_stretch_lookup


def test_the_reference_solution_passes():
    report = check_stretch_lookup(solution("stretch_lookup"))
    assert report.passed, str(report)


def test_an_off_by_one_table_fails_in_plain_words():
    def off_by_one(images):
        return np.clip(solution("stretch_lookup")(images).astype(int) + 1, 0, 255).astype(np.uint8)

    report = check_stretch_lookup(off_by_one)
    assert not report.passed
    assert "pixels differ from the reference" in str(report)


def test_a_float_result_and_a_crash_are_reported_not_raised():
    assert "expected dtype uint8" in str(check_stretch_lookup(lambda images: images * 1.0))

    def unfinished(images):
        raise NotImplementedError("write me")

    report = check_stretch_lookup(unfinished)
    assert not report.passed and "NotImplementedError: write me" in str(report)
