"""Data-parallel training on two logical CPU devices matches single-device training.

TensorFlow can split the CPU only before its runtime starts, so this runs in a fresh process.
"""

import json
import subprocess
import sys
import textwrap

import pytest

from course_lib import config

SCRIPT = textwrap.dedent("""
    import json
    import numpy as np
    from course_lib.mnist.distribute import split_cpu, data_parallel_strategy
    split_cpu(2)
    from course_lib.mnist.splits import load_splits
    from course_lib.mnist.models import Recipe
    from course_lib.mnist.training import train

    train_split, _ = load_splits(train_size=512)
    recipe = Recipe("seed_mlp", epochs=2, batch_size=64, learning_rate=1e-3)
    options = dict(use_tf_data=True, pipeline={"shuffle": False}, verbose=0)
    single = train(recipe, train_split, **options)
    strategy = data_parallel_strategy(2)
    mirrored = train(recipe, train_split, strategy=strategy, **options)
    diffs = [float(np.max(np.abs(a - b))) for a, b in
             zip(single.model.get_weights(), mirrored.model.get_weights())]
    moved = [float(np.max(np.abs(a - b))) for a, b in
             zip(single.model.get_weights(), recipe.build_and_compile().get_weights())]
    print("RESULT" + json.dumps({"replicas": strategy.num_replicas_in_sync,
                                 "max_diff": max(diffs), "moved": max(moved)}))
""")


def test_two_replica_training_matches_single_device():
    done = subprocess.run([sys.executable, "-c", SCRIPT], cwd=config.ROOT, capture_output=True,
                          text=True, timeout=300)
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULT")]
    assert lines, done.stdout + done.stderr
    result = json.loads(lines[0][len("RESULT"):])
    assert result["replicas"] == 2
    assert result["moved"] > 1e-2, "training should have changed the weights"
    assert result["max_diff"] < 1e-4, result


def test_split_cpu_after_start_explains_what_to_do():
    script = ("import tensorflow as tf; tf.constant(1) + 1\n"
              "from course_lib.mnist.distribute import split_cpu\n"
              "try:\n    split_cpu(2)\nexcept RuntimeError as e:\n    print('ERR', e)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=config.ROOT, capture_output=True,
                          text=True, timeout=120)
    assert "ERR split_cpu: TensorFlow has already started" in done.stdout, done.stderr
    assert "Restart the kernel" in done.stdout


def test_bad_device_count():
    from course_lib.mnist.distribute import split_cpu

    with pytest.raises(ValueError, match="^devices: expected an integer >= 1, got 0"):
        split_cpu(0)
    with pytest.raises(TypeError, match="^devices: expected an integer >= 1"):
        split_cpu(2.0)
