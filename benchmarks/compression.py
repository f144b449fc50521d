"""Benchmark (not a test): every compressed variant of the course CNN, measured in one run.

    .venv/bin/python benchmarks/compression.py            # full settings (about 5 minutes)
    COURSE_QUICK=1 .venv/bin/python benchmarks/compression.py   # quick settings
    .venv/bin/python benchmarks/compression.py --save     # also results/04_compression.csv

Builds the variants of notebook 04 from the pretrained classifier (LiteRT float32, dynamic-range
int8, float16 and full int8, Keras int8, pruned to 80%, a distilled student), judges each with
``evaluate.evaluate_variant`` on the same test images, prints the table, the issue's targets
as PASS/FAIL lines (the issue's limits, whatever the mode), and each timing beside the
counted multiply-adds and weight bytes that bear on it.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_lib import config, files  # noqa: E402
from course_lib.compress import claims, costs, evaluate, keras_models  # noqa: E402
from course_lib.compress import report as study  # noqa: E402
from course_lib.measure.machine import describe  # noqa: E402
from course_lib.mnist import model_store  # noqa: E402
from course_lib.mnist.splits import load_splits  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--save", action="store_true", help="save results/04_compression.csv")
    args = parser.parse_args(argv)

    config.set_seed(0)
    settings = study.settings()
    print(f"Machine: {describe()}")
    print(f"Mode: {config.mode_name()}; {settings}")
    start = time.perf_counter()
    teacher = model_store.load_classifier()
    train, test = load_splits(test_size=settings.test_size)
    variants = study.build_variants(teacher, train, settings)
    built = time.perf_counter()
    results = [evaluate.evaluate_variant(name, model, test, repeats=settings.repeats)
               for name, model in variants.items()]
    table = evaluate.results_frame(results)
    print(f"\nBuilt in {built - start:.0f} s, measured in {time.perf_counter() - built:.0f} s, "
          f"on {len(test):,} test images:\n")
    print(study.readable(table).to_string(index=False))

    ratio = (keras_models.count_parameters(variants[study.STUDENT])
             / keras_models.count_parameters(teacher))
    found = study.bars(table, ratio)
    print()
    for bar in found:
        print(f"{'PASS' if bar.met else 'FAIL'}  {bar.what}: {bar.measured:.3f} {bar.unit} "
              f"(limit {bar.limit:.3f})")
    print()
    print(claims.int8_line())
    for line in claims.evidence_lines(claims.speed_evidence(table, costs.costs_frame(variants))):
        print(f"- {line}")
    if args.save:
        path = config.RESULTS_DIR / "04_compression.csv"
        files.write_text_atomic(path, table.to_csv(index=False))
        print(f"\nSaved {path}")
    return 0 if all(bar.met for bar in found) else 1


if __name__ == "__main__":
    sys.exit(main())
