"""Benchmark (not a test): the shape speed ladder measured side by side in one run.

    .venv/bin/python benchmarks/shapes_ladder.py                 # 64x64 circles, batch 1,000
    .venv/bin/python benchmarks/shapes_ladder.py --batch 200 --save

Every rung draws the same batch, checked for identical pixels (Pillow: IoU) before timing, so
each printed speedup is a measured ratio of per-image times on this machine. Prints the
issue's targets (vectorised >= 300x per-pixel Python and >= 3x Pillow) as PASS/FAIL lines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from course_lib import config  # noqa: E402
from course_lib.shapes import ladder  # noqa: E402
from course_lib.measure.machine import describe, measure_limits  # noqa: E402
from course_lib.measure import compare, fmt  # noqa: E402

TARGETS = {"per-pixel Python": 300, "Pillow per image": 3}  # NumPy batch must be this much faster


def check_same_pixels(candidates: dict, reference: np.ndarray) -> None:
    """Refuse to time rungs that do not draw the same circles."""
    for name, draw in candidates.items():
        result = draw()
        if name.startswith("Pillow"):
            overlap = ladder.iou(result, reference)
            assert overlap >= 0.99, f"{name}: IoU {overlap:.4f} with the exact rule"
            print(f"  {name}: IoU {overlap:.4f} with the exact pixel rule (its own edge rule)")
        else:
            assert np.array_equal(result, reference), f"{name}: pixels differ"
    print(f"  all other rungs: identical pixels ({len(candidates) - 1} checked)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=1000, help="images per call (default 1000)")
    parser.add_argument("--canvas", type=int, default=64, help="square canvas side (default 64)")
    parser.add_argument("--repeats", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--tensorflow", action="store_true", help="add the TensorFlow rung")
    parser.add_argument("--save", action="store_true", help="save results/02_shapes_ladder.json")
    args = parser.parse_args(argv)

    config.set_seed(0)
    circles = ladder.random_circles(args.batch, args.canvas, r_max=args.canvas * 7 // 16)
    print(f"Machine: {describe()}")
    print(f"Checking the rungs on {args.batch} circles of {args.canvas}x{args.canvas} ...")
    with ladder.process_pool() as pool:
        candidates = ladder.ladder_candidates(circles, args.canvas, pool=pool,
                                              tensorflow=args.tensorflow)
        check_same_pixels(candidates, ladder.draw_circles_batch(*circles, args.canvas))
        result = compare(candidates, baseline="per-pixel Python", work=args.batch,
                         unit="images", repeats=args.repeats, progress=False,
                         title=f"Filled circles, {args.canvas}x{args.canvas}, batch {args.batch}")
    limits = measure_limits()
    print()
    print(result)
    print(f"\nPer image, against this machine's limit ({limits}):")
    table = ladder.ladder_table(result, args.canvas ** 2, limits)
    print(table.to_string(index=False, formatters={
        "ms/image": fmt, "images/s": fmt,
        "speedup vs per-pixel Python": lambda x: f"{fmt(x)}x",
        "output GB/s": lambda x: f"{x:.3g}", "output / read bandwidth": lambda x: f"{x:.1%}"}))

    batch_s = result.row("NumPy batch").median_s
    failed = 0
    print()
    for name, target in TARGETS.items():
        ratio = result.row(name).median_s / batch_s
        ok = ratio >= target
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}  NumPy batch is {fmt(ratio)}x faster than {name} "
              f"(target >= {target}x)")
    if args.save:
        print(f"Saved {result.save('02_shapes_ladder')}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
