import math

import pytest

from course_lib.measure import Comparison, budgets
from course_lib.measure.budgets import Budget, Option


def test_the_named_budgets_are_the_usual_frame_times():
    by_key = {key: b.ms for key, b in budgets.BUDGETS_BY_KEY.items()}
    assert by_key["vr_90hz"] == pytest.approx(11.11, abs=0.01)
    assert by_key["game_60fps"] == pytest.approx(16.67, abs=0.01)
    assert len({b.name for b in budgets.BUDGETS}) == len(budgets.BUDGETS) == len(by_key)


def test_the_budgets_page_table_is_made_from_the_one_table():
    lines = budgets.budgets_markdown().splitlines()
    assert lines[:2] == ["| where | latency budget | why |", "|---|---|---|"]
    assert len(lines) == 2 + len(budgets.BUDGETS)
    vr = budgets.BUDGETS_BY_KEY["vr_90hz"]
    assert f"| {vr.name} | 11.1 ms | {vr.why} |" in lines
    assert budgets.budgets_markdown([Budget("k", "a frame", 1234.5, "why")]).endswith(
        "| a frame | 1,230 ms | why |")


def test_a_budget_needs_positive_milliseconds():
    with pytest.raises(ValueError, match="ms"):
        Budget("k", "never", 0, "")


def test_fits_uses_the_share_of_the_budget():
    frame = Budget("frame", "a frame", 10.0, "")
    assert budgets.fits(Option("a", 9.0, 100), frame)
    assert not budgets.fits(Option("a", 9.0, 100), frame, share=0.5)
    for bad in (0, 1.5):
        with pytest.raises(ValueError, match="share"):
            budgets.fits(Option("a", 9.0, 100), frame, share=bad)
    with pytest.raises(TypeError, match="share"):
        budgets.fits(Option("a", 9.0, 100), frame, share="half")


def test_cost_per_1000_images():
    assert budgets.cost_per_1000(images_per_s=1000, dollars_per_hour=3.6) == pytest.approx(0.001)
    assert budgets.cost_per_1000(images_per_s=10, dollars_per_hour=0) == 0
    with pytest.raises(ValueError, match="images_per_s"):
        budgets.cost_per_1000(0, 1.0)
    with pytest.raises(ValueError, match="dollars_per_hour"):
        budgets.cost_per_1000(10, -1.0)


@pytest.mark.parametrize("bad", [0, -1.0, math.nan, math.inf])
def test_options_need_positive_numbers(bad):
    with pytest.raises(ValueError, match="latency_ms"):
        Option("x", bad, 10)
    with pytest.raises(ValueError, match="images_per_s"):
        Option("x", 10, bad)


def test_options_refuse_wrong_types():
    with pytest.raises(TypeError, match="latency_ms"):
        Option("x", "3", 10)
    with pytest.raises(TypeError, match="name"):
        Option(3, 3.0, 10)


def _ladder(work, medians_s):
    """A saved-like comparison of named candidates with the given median seconds per call."""
    return Comparison.from_samples({name: [s] * 3 for name, s in medians_s.items()},
                                   title=f"batch {work}", unit="images", work=work)


def test_table_and_options_from_comparisons():
    batch1 = _ladder(1, {"slow": 0.5, "fast": 0.005})
    batch64 = _ladder(64, {"slow": 8.0, "fast": 0.064})
    options = budgets.options_from_comparison(batch1, batch64)
    assert [(o.name, o.latency_ms, o.images_per_s) for o in options] == [
        ("slow", 500.0, 8.0), ("fast", 5.0, 1000.0)]
    table = budgets.budget_table(options).set_index("option")
    assert table.loc["fast", "VR at 90 Hz"] == "yes" and table.loc["slow", "VR at 90 Hz"] == "no"
    assert table.loc["slow", budgets.BUDGETS_BY_KEY["flow"].name] == "yes"
    assert table.loc["fast", "$ per 1,000 images"] == pytest.approx(0.1 / 3600 * 1000 / 1000)
    assert len(budgets.plot_budgets(options).patches) == 2
    ax = budgets.plot_costs(options, dollars_per_hour=0.1)
    assert [t.get_text() for t in ax.texts] == ["$0.0035", "$0.000028"]


@pytest.mark.parametrize("dollars, shown", [(9e-05, "$0.00009"), (2.78e-05, "$0.000028"),
                                            (0.335, "$0.34"), (0.1, "$0.10"),
                                            (1234.5, "$1,234.50")])
def test_money_reads_at_a_glance(dollars, shown):
    assert budgets.money(dollars) == shown


def test_the_shown_budget_table_has_readable_numbers_and_english_keys(monkeypatch):
    slow = Option("slow", latency_ms=2500.0, images_per_s=0.335)
    table = budgets.budget_table([slow], dollars_per_hour=0.0001)
    page = budgets.show_budget_table(table).to_html()
    assert "0.335" in page and "2,500" in page and "$0.000083" in page  # not 0, not 8.3e-05
    assert "e-0" not in page and ">0<" not in page
    monkeypatch.setenv("COURSE_LANG", "zh")
    page = budgets.show_budget_table(table).to_html()
    assert "否" in page and "images/s (in bulk)" not in page  # shown in Chinese
    assert "images/s (in bulk)" in table.columns  # the key code indexes by stays English


def test_options_take_bulk_throughput_where_it_was_measured():
    batch1 = _ladder(1, {"eager": 0.02, "compiled": 0.002})
    batch64 = _ladder(64, {"compiled": 0.032})  # the slow rung was timed at batch 1 only
    options = {o.name: o for o in budgets.options_from_comparison(batch1, batch64)}
    assert options["compiled"].images_per_s == pytest.approx(2000)
    assert options["eager"].images_per_s == pytest.approx(50)  # its batch-1 throughput
    with pytest.raises(TypeError, match="comparison"):
        budgets.options_from_comparison({"rows": []})
    with pytest.raises(TypeError, match="batch_comparison"):
        budgets.options_from_comparison(batch1, {"rows": []})


def test_options_come_from_a_saved_pair_or_not_at_all():
    batch1, batch64 = _ladder(1, {"a": 0.01}), _ladder(64, {"a": 0.064})
    saved = {"05_x_batch1": batch1, "05_x_batch64": batch64, "05_y_batch1": batch1,
             "05_z_batch64": batch64}
    options = budgets.options_from_saved(saved, "05_x")
    assert [(o.name, o.latency_ms, o.images_per_s) for o in options] == [("a", 10.0, 1000.0)]
    assert budgets.options_from_saved(saved, "05_y") is None
    assert budgets.options_from_saved(saved, "05_z") is None


def test_options_from_a_live_comparison():
    from course_lib.measure import compare

    one = compare({"a": lambda: sum(range(100))}, work=1, unit="images", repeats=2,
                  progress=False)
    options = budgets.options_from_comparison(one)
    assert options[0].name == "a"
    assert options[0].latency_ms == pytest.approx(one.per_item_ms("a"))


def test_options_carry_the_comparison_labels_into_tables_and_charts():
    batch1 = Comparison.from_samples({"cached_xla": [0.004], "predict": [0.9]}, title="b1",
                                     unit="images", labels={"cached_xla": "KV cache, XLA loop"})
    options = budgets.options_from_comparison(batch1)
    assert [(o.name, o.shown) for o in options] == [("cached_xla", "KV cache, XLA loop"),
                                                   ("predict", "predict")]
    table = budgets.budget_table(options)
    assert list(table["option"]) == ["cached_xla", "predict"]  # what code looks rungs up by
    assert list(table["label"]) == ["KV cache, XLA loop", "predict"]
    ax = budgets.plot_budgets(options)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["KV cache, XLA loop", "predict"]
