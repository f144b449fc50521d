"""Notebook 04's tables and the evidence beside each claim, on made-up results: computed from
the numbers, whatever they are (no model is trained or timed here)."""

import pytest

from course_lib.compress import claims, evaluate
from course_lib.compress import report as study


def test_pareto_front():
    cost, quality = [1, 2, 3, 2, 5], [0.90, 0.95, 0.94, 0.95, 0.99]
    assert evaluate.pareto_front(cost, quality).tolist() == [True, True, False, True, True]


def synthetic_table(int8_speed: float, student_accuracy: float = 0.986):
    """A results table with made-up numbers: int8 flatbuffers ``int8_speed`` times as fast."""
    def row(name, size, gz, accuracy, latency, rate):
        return evaluate.VariantResult(name, size, gz, accuracy, latency, rate, 256)

    return evaluate.results_frame([
        row(study.FLOAT, 3_600_000, 3_300_000, 0.995, 6.0, 5000),
        row(study.LITERT, 3_590_000, 3_300_000, 0.995, 0.2, 10000),
        row(study.DYNAMIC, 900_000, 850_000, 0.994, 0.2 / int8_speed, 10000 * int8_speed),
        row(study.FLOAT16, 1_800_000, 1_600_000, 0.995, 0.2, 10000),
        row(study.INT8, 910_000, 860_000, 0.995, 0.2 / int8_speed, 10000 * int8_speed),
        row(study.KERAS_INT8, 1_200_000, 1_100_000, 0.995, 8.0, 4000),
        row(study.PRUNED, 3_600_000, 1_000_000, 0.992, 6.0, 5000),
        row(study.STUDENT, 470_000, 400_000, student_accuracy, 5.0, 12000)])


def synthetic_costs():
    """Counted costs in the shape of the course CNN's: quantization keeps the multiply-adds,
    pruning keeps them too (only its non-zero count falls), the student does fewer."""
    import pandas as pd

    def row(name, macs, nonzero, read):
        return {"name": name, "macs": macs, "nonzero_macs": nonzero, "read_bytes": read}

    full = 8_000_000
    return pd.DataFrame([row(study.FLOAT, full, full, 3_600_000),
                         row(study.LITERT, full, full, 3_600_000),
                         row(study.DYNAMIC, full, full, 900_000),
                         row(study.FLOAT16, full, full, 3_600_000),
                         row(study.INT8, full, full, 900_000),
                         row(study.KERAS_INT8, full, full, 1_200_000),
                         row(study.PRUNED, full, 1_800_000, 3_600_000),
                         row(study.STUDENT, 1_000_000, 1_000_000, 400_000)])


@pytest.mark.parametrize("speed, words, batch1, batch256", [
    (2.5, "2.5x faster", "within the counts", "faster than the counts allow"),
    (0.5, "2.0x slower", "slower than the counts allow", "slower than the counts allow"),
    (1.05, "about as fast", "within the counts", "within the counts")])
def test_speed_evidence_puts_the_counts_beside_every_timing(speed, words, batch1, batch256):
    evidence = claims.speed_evidence(synthetic_table(speed), synthetic_costs()).set_index("variant")
    int8 = evidence.loc[study.INT8]
    assert int8["speedup_batch1"] == pytest.approx(speed)
    assert int8["macs_ratio"] == 1 and int8["read_bytes_ratio"] == pytest.approx(0.25)
    assert (int8["batch1"], int8["batch256"]) == (batch1, batch256)
    line = [line for line in claims.evidence_lines(evidence.reset_index())
            if line.startswith(study.INT8)][0]
    assert f"Measured: {words}" in line and "multiply-adds per image x1.00" in line
    assert ("did not establish what does" in line) == (batch256 != "within the counts")


def test_evidence_names_no_cause_and_shows_what_zeros_could_save():
    lines = claims.evidence_lines(claims.speed_evidence(synthetic_table(1.0), synthetic_costs()))
    keras_int8 = [line for line in lines if line.startswith(study.KERAS_INT8)][0]
    assert "1.3x slower at batch 1" in keras_int8 and "slower than the counts allow" in keras_int8
    pruned = [line for line in lines if line.startswith(study.PRUNED)][0]
    assert "on non-zero weights only, x0.23" in pruned and "within what the counts allow" in pruned
    student = [line for line in lines if line.startswith(study.STUDENT)][0]
    assert "x0.12" in student and "slower than the counts allow" in student  # 1.2x, not 8x
    assert not any("Why" in line or "because" in line for line in lines)


def test_int8_line_reads_the_cpu_flags(monkeypatch):
    from course_lib.measure import machine

    for flags, expected in (({"avx2", "avx512_vnni"}, "reports avx512_vnni"),
                            ({"asimd", "asimddp"}, "reports asimddp"),
                            ({"avx2"}, "about 11 per instruction against 8"),
                            ({"asimd"}, "reports none of the int8"), (set(), "unknown")):
        monkeypatch.setattr(machine, "cpu_flags", lambda flags=flags: flags)
        assert expected in claims.int8_line()
    assert claims.int8_units() is None


def test_bars_measure_sizes_and_drops_against_the_right_baseline():
    found = {bar.what: bar for bar in study.bars(synthetic_table(2.0), 0.12)}
    assert found["dynamic int8 size / float32 size"].measured == pytest.approx(900_000 / 3_590_000)
    assert found["pruned gzipped / float32 gzipped"].measured == pytest.approx(1 / 3.3)
    assert found["student accuracy drop"].measured == pytest.approx(0.9)
    assert all(bar.met for bar in found.values())
    failing = study.bars(synthetic_table(2.0, student_accuracy=0.98), 0.25)
    assert [bar.what for bar in failing if not bar.met] == [
        "student parameters / teacher's", "student accuracy drop"]
    assert list(study.bars_frame(failing)["met"]).count("NO") == 2


def _comparison(medians_ms: dict):
    from course_lib.measure import Comparison, Row

    base = next(iter(medians_ms.values())) / 1e3
    rows = [Row.from_samples(name, [ms / 1e3] * 3, 1, None, base, 1)
            for name, ms in medians_ms.items()]
    return Comparison("t", "images", 1, next(iter(medians_ms)), rows, {}, "quick", "now")


@pytest.mark.parametrize("keras_ms, graph_ms, lite_ms, expected", [
    (7.0, 1.0, 0.2, "closing 88% of the gap"),
    (7.0, 6.9, 0.2, "does not help here"),
    (0.2, 0.2, 0.21, "does not say what sets the time")])
def test_latency_story_reports_the_ratio_whatever_it_is(keras_ms, graph_ms, lite_ms, expected):
    story = claims.latency_story(_comparison({"K": keras_ms, "G": graph_ms, "L": lite_ms}),
                                "K", "G", "L")
    assert f"Keras time / LiteRT time = {keras_ms / lite_ms:.2f}" in story and expected in story


def test_results_frame_measures_against_a_named_baseline_and_refuses_unknown_ones():
    frame = evaluate.results_frame(_rows(synthetic_table(2.0)), baseline=study.LITERT)
    row = frame.set_index("name")
    assert row.loc[study.LITERT, "size_vs_base"] == 1
    assert row.loc[study.DYNAMIC, "size_vs_base"] == pytest.approx(900_000 / 3_590_000)
    with pytest.raises(ValueError, match="baseline: expected one of"):
        evaluate.results_frame(_rows(synthetic_table(2.0)), baseline="Keras float64")
    with pytest.raises(ValueError, match="results: expected at least one"):
        evaluate.results_frame([])


def _rows(frame):
    """The table's rows back as VariantResults."""
    columns = ["name", "size_bytes", "gzip_bytes", "accuracy", "latency_ms", "images_per_s",
               "batch_size"]
    return [evaluate.VariantResult(*values) for values in frame[columns].itertuples(index=False)]
