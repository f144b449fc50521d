"""The roofline: its arithmetic, which side of the ridge a kernel falls on, and its plot."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course_lib.measure.machine import MachineLimits  # noqa: E402
from course_lib.measure.roofline import (  # noqa: E402
    RooflinePoint, attainable_gflops, bound_by, plot_roofline, predicted_seconds, ridge_point,
    time_over_roofline)

# 100 GFLOP/s and 10 GB/s: the ridge point is at 10 FLOP/byte.
LIMITS = MachineLimits(matmul_gflops=100, bandwidth_gbs=10, copy_gbs=12)


def test_ridge_point_and_the_roofline():
    assert ridge_point(LIMITS) == pytest.approx(10)
    assert attainable_gflops(LIMITS, 0.5) == pytest.approx(5)  # on the memory slope
    assert attainable_gflops(LIMITS, 10) == pytest.approx(100)  # at the ridge
    assert attainable_gflops(LIMITS, 1000) == pytest.approx(100)  # under the roof


def test_predicted_seconds_is_the_slower_of_compute_and_memory():
    # A matrix-vector product of 1,000 x 1,000 float32: 2e6 FLOPs, 4e6 bytes of weights.
    assert predicted_seconds(LIMITS, 2e6, 4e6) == pytest.approx(4e6 / 10e9)  # memory: 0.4 ms
    # A 1,000^3 matmul: 2e9 FLOPs over 12e6 bytes.
    assert predicted_seconds(LIMITS, 2e9, 12e6) == pytest.approx(2e9 / 100e9)  # compute: 20 ms
    assert predicted_seconds(LIMITS, 0, 1e9) == pytest.approx(0.1)  # a pure copy


@pytest.mark.parametrize("flops, bytes_moved, side", [
    (9.9e6, 1e6, "memory"), (10.1e6, 1e6, "compute"), (0, 1e6, "memory"), (1e12, 1, "compute")])
def test_bound_by_on_both_sides_of_the_ridge(flops, bytes_moved, side):
    assert bound_by(LIMITS, flops, bytes_moved) == side
    memory_s, compute_s = bytes_moved / 10e9, flops / 100e9
    assert (memory_s > compute_s) == (side == "memory")  # the same answer, from the times


def test_a_point_knows_its_intensity_and_rate():
    point = RooflinePoint("matvec", flops=2e6, bytes_moved=4e6, seconds=1e-3)
    assert point.intensity == pytest.approx(0.5)
    assert point.achieved_gflops == pytest.approx(2)


def test_plot_has_the_roofline_the_ridge_and_every_point():
    points = [RooflinePoint("matvec", 2e6, 4e6, 1e-3), RooflinePoint("matmul", 2e9, 12e6, 0.05)]
    ax = plot_roofline(LIMITS, points)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert len(ax.lines) == 2 + 2 * len(points)  # roofline, ridge, and measured + predicted
    measured = [line for line in ax.lines if line.get_label() in ("matvec", "matmul")]
    assert [(line.get_xdata()[0], line.get_ydata()[0]) for line in measured] == [
        pytest.approx((0.5, 2)), pytest.approx((2e9 / 12e6, 40))]
    hollow = [line for line in ax.lines if line.get_markerfacecolor() == "none"]
    assert [line.get_ydata()[0] for line in hollow] == [pytest.approx(5), pytest.approx(100)]
    plt.close(ax.figure)
    ax = plot_roofline(LIMITS, points, predicted=False)
    assert len(ax.lines) == 2 + len(points)
    plt.close(ax.figure)
    ax = plot_roofline(LIMITS)
    assert len(ax.lines) == 2
    plt.close(ax.figure)


@pytest.mark.parametrize("call, error, name", [
    (lambda: predicted_seconds("fast", 1, 1), TypeError, "limits"),
    (lambda: predicted_seconds(LIMITS, -1, 1), ValueError, "flops"),
    (lambda: predicted_seconds(LIMITS, 1, "many"), TypeError, "bytes_moved"),
    (lambda: bound_by(LIMITS, 1, 0), ValueError, "bytes_moved"),
    (lambda: attainable_gflops(LIMITS, 0), ValueError, "intensity"),
    (lambda: RooflinePoint("x", 1, 1, 0), ValueError, "seconds"),
    (lambda: RooflinePoint("", 1, 1, 1), TypeError, "label"),
    (lambda: plot_roofline(LIMITS, [("x", 1, 1, 1)]), TypeError, r"points\[0\]"),
    (lambda: plot_roofline(LIMITS, "points"), TypeError, "points"),
    (lambda: plot_roofline(LIMITS, predicted="yes"), TypeError, "predicted"),
])
def test_bad_input_names_the_argument(call, error, name):
    with pytest.raises(error, match=f"^{name}"):
        call()


def test_time_over_roofline_is_measured_over_least_time():
    # memory side: 1 GB at 10 GB/s = 0.1 s; compute side: 1 TFLOP at 100 GFLOP/s = 10 s
    assert time_over_roofline(LIMITS, RooflinePoint("m", 1e9, 1e9, 5.0)) == pytest.approx(50)
    assert time_over_roofline(LIMITS, RooflinePoint("c", 1e12, 1e9, 5.0)) == pytest.approx(0.5)
