"""Benchmark (not a test): the seed's MNIST training against the course's fast MLP, in one run.

    .venv/bin/python benchmarks/mnist_training.py               # one pair, about 20 s
    .venv/bin/python benchmarks/mnist_training.py --repeats 3   # median of three pairs

Both train on the same 90% of the training images; the other 10% (``hold_out``, seeded,
stratified) is the validation split that every decision uses. The seed recipe trains as the
article does (NumPy arrays, batch 32, 5 epochs); its final *validation* accuracy is the target.
The fast recipe trains with tf.data until its validation accuracy reaches that target (at most
``--max-epochs``). The test split is read once per model, after training, and only reported.
Both clocks count training only, first-epoch tracing included, evaluation excluded; an untimed
warm-up first keeps TensorFlow's start-up off both. Prints PASS/FAIL for the issue's bar: fast
time-to-target <= 30% of the seed's training time (median over the repeats).
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd  # noqa: E402

from course_lib.measure.machine import describe  # noqa: E402
from course_lib.mnist.evaluation import evaluate  # noqa: E402
from course_lib.mnist.splits import hold_out, load_splits  # noqa: E402
from course_lib.mnist.models import FAST_MLP_RECIPE, SEED_RECIPE  # noqa: E402
from course_lib.mnist.training import train  # noqa: E402

MAX_RATIO = 0.30  # the bar: fast time-to-target / seed training time


def run_pair(train_split, validation_split, test_split, max_epochs: int) -> dict:
    """Train the seed, then the fast recipe up to the seed's own validation accuracy; then
    read both models' test accuracy, once."""
    seed = train(SEED_RECIPE, train_split, validation_split, use_tf_data=False, verbose=0)
    target = seed.final_val_accuracy
    fast = train(FAST_MLP_RECIPE, train_split, validation_split, epochs=max_epochs,
                 stop_at_accuracy=target, verbose=0)
    reached = fast.time_to_accuracy(target)
    return {"seed train (s)": seed.train_s, "seed val accuracy": target,
            "fast to target (s)": math.inf if reached is None else reached,
            "fast epochs": len(fast.epoch_s),
            "seed test accuracy": evaluate(seed.model, test_split).accuracy,
            "fast test accuracy": evaluate(fast.model, test_split).accuracy,
            "fast/seed": (math.inf if reached is None else reached) / seed.train_s}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=1, help="pairs to run (default 1)")
    parser.add_argument("--max-epochs", type=int, default=10,
                        help="most epochs for the fast recipe (default 10)")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats: expected an integer >= 1, got {args.repeats}")

    all_train, test_split = load_splits()
    train_split, validation_split = hold_out(all_train, 0.1, seed=0)
    load = os.getloadavg()[0]
    print(f"Machine: {describe()}")
    print(f"Load average at start: {load:.1f} on {os.cpu_count()} cores"
          + (" (the machine is busy: times may be noisy)"
             if load > 0.5 * (os.cpu_count() or 1) else ""))
    print(f"seed: {SEED_RECIPE}, NumPy arrays\nfast: {FAST_MLP_RECIPE}, tf.data\n")
    # Warm-up, untimed: TensorFlow's one-time start-up costs would otherwise land on the seed.
    for recipe, use_tf_data in ((SEED_RECIPE, False), (FAST_MLP_RECIPE, True)):
        train(recipe, train_split.take(2048), epochs=1, use_tf_data=use_tf_data, verbose=0)
    rows = []
    for repeat in range(1, args.repeats + 1):
        print(f"pair {repeat}/{args.repeats} ...", flush=True)
        rows.append(run_pair(train_split, validation_split, test_split, args.max_epochs))
    table = pd.DataFrame(rows, index=pd.RangeIndex(1, len(rows) + 1, name="pair"))
    print()
    print(table.to_string(formatters={
        "seed train (s)": "{:.1f}".format, "fast to target (s)": "{:.1f}".format,
        "seed val accuracy": "{:.2%}".format, "seed test accuracy": "{:.2%}".format,
        "fast test accuracy": "{:.2%}".format,
        "fast/seed": "{:.0%}".format}))
    ratio = statistics.median(table["fast/seed"])
    ok = ratio <= MAX_RATIO
    print(f"\n{'PASS' if ok else 'FAIL'}  the fast recipe reaches the seed's own validation "
          f"accuracy in "
          f"{ratio:.0%} of the seed's training time (median of {len(rows)}; "
          f"target <= {MAX_RATIO:.0%})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
