"""compare() must report the true median, direction and order, and refuse what it cannot measure.

Most tests run on a scripted clock: each fake candidate advances it by a known number of
seconds, so every statistic has an exact expected value and no test depends on machine speed.
"""

import json
import math
import time

import numpy as np
import pytest

from course_lib import config, files
from course_lib.measure import timing
from course_lib.measure import CandidateError, Comparison, compare, materialise, time_call
from course_lib.measure.compare import interleaved_rounds


class Clock:
    """Stands in for ``perf_counter`` inside measure; candidates move it forward."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(timing, "perf_counter", fake)
    return fake


def scripted(clock, durations, calls=None, name=None):
    """A candidate whose n-th call takes durations[n] seconds (the last one repeats)."""
    durations = list(durations)

    def candidate():
        clock.now += durations.pop(0) if len(durations) > 1 else durations[0]
        if calls is not None:
            calls.append(name)
    return candidate


def quiet_compare(candidates, **kwargs):
    kwargs = {"repeats": 5, "min_sample_s": 0, "progress": False, **kwargs}
    return compare(candidates, **kwargs)


@pytest.fixture
def three(clock):
    """Baseline 'slow' (median 3 s), 'fast' (median 1 s), 'slower' (median 6 s); work = 6."""
    return quiet_compare({
        "slow": scripted(clock, [10, 1, 5, 1, 4, 2, 3]),  # 2 untimed calls, then 5 rounds
        "fast": scripted(clock, [1, 1, 1, 2, 1, 1, 1.5]),
        "slower": scripted(clock, [6]),
    }, baseline="slow", work=6, unit="images", title="Three candidates")


def test_median_quartiles_and_throughput_are_exact(three):
    slow = three.row("slow")
    assert slow.samples_s == [5, 1, 4, 2, 3]
    assert (slow.median_s, slow.q1_s, slow.q3_s) == (3, 2, 4)
    assert slow.warmup_s == 10  # the first call, compile time included
    assert slow.throughput == pytest.approx(6 / 3)
    fast = three.row("fast")
    assert (fast.median_s, fast.q1_s, fast.q3_s) == (1, 1, 1.5)
    assert fast.throughput == pytest.approx(6)


def test_per_item_time_divides_the_median_by_the_work(three):
    # work = 6 images per call: 'slow' takes 3 s a call, so 0.5 s (500 ms) an image
    assert three.per_item_s("slow") == pytest.approx(0.5)
    assert three.per_item_ms("slow") == pytest.approx(500)
    assert three.per_item_ms("fast") == pytest.approx(1000 / 6)
    assert three.per_item_s("fast") == pytest.approx(1 / three.row("fast").throughput)
    with pytest.raises(ValueError, match=r"name: expected one of 'slow', 'fast', 'slower'"):
        three.per_item_ms("medium")


def test_speedup_direction(three):
    assert three.speedup("slow") == 1.0
    assert three.speedup("fast") == pytest.approx(3) and three.speedup("fast") > 1
    assert three.speedup("slower") == pytest.approx(0.5) and three.speedup("slower") < 1


def test_real_sleeps_rank_correctly():
    result = compare({"sleepy": lambda: time.sleep(0.02), "quick": lambda: time.sleep(0.002)},
                     repeats=3, min_sample_s=0, progress=False)
    assert result.baseline == "sleepy"
    assert result.speedup("quick") > 2  # 10x in theory; generous for noisy machines


def test_materialise_runs_inside_the_timed_region(clock):
    class FakeTensor:
        materialised = 0

        def numpy(self):
            clock.now += 7  # the "GPU" finishes only when asked for the values
            FakeTensor.materialised += 1
            return np.zeros(2)

    def candidate():
        clock.now += 1
        return {"out": [FakeTensor()]}

    result = quiet_compare({"async": candidate}, repeats=3)
    assert result.row("async").samples_s == [8, 8, 8]
    assert FakeTensor.materialised == 2 + 3


def test_materialise_converts_tensorflow_and_walks_containers():
    tf = pytest.importorskip("tensorflow")
    array = np.arange(3)
    out = materialise({"a": [tf.constant([1.0, 2.0])], "b": (tf.Variable(3.0), array), "c": "x"})
    assert isinstance(out["a"][0], np.ndarray) and out["a"][0].tolist() == [1.0, 2.0]
    assert out["b"][0] == 3.0 and out["b"][1] is array and out["c"] == "x"


def test_time_call_averages_over_number(clock):
    assert time_call(scripted(clock, [1, 3]), number=2) == 2
    with pytest.raises(ValueError, match="number"):
        time_call(lambda: None, number=0)
    with pytest.raises(TypeError, match="fn"):
        time_call(42)


def test_rounds_are_interleaved_and_rotated(clock):
    calls = []
    quiet_compare({name: scripted(clock, [1], calls, name) for name in "ABC"}, repeats=4)
    untimed, timed = calls[:6], calls[6:]
    assert untimed == list("AABBCC")
    assert timed == list("ABC" "BCA" "CAB" "ABC")


def test_interleaved_rounds_rotate_the_starting_candidate():
    order = []
    samples = interleaved_rounds(["A", "B", "C"], 4,
                                 lambda name, round_: order.append(name) or round_ + 0.5)
    assert "".join(order) == "ABC" "BCA" "CAB" "ABC"
    assert samples == {name: [0.5, 1.5, 2.5, 3.5] for name in "ABC"}


def test_calls_per_sample_calibrated_from_warm_call(clock):
    calls = []
    result = quiet_compare({
        "fast": scripted(clock, [5, 0.25], calls, "fast"),  # first call "compiles"
        "slow": scripted(clock, [2], calls, "slow"),
    }, repeats=3, min_sample_s=1.0)
    assert result.row("fast").number == 4 and result.row("fast").samples_s == [0.25] * 3
    assert result.row("slow").number == 1  # one call already lasts min_sample_s
    assert calls.count("fast") == 2 + 4 * 3 and calls.count("slow") == 2 + 3


def test_a_single_round_has_no_spread(clock):
    row = quiet_compare({"a": scripted(clock, [2])}, repeats=1).row("a")
    assert (row.samples_s, row.q1_s, row.median_s, row.q3_s) == ([2], 2, 2, 2)


def test_no_warmup_means_single_calls(clock):
    calls = []
    result = quiet_compare({"a": scripted(clock, [0.001], calls, "a")}, warmup=0, repeats=2,
                           min_sample_s=1.0)
    assert result.row("a").warmup_s is None and result.row("a").number == 1 and len(calls) == 2


@pytest.mark.parametrize("candidates, kwargs, error, words", [
    ({}, {}, ValueError, ["candidates", "at least one"]),
    ([lambda: 1], {}, TypeError, ["candidates", "dict"]),
    ({"a": 42}, {}, TypeError, ["candidates['a']", "callable"]),
    ({1: int}, {}, TypeError, ["candidates", "string names"]),
    ({" ": int}, {}, ValueError, ["candidates", "non-empty names"]),
    ({"a": int}, {"repeats": 0}, ValueError, ["repeats", ">= 1"]),
    ({"a": int}, {"repeats": 2.5}, TypeError, ["repeats", "integer"]),
    ({"a": int}, {"warmup": -1}, ValueError, ["warmup", ">= 0"]),
    ({"a": int}, {"work": 0}, ValueError, ["work", "positive"]),
    ({"a": int}, {"work": "10"}, TypeError, ["work", "number"]),
    ({"a": int}, {"unit": ""}, ValueError, ["unit"]),
    ({"a": int}, {"unit": "images/s"}, ValueError, ["unit"]),
    ({"a": int}, {"unit": 5}, TypeError, ["unit", "string"]),
    ({"a": int}, {"title": 5}, TypeError, ["title", "string"]),
    ({"a": int}, {"min_sample_s": -1}, ValueError, ["min_sample_s"]),
    ({"numpy": int, "tf": int}, {"baseline": "python"}, ValueError,
     ["baseline", "'numpy'", "'tf'", "'python'"]),
])
def test_bad_input_names_the_argument(candidates, kwargs, error, words):
    with pytest.raises(error) as caught:
        compare(candidates, progress=False, **kwargs)
    assert all(word in str(caught.value) for word in words), str(caught.value)


@pytest.mark.parametrize("fail_on_call, phase", [(1, "warm-up"), (4, "timing (round 2 of")])
def test_failing_candidate_is_named_and_chained(fail_on_call, phase):
    count = [0]

    def flaky():
        count[0] += 1
        if count[0] == fail_on_call:
            raise ZeroDivisionError("boom")

    with pytest.raises(CandidateError, match=r"'flaky'.*boom") as caught:
        quiet_compare({"fine": int, "flaky": flaky}, repeats=3)
    assert phase in str(caught.value)
    assert isinstance(caught.value.__cause__, ZeroDivisionError)


def test_frame_text_and_html(three):
    frame = three.frame()
    assert list(frame.columns) == ["name", "median_ms", "q1_ms", "q3_ms", "spread_pct",
                                   "warmup_ms", "number", "samples", "images/s", "speedup"]
    assert frame["name"].tolist() == ["slow", "fast", "slower"]
    assert frame.loc[0, "median_ms"] == 3000
    assert frame.loc[0, "spread_pct"] == pytest.approx((4 - 2) / 3 * 100)
    text, page = str(three), three._repr_html_()
    for shown in (text, page):
        assert "Three candidates" in shown and all(n in shown for n in ["slow", "fast", "slower"])
        assert "3.00x" in shown and "Python" in shown and "5 interleaved rounds" in shown
    assert "<table" in page


def test_a_column_with_nothing_measured_is_left_out_and_headers_follow_the_language(
        monkeypatch):
    untimed = Comparison.from_samples({"a": [0.002, 0.003], "b": [0.001]}, title="No warm-up")
    assert untimed.frame()["warmup_ms"].isna().all()  # the data keeps the column...
    for shown in (str(untimed), untimed._repr_html_()):  # ...the table does not show it
        assert "warmup_ms" not in shown and "nan" not in shown.lower() and "median_ms" in shown
    monkeypatch.setenv("COURSE_LANG", "zh")
    shown = str(untimed)
    assert "中位数（ms）" in shown and "加速比" in shown and "median_ms" not in shown
    assert list(untimed.frame().columns)[:2] == ["name", "median_ms"]  # code's keys stay English


def test_progress_line_is_shown(clock, capsys):
    compare({"a": scripted(clock, [1])}, repeats=2, min_sample_s=0, title="Progress please")
    assert "Progress please" in capsys.readouterr().err


def test_plot_one_bar_per_candidate(three):
    ax = three.plot()
    assert len(ax.patches) == 3 and ax.get_xscale() == "linear"
    assert [t.get_text() for t in ax.texts] == ["1.00x", "3.00x", "0.500x"]
    assert ax.get_title() == "Three candidates"


def test_plot_uses_log_scale_for_wide_ranges(clock):
    result = quiet_compare({"slow": scripted(clock, [100]), "fast": scripted(clock, [1])})
    assert result.plot().get_xscale() == "log"


def test_save_load_round_trip_is_atomic(three):
    path = three.save("three")
    assert path == config.RESULTS_DIR / "three.json"
    assert sorted(p.name for p in path.parent.iterdir()) == [
        "three.csv", "three.csv.sha256", "three.json", "three.json.sha256"]
    saved = json.loads(path.read_text())
    assert saved["machine"]["cpu_model"] and saved["rows"][0]["samples_s"] == [5, 1, 4, 2, 3]
    assert Comparison.load("three") == three
    assert Comparison.load(path) == three


def test_save_to_explicit_path_and_reject_odd_names(three, tmp_path):
    assert Comparison.load(three.save(tmp_path / "sub" / "x.json")) == three
    with pytest.raises(ValueError, match="name_or_path"):
        three.save(tmp_path / "x.txt")


def test_load_refuses_a_tampered_file(three):
    path = three.save("three")
    path.write_text(path.read_text().replace('"slow"', '"quick"'))
    with pytest.raises(files.FileIntegrityError):
        Comparison.load(path)


def test_load_refuses_a_file_that_is_not_a_comparison(tmp_path):
    other = files.write_text_atomic(tmp_path / "ladder.json", json.dumps(
        {"kind": "training_ladder", "rows": [{"rung": "a", "speedup": 1.0}]}))
    with pytest.raises(ValueError, match="expected a comparison saved by Comparison.save"):
        Comparison.load(other)
    partial = files.write_text_atomic(tmp_path / "partial.json", json.dumps(
        {"format": "course_lib.measure/1", "title": "t", "rows": []}))
    with pytest.raises(ValueError, match="lacks or has unknown fields"):
        Comparison.load(partial)


def test_from_samples_builds_what_compare_builds(three):
    again = Comparison.from_samples(
        {row.name: row.samples_s for row in three.rows}, title=three.title, unit="images",
        work=6, baseline="slow", numbers={row.name: row.number for row in three.rows},
        warmups_s={row.name: row.warmup_s for row in three.rows}, settings=three.settings)
    assert again.rows == three.rows
    assert (again.machine, again.mode) == (three.machine, three.mode)


def test_from_samples_takes_single_runs_and_runs_that_never_finished():
    runs = Comparison.from_samples({"plain": [60.0], "fast": [20.0], "stuck": [math.inf]},
                                   title="Time to 99% accuracy", unit="runs")
    assert runs.speedup("fast") == pytest.approx(3) and runs.speedup("stuck") == 0
    assert "one sample per run, not interleaved" in str(runs)
    assert runs.row("fast").q1_s == runs.row("fast").q3_s == 20.0
    assert Comparison.load(runs.save("runs")) == runs


@pytest.mark.parametrize("samples, kwargs, error, words", [
    ([1.0], {}, TypeError, ["samples_s", "dict"]),
    ({"a": []}, {}, ValueError, ["samples_s['a']", "seconds"]),
    ({"a": [-1.0]}, {}, ValueError, ["samples_s['a']"]),
    ({"a": [math.nan]}, {}, ValueError, ["samples_s['a']"]),
    ({"a": [1.0]}, {"baseline": "b"}, ValueError, ["baseline", "'a'"]),
    ({"a": [1.0]}, {"work": 0}, ValueError, ["work"]),
    ({"a": [1.0]}, {"title": None}, TypeError, ["title", "string"]),
])
def test_from_samples_names_a_bad_argument(samples, kwargs, error, words):
    with pytest.raises(error) as caught:
        Comparison.from_samples(samples, **{"title": "t", **kwargs})
    assert all(word in str(caught.value) for word in words), str(caught.value)


def test_imports_do_not_pull_in_tensorflow():
    import subprocess
    import sys

    code = "import course_lib.measure, course_lib.measure.machine, sys; print('tensorflow' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=config.ROOT)
    assert out.stdout.strip() == "False"


def test_labels_are_shown_while_names_stay_the_keys(clock, tmp_path):
    """Rows are looked up by identifier; tables, charts and saved files show the labels."""
    result = quiet_compare({"slow_rung": scripted(clock, [2]), "fast_rung": scripted(clock, [1])},
                           labels={"slow_rung": "the slow rung", "fast_rung": "the fast one",
                                   "unused": "a label for a rung not timed here"})
    assert result.names() == ["slow_rung", "fast_rung"] and result.speedup("fast_rung") == 2
    assert result.labels == {"slow_rung": "the slow rung", "fast_rung": "the fast one"}
    assert result.label("fast_rung") == "the fast one"
    assert list(result.frame()["label"]) == ["the slow rung", "the fast one"]
    assert "the fast one" in str(result) and "the fast one" in result._repr_html_()
    ax = result.plot()
    assert [t.get_text() for t in ax.get_yticklabels()] == ["the slow rung", "the fast one"]
    assert Comparison.load(result.save(tmp_path / "labelled.json")).labels == result.labels
    unlabelled = quiet_compare({"a": scripted(clock, [1])})
    assert unlabelled.label("a") == "a" and "label" not in unlabelled.frame()
    with pytest.raises(TypeError, match="^labels: expected a dict"):
        quiet_compare({"a": scripted(clock, [1])}, labels=["a"])
    with pytest.raises(ValueError, match=r"^labels\['a'\]: expected a non-empty string"):
        quiet_compare({"a": scripted(clock, [1])}, labels={"a": " "})
