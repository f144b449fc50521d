"""The roofline: what a kernel can reach at best, given how many FLOPs it does per byte it moves.

A kernel that does ``flops`` operations and must move ``bytes_moved`` bytes cannot finish faster
than the slower of two limits: computing at the machine's peak, or moving its bytes at the
memory's bandwidth (Williams, Waterman and Patterson, 2009). Its *arithmetic intensity*,
FLOP/byte, says which limit binds: below the ridge point (peak / bandwidth) memory, above it
compute. Generating one token at batch 1 reads every weight for two FLOPs each — far below any
CPU's ridge point — which is why decoding is memory-bound once the weights outgrow the caches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from course_lib.checks import check_bool, check_number
from course_lib.i18n.language import tr
from course_lib.measure.machine import MachineLimits


@dataclass(frozen=True)
class RooflinePoint:
    """One measured kernel: its FLOPs and bytes per call (counted) and its median seconds per
    call (measured)."""

    label: str
    flops: float  # floating-point operations of one call
    bytes_moved: float  # bytes that must cross the memory bus in one call
    seconds: float  # measured median seconds of one call

    def __post_init__(self) -> None:
        if not isinstance(self.label, str) or not self.label:
            raise TypeError(f"label: expected a non-empty string, got {self.label!r}")
        for name in ("flops", "bytes_moved", "seconds"):
            check_number(name, getattr(self, name), positive=True)

    @property
    def intensity(self) -> float:
        """Arithmetic intensity: FLOPs per byte moved."""
        return self.flops / self.bytes_moved

    @property
    def achieved_gflops(self) -> float:
        """The compute rate this call reached, in GFLOP/s."""
        return self.flops / self.seconds / 1e9


def _check_limits(limits: object) -> MachineLimits:
    if not isinstance(limits, MachineLimits):
        raise TypeError(f"limits: expected MachineLimits (machine.measure_limits()), "
                        f"got {type(limits).__name__}")
    return limits


def ridge_point(limits: MachineLimits) -> float:
    """FLOP/byte where the memory slope meets the compute roof: peak GFLOP/s / read GB/s."""
    limits = _check_limits(limits)
    return limits.matmul_gflops / limits.bandwidth_gbs


def attainable_gflops(limits: MachineLimits, intensity: float) -> float:
    """The roofline itself: min(peak, bandwidth x intensity), in GFLOP/s."""
    limits = _check_limits(limits)
    intensity = check_number("intensity", intensity, positive=True)
    return min(limits.matmul_gflops, limits.bandwidth_gbs * intensity)


def predicted_seconds(limits: MachineLimits, flops: float, bytes_moved: float) -> float:
    """The least time one call can take: max(flops / peak, bytes_moved / read bandwidth)."""
    limits = _check_limits(limits)
    flops = check_number("flops", flops)
    bytes_moved = check_number("bytes_moved", bytes_moved)
    return max(flops / (limits.matmul_gflops * 1e9), bytes_moved / (limits.bandwidth_gbs * 1e9))


def time_over_roofline(limits: MachineLimits, point: RooflinePoint) -> float:
    """A point's measured time over the least time the roofline allows it
    (``predicted_seconds``): 1 is on the roof, 100 means its FLOPs and bytes explain 1% of it."""
    return point.seconds / predicted_seconds(limits, point.flops, point.bytes_moved)


def bound_by(limits: MachineLimits, flops: float, bytes_moved: float) -> str:
    """'memory' below the ridge point (moving the bytes takes longer than the FLOPs), else
    'compute'."""
    limits = _check_limits(limits)
    flops = check_number("flops", flops)
    bytes_moved = check_number("bytes_moved", bytes_moved, positive=True)
    return "memory" if flops / bytes_moved < ridge_point(limits) else "compute"


def plot_roofline(limits: MachineLimits, points: Sequence[RooflinePoint] = (), ax: Any = None,
                  predicted: bool = True) -> Any:
    """This machine's roofline on log-log axes (FLOP/byte vs GFLOP/s): the memory slope, the
    compute roof, the ridge point, and each point at its measured rate; with ``predicted``, a
    hollow marker at what the roofline allows at the same intensity (the gap is what the
    kernel leaves on the table: overheads, caches, or bytes it moves that were not counted)."""
    import matplotlib.pyplot as plt
    import numpy as np

    limits = _check_limits(limits)
    predicted = check_bool("predicted", predicted)
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence):
        raise TypeError(f"points: expected a sequence of RooflinePoint, "
                        f"got {type(points).__name__}")
    for i, point in enumerate(points):
        if not isinstance(point, RooflinePoint):
            raise TypeError(f"points[{i}]: expected a RooflinePoint, got {type(point).__name__}")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 4.5))
    ridge = ridge_point(limits)
    intensities = [point.intensity for point in points] + [ridge]
    low, high = min(intensities) / 4, max(intensities) * 4
    x = np.geomspace(low, high, 200)
    ax.loglog(x, np.minimum(limits.bandwidth_gbs * x, limits.matmul_gflops), color="black",
              label=tr("roofline: {bandwidth:.3g} GB/s read, {peak:.3g} GFLOP/s matmul",
                       bandwidth=limits.bandwidth_gbs, peak=limits.matmul_gflops))
    ax.axvline(ridge, color="grey", linestyle=":",
               label=tr("ridge point: {ridge:.3g} FLOP/byte", ridge=ridge))
    for i, point in enumerate(points):
        colour = f"C{i % 10}"
        ax.plot(point.intensity, point.achieved_gflops, "o", color=colour, label=point.label)
        if predicted:
            ax.plot(point.intensity, attainable_gflops(limits, point.intensity), "o",
                    markerfacecolor="none", color=colour)
    ax.set_xlabel(tr("arithmetic intensity (FLOP per byte moved)"))
    ax.set_ylabel("GFLOP/s")
    ax.set_title(tr("Roofline of this machine (hollow: the roofline's prediction)")
                 if predicted and points else tr("Roofline of this machine"))
    # Upper left lies above the memory slope: empty unless a kernel beats the roofline.
    ax.legend(fontsize="small", loc="upper left")
    ax.grid(True, which="both", alpha=0.3)
    return ax
