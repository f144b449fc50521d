"""Notebook 05's diagrams: drawn from the real mask, a real cache step and the real schedule."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_lib.generate import diagrams, maskgit, tiny_gpt

SMALL = tiny_gpt.GPTConfig(codes=24, length=10, width=32, depth=2, heads=4, dropout=0.0)


@pytest.fixture(scope="module")
def model():
    return tiny_gpt.build(SMALL, seed=0)


def test_the_mask_drawn_is_the_models_lower_triangle():
    ax = diagrams.plot_causal_mask(SMALL)
    drawn = ax.images[0].get_array()
    assert drawn.shape == (SMALL.positions, SMALL.positions)
    np.testing.assert_array_equal(drawn, np.tril(np.ones_like(drawn)))
    assert f"{SMALL.positions * (SMALL.positions + 1) // 2:,} of" in ax.get_title()
    plt.close("all")


def test_one_cached_step_writes_exactly_its_own_slot(model):
    _, before = diagrams.fill_cache(model, 3, 4)
    sequence, after = diagrams.fill_cache(model, 3, 5)
    assert diagrams.written_slots(before, after) == [4]
    assert diagrams.written_slots(model.empty_cache(1), before) == [0, 1, 2, 3]
    assert sequence.shape == (1, SMALL.length + 1)
    figure = diagrams.plot_cache_step(before, after, 4)
    assert len(figure.axes) == 2 * SMALL.heads
    assert "(1, 4, 10, 8)" in figure._suptitle.get_text()
    plt.close("all")


def test_fill_cache_names_a_bad_step_count(model):
    with pytest.raises(ValueError, match="steps"):
        diagrams.fill_cache(model, 3, SMALL.length + 1)


@pytest.mark.parametrize("steps", [1, 4, 8, 12])
def test_tokens_decided_per_pass_follow_the_schedule(steps):
    decided = diagrams.decided_per_pass(49, steps)
    assert sum(decided) == 49 and len(decided) == steps and min(decided) >= 1
    left = 49 - np.cumsum(decided)
    assert left.tolist() == maskgit.schedule(49, steps)


def test_the_schedule_plot_has_one_bar_per_pass():
    ax = diagrams.plot_maskgit_schedule(49, (4, 8))
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == diagrams.decided_per_pass(49, 4) + diagrams.decided_per_pass(49, 8)
    plt.close("all")


class FakeComparison:
    """What ``ladder_points`` reads from a ``measure.Comparison``: row names, seconds per image."""

    def __init__(self, per_image_s):
        self.per_image_s = per_image_s

    def names(self):
        return list(self.per_image_s)

    def per_item_s(self, name):
        return self.per_image_s[name]


def test_bytes_counted_are_the_weights_and_the_cache(model):
    tables = (SMALL.vocab_in + SMALL.positions) * SMALL.width
    assert model.weights_read_per_pass() == model.count_params() - tables
    assert diagrams.cache_bytes(SMALL, 3) == 4 * 2 * SMALL.depth * 3 * SMALL.length * SMALL.width
    with pytest.raises(ValueError, match="batch"):
        diagrams.cache_bytes(SMALL, 0)


def test_ladder_points_count_per_call(model):
    results = {1: FakeComparison({"cached_xla": 0.01, "recompute_xla": 0.02}),
               8: FakeComparison({"cached_xla": 0.002})}
    points = {p.label: p for p in diagrams.ladder_points(results, model)}
    assert set(points) == {"cached_xla, b1", "recompute_xla, b1", "cached_xla, b8"}
    eight = points["cached_xla, b8"]
    assert eight.seconds == pytest.approx(0.016)
    assert eight.flops == 8 * tiny_gpt.flops_per_image(SMALL, "cached")
    assert eight.bytes_moved == SMALL.length * (4 * model.weights_read_per_pass()
                                                + diagrams.cache_bytes(SMALL, 8))
    assert points["recompute_xla, b1"].bytes_moved == SMALL.length * 4 * model.weights_read_per_pass()
    # batching shares the weights: more FLOPs per byte
    assert eight.intensity > points["cached_xla, b1"].intensity
    figure = diagrams.plot_ladder_roofline(_limits(), list(points.values()))
    assert [ax.get_title()[:8] for ax in figure.axes] == ["batch 1:", "batch 8:"]
    plt.close("all")


def _limits():
    from course_lib.measure.machine import MachineLimits

    return MachineLimits(matmul_gflops=100.0, bandwidth_gbs=10.0)  # ridge: 10 FLOP/byte


def test_roofline_reading_says_which_side_and_how_far():
    from course_lib.measure.roofline import RooflinePoint

    limits = _limits()  # 1 GB at 10 GB/s: 0.1 s at best; 1 GFLOP at 100 GFLOP/s: 0.01 s
    assert "from cache" in diagrams.roofline_reading(limits, RooflinePoint("a", 1e9, 1e9, 0.05))
    assert "near the roof" in diagrams.roofline_reading(limits, RooflinePoint("b", 1e9, 1e9, 0.12))
    far = diagrams.roofline_reading(limits, RooflinePoint("c", 1e9, 1e9, 5.0))
    assert far.startswith("c: memory side, 50x") and "at most 2% of it" in far
    assert "peak probe" in diagrams.roofline_reading(limits, RooflinePoint("d", 1e12, 1e9, 1.0))
