import math

import pytest

from course_lib.measure import budgets
from course_lib.measure.budgets import Budget, Option


def test_the_named_budgets_are_the_usual_frame_times():
    by_key = {key: b.ms for key, b in budgets.BUDGETS_BY_KEY.items()}
    assert by_key["vr_90hz"] == pytest.approx(11.11, abs=0.01)
    assert by_key["game_60fps"] == pytest.approx(16.67, abs=0.01)
    assert len({b.name for b in budgets.BUDGETS}) == len(budgets.BUDGETS) == len(by_key)


def test_fits_uses_the_share_of_the_budget():
    frame = Budget("frame", "a frame", 10.0, "")
    assert budgets.fits(Option("a", 9.0, 100), frame)
    assert not budgets.fits(Option("a", 9.0, 100), frame, share=0.5)
    with pytest.raises(ValueError, match="share"):
        budgets.fits(Option("a", 9.0, 100), frame, share=0)


def test_cost_per_1000_images():
    assert budgets.cost_per_1000(images_per_s=1000, dollars_per_hour=3.6) == pytest.approx(0.001)
    with pytest.raises(ValueError, match="images_per_s"):
        budgets.cost_per_1000(0, 1.0)


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf, "3"])
def test_options_need_positive_numbers(bad):
    with pytest.raises(ValueError, match="latency_ms"):
        Option("x", bad, 10)


def test_table_and_options_from_saved_comparisons():
    batch1 = {"work": 1, "rows": [{"name": "slow", "median_s": 0.5, "throughput": 2.0},
                                  {"name": "fast", "median_s": 0.005, "throughput": 200.0}]}
    batch64 = {"work": 64, "rows": [{"name": "slow", "median_s": 8.0, "throughput": 8.0},
                                    {"name": "fast", "median_s": 0.064, "throughput": 1000.0}]}
    options = budgets.options_from_comparison(batch1, batch64)
    assert [(o.name, o.latency_ms, o.images_per_s) for o in options] == [
        ("slow", 500.0, 8.0), ("fast", 5.0, 1000.0)]
    table = budgets.budget_table(options).set_index("option")
    assert table.loc["fast", "VR at 90 Hz"] == "yes" and table.loc["slow", "VR at 90 Hz"] == "no"
    assert table.loc["slow", budgets.BUDGETS_BY_KEY["flow"].name] == "yes"
    ax = budgets.plot_budgets(options)
    assert len(ax.patches) == 2


def test_options_come_from_a_saved_pair_or_not_at_all():
    batch1 = {"work": 1, "rows": [{"name": "a", "median_s": 0.01, "throughput": 100.0}]}
    batch64 = {"work": 64, "rows": [{"name": "a", "median_s": 0.064, "throughput": 1000.0}]}
    saved = {"05_x_batch1": batch1, "05_x_batch64": batch64, "05_y_batch1": batch1,
             "05_z_batch64": batch64}
    options = budgets.options_from_saved(saved, "05_x")
    assert [(o.name, o.latency_ms, o.images_per_s) for o in options] == [("a", 10.0, 1000.0)]
    assert budgets.options_from_saved(saved, "05_y") is None
    assert budgets.options_from_saved(saved, "05_z") is None


def test_options_from_live_comparison_objects():
    from course_lib.measure import compare

    one = compare({"a": lambda: sum(range(100))}, work=1, unit="images", repeats=2,
                  progress=False)
    options = budgets.options_from_comparison(one)
    assert options[0].name == "a"
    assert options[0].latency_ms == pytest.approx(one.row("a").median_s * 1000)
