"""Benchmark (not a test): the LLM-style sampler ladder measured side by side in one run.

    .venv/bin/python benchmarks/llm_sampling.py            # batch 1 and 64, ~5 minutes
    .venv/bin/python benchmarks/llm_sampling.py --save     # also results/llm_sampling_b*.json

Every rung samples the shipped digit GPT (data/digit_gpt.npz) with the same seed and is first
checked to return exactly the same tokens. Every rung makes whole images (all 49 tokens), so
every ratio printed is a measured ratio of per-image times; the slow rungs simply get fewer
interleaved rounds (``--slow-repeats``). Prints the issue's targets as PASS/FAIL lines.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402

from course_lib import config
from course_lib.generate import diagrams, samplers, tiny_gpt  # noqa: E402
from course_lib.measure.machine import describe, measure_limits  # noqa: E402
from course_lib.measure import compare, fmt  # noqa: E402

SLOW = ["predict", "recompute", "cached_eager"]  # rung ids (samplers.LADDER)
BEST, BASE, RECOMPUTE = "cached_xla", "predict", "recompute_xla"


def check_same_tokens(model, batch: int) -> None:
    """Refuse to time rungs that do not sample the same tokens."""
    candidates = samplers.ladder_candidates(model, batch)
    reference = candidates.pop("recompute")()
    for rung, sample in candidates.items():
        assert np.array_equal(sample(), reference), f"{rung}: tokens differ at batch {batch}"
    print(f"  batch {batch}: all {len(candidates) + 1} rungs sample identical tokens")


def measure(model, batch: int, repeats: int, slow_repeats: int):
    """Fast rungs with ``repeats`` rounds, slow ones with ``slow_repeats``; merged rows."""
    fast_rungs = [rung for rung in samplers.LADDER if rung not in SLOW]
    slow = compare(samplers.ladder_candidates(model, batch, SLOW), baseline=BASE, work=batch,
                   unit="images", repeats=slow_repeats, progress=False, labels=samplers.LABELS,
                   title=f"slow rungs, batch {batch}")
    fast = compare(samplers.ladder_candidates(model, batch, fast_rungs), work=batch,
                   unit="images", repeats=repeats, progress=False, labels=samplers.LABELS,
                   title=f"fast rungs, batch {batch}")
    base_s = slow.row(BASE).median_s
    for row in fast.rows:
        row.speedup = base_s / row.median_s
    slow.rows += fast.rows
    slow.labels.update(fast.labels)
    slow.title = f"Digit GPT sampler ladder, batch {batch} (49 tokens per image)"
    slow.settings["fast_repeats"] = repeats
    return slow


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 64])
    parser.add_argument("--repeats", type=int, default=15, help="rounds for fast rungs")
    parser.add_argument("--slow-repeats", type=int, default=3, help="rounds for slow rungs")
    parser.add_argument("--save", action="store_true", help="save results/llm_sampling_b*.json")
    args = parser.parse_args(argv)

    config.set_seed(0)
    model, _ = tiny_gpt.load_pretrained()
    print(f"Machine: {describe()}")
    print("Checking that every rung samples the same tokens ...")
    for batch in args.batches:
        check_same_tokens(model, batch)
    results = {batch: measure(model, batch, args.repeats, args.slow_repeats)
               for batch in args.batches}
    limits = measure_limits()
    for result in results.values():
        print(f"\n{result}")
        if args.save:
            result.save(f"llm_sampling_b{int(result.work)}")
    table = samplers.ladder_table(results, model.spec, limits)
    wide = table.pivot(index="rung", columns="batch", values="ms/image")
    wide = wide.loc[list(samplers.LADDER)]
    wide.index = [samplers.LADDER[rung].label for rung in wide.index]
    wide.columns = [f"batch {b}, ms/image" for b in wide.columns]
    print(f"\nPer image ({limits}):")
    print(table.to_string(index=False, formatters={
        "ms/image": fmt, "images/s": fmt, "speedup": lambda x: f"{fmt(x)}x",
        "share of peak compute": lambda x: f"{x:.2%}"}))
    print(f"\n{wide.to_string(float_format=fmt)}")
    print(f"\nOn the roofline (weights read per step + KV cache; {limits}):")
    for point in diagrams.ladder_points(results, model):
        print(" ", diagrams.roofline_reading(limits, point))
    return report_targets(results)


def report_targets(results: dict) -> int:
    """The issue's done-when bars, PASS/FAIL (batch 64 and batch 1 where measured)."""
    checks = []
    if 64 in results:
        big = results[64]
        best_ms = big.per_item_ms(BEST)
        checks += [(big.per_item_ms(BASE) / best_ms, 40, f"{BEST} vs {BASE}, batch 64", "x"),
                   (big.per_item_ms(RECOMPUTE) / best_ms, 10, f"{BEST} vs {RECOMPUTE}, batch 64",
                    "x"),
                   (1e3 / best_ms, 300, f"{BEST} images/s at batch 64", " images/s")]
    if 1 in results:
        latency = results[1].per_item_ms(BEST)
        checks.append((11 / latency, 1, f"{BEST} batch-1 latency {fmt(latency)} ms "
                       "(target < 11 ms)", ""))
    failed = 0
    print()
    for value, target, what, unit in checks:
        ok = value >= target
        failed += not ok
        shown = "" if not unit else f": {fmt(value)}{unit} (target >= {fmt(target)}{unit})"
        print(f"{'PASS' if ok else 'FAIL'}  {what}{shown}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
