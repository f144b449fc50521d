"""Benchmark (not a test): token-by-token, MaskGIT and one-shot generators, speed and quality.

    .venv/bin/python benchmarks/speed_quality.py           # batch 1 and 64, 100 digits/class
    .venv/bin/python benchmarks/speed_quality.py --save    # also results/speed_quality_b*.json

Every generator makes finished 28x28 digits (tokens decoded to pixels included) from the
weights shipped in data/ (digit GPT, MaskGIT, conditional VAE), is timed side by side in one
run at each batch size, and is judged by notebook 03's classifier on the same number of digits
per class at temperature 1.0. Prints one table, the per-class agreement of each generator, and
the course's claims about them as PASS/FAIL lines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_lib import config
from course_lib.generate import maskgit, one_shot, tiny_gpt, tradeoff  # noqa: E402
from course_lib.measure.machine import describe, measure_limits  # noqa: E402
from course_lib.measure import fmt, results  # noqa: E402
from course_lib.mnist.splits import load_splits  # noqa: E402
from course_lib.mnist.model_store import load_classifier  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--repeats", type=int, default=9, help="interleaved timing rounds")
    parser.add_argument("--per-class", type=int, default=100, help="digits per class judged")
    parser.add_argument("--steps", type=int, nargs="+", default=[1, 2, 4, 8, 12],
                        help="MaskGIT passes to try")
    parser.add_argument("--save", action="store_true", help="save results/speed_quality_b*.json")
    args = parser.parse_args(argv)

    config.set_seed(0)
    print(f"Machine: {describe()}")
    gpt, tokenizer = tiny_gpt.load_pretrained()
    found = tradeoff.generators(gpt, maskgit.load_pretrained()[0], tokenizer,
                                one_shot.load_pretrained(), maskgit_steps=args.steps)
    timings = {}
    for batch in args.batches:
        timings[batch] = tradeoff.time_generators(found, batch, repeats=args.repeats,
                                                  progress=False)
        print(f"\n{timings[batch]}")
        if args.save:
            timings[batch].save(f"speed_quality_b{batch}")
    _, test = load_splits()
    qualities = tradeoff.judge_generators(found, load_classifier(), args.per_class,
                                          reference=(test.x[:2000], test.y[:2000]))
    limits = measure_limits()
    table = tradeoff.tradeoff_table(found, timings, qualities, limits)
    print(f"\n{limits}\n{args.per_class} digits per class judged at temperature 1.0:\n")
    print(table.to_string(formatters=tradeoff.table_formats(table)))
    print(f"\nreal test digits' diversity: {next(iter(qualities.values())).real_diversity:.3f}")
    for key, quality in qualities.items():
        print(f"{key:18s} " + " ".join(f"{d}:{share:.0%}" for d, share
                                       in enumerate(quality.per_class)))
    return report_claims(timings, qualities)


def report_claims(timings: dict, qualities: dict) -> int:
    """What notebook 05 says about these generators, checked on this run's numbers."""
    maskgit8, cvae, recompute = "maskgit_8", "cvae", "gpt_recompute_xla"  # generator ids
    checks = []
    for batch, timing in timings.items():
        per_image = {key: timing.per_item_ms(key) for key in timing.names()}
        if maskgit8 in per_image:
            ratio = per_image[recompute] / per_image[maskgit8]
            checks.append((ratio >= 3, f"batch {batch}: {maskgit8} {fmt(ratio)}x faster than "
                                       f"{recompute} (target >= 3x)"))
        runner_up = min(ms for key, ms in per_image.items() if key != cvae)
        checks.append((per_image[cvae] < runner_up,
                       f"batch {batch}: {cvae} {fmt(runner_up / per_image[cvae])}x faster than "
                       "the next fastest (target > 1x)"))
    for key in (tradeoff.BASELINE, maskgit8, cvae):
        if key in qualities:
            agreement = qualities[key].agreement
            checks.append((agreement >= 0.9, f"{key}: classifier agreement {agreement:.1%} "
                                             "(target >= 90%)"))
    return results.report_checks(checks)


if __name__ == "__main__":
    raise SystemExit(main())
