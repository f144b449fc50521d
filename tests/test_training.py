"""Training and its clock: TrainResult arithmetic on hand-made results, one small real training,
and the time-to-accuracy ladder."""

import math

import numpy as np
import pytest

from course_lib import checks, config
from course_lib.checks import MemoryNeedError
from course_lib.measure import Comparison
from course_lib.mnist.splits import Split
from course_lib.mnist.models import FAST_MLP_RECIPE, SEED_RECIPE, activation_bytes, wide_mlp
from course_lib.mnist.training import TrainResult, train
from course_lib.mnist.ladder import LadderResult, Rung, run_ladder

SMALL_RECIPE = FAST_MLP_RECIPE.replace(batch_size=64)


def made(epoch_s, val_accuracy, recipe=SEED_RECIPE, train_size=1000):
    return TrainResult(recipe, None, list(epoch_s), list(val_accuracy), train_size=train_size)


@pytest.fixture(scope="module")
def splits():
    """Training and validation images: 4,000 and 2,000 from MNIST's training set."""
    from course_lib.mnist.splits import hold_out, load_splits

    train_split, _ = load_splits(train_size=6000)
    return hold_out(train_split, 1 / 3)


@pytest.fixture(scope="module")
def test_split():
    from course_lib.mnist.splits import load_splits

    return load_splits(train_size=1, test_size=1000)[1]


# --- TrainResult arithmetic ------------------------------------------------------------------

@pytest.mark.parametrize("target, seconds", [(0.1, 5), (0.5, 5), (0.8, 7), (0.9, 10),
                                             (0.95, 12), (0.96, None)])
def test_time_to_accuracy_sums_epochs_until_the_target_is_first_reached(target, seconds):
    result = made([5, 2, 3, 2], [0.5, 0.8, 0.9, 0.95])
    assert result.time_to_accuracy(target) == (None if seconds is None else pytest.approx(seconds))


def test_first_epoch_tracing_is_reported_apart_from_steady_epochs():
    result = made([5, 2, 3, 2], [0.5, 0.8, 0.9, 0.95])
    assert (result.train_s, result.steady_epoch_s, result.tracing_s) == (12, 2, 3)
    assert result.samples_per_s == 500 and result.final_val_accuracy == 0.95
    summary = result.summary()
    assert summary["epochs"] == 4 and summary["tracing_s"] == 3 and summary["batch"] == 32


@pytest.mark.parametrize("epoch_s, steady, tracing", [([4], 4, 0), ([1, 2, 2], 2, 0),
                                                      ([3, 1, 2], 1.5, 1.5)])
def test_steady_epoch_and_tracing_edge_cases(epoch_s, steady, tracing):
    result = made(epoch_s, [0.9] * len(epoch_s))
    assert (result.steady_epoch_s, result.tracing_s) == (steady, tracing)


# --- Real training ---------------------------------------------------------------------------

@pytest.mark.parametrize("use_tf_data", [True, False])
def test_small_training_learns_and_times_every_epoch(splits, use_tf_data):
    train_split, validation_split = splits
    result = train(SMALL_RECIPE, train_split, validation_split, epochs=2,
                   use_tf_data=use_tf_data, verbose=0)
    assert len(result.epoch_s) == len(result.val_accuracy) == 2
    assert all(seconds > 0 for seconds in result.epoch_s)
    assert result.final_val_accuracy > 0.85, result.val_accuracy
    assert result.train_size == len(train_split) and len(result.history["loss"]) == 2
    predicted = result.model.predict(validation_split.x_float, verbose=0).argmax(axis=1)
    assert np.mean(predicted == validation_split.y) == pytest.approx(result.final_val_accuracy,
                                                                     abs=1e-3)


def test_stop_at_accuracy_stops_once_reached(splits):
    train_split, validation_split = splits
    result = train(SMALL_RECIPE, train_split.take(500), validation_split.take(200), epochs=5,
                   stop_at_accuracy=0.0, verbose=0)
    assert len(result.epoch_s) == len(result.val_accuracy) == 1


def test_training_without_a_validation_split_only_times(splits):
    result = train(SMALL_RECIPE, splits[0].take(256), epochs=1, verbose=0)
    assert len(result.epoch_s) == 1 and result.val_accuracy == []
    assert result.time_to_accuracy(0.1) is None


BAD_IMAGES = Split(np.zeros((4, 28, 27), np.uint8), np.zeros(4, np.int64))


@pytest.mark.parametrize("bad_train, bad_validation, kwargs, error, message", [
    (BAD_IMAGES, None, {}, ValueError, r"train_split.x: expected shape \(n, 28, 28\)"),
    (Split(np.zeros((0, 28, 28), np.uint8), np.zeros(0, np.int64)), None, {}, ValueError,
     "train_split.x: expected at least one element"),
    (Split(np.zeros((4, 28, 28), np.uint8), np.full(4, 10)), None, {}, ValueError,
     "labels: expected class ids"),
    (None, BAD_IMAGES, {}, ValueError, "validation_split.x: expected shape"),
    (None, None, {"epochs": 0}, ValueError, "epochs: expected an integer >= 1, got 0"),
    (None, None, {"epochs": 1.5}, TypeError, "epochs: expected an integer >= 1"),
    (None, None, {"stop_at_accuracy": 1.5}, ValueError,
     "stop_at_accuracy: expected a non-negative"),
    (None, None, {"stop_at_accuracy": "0.9"}, TypeError, "stop_at_accuracy: expected"),
    (None, None, {"use_tf_data": False, "pipeline": {"cache": False}}, ValueError,
     "pipeline: tf.data options need use_tf_data=True"),
])
def test_train_rejects_bad_input_naming_the_argument(splits, bad_train, bad_validation, kwargs,
                                                      error, message):
    train_split, validation_split = (good if bad is None else bad
                                     for good, bad in zip(splits, (bad_train, bad_validation)))
    with pytest.raises(error, match=f"^{message}"):
        train(SMALL_RECIPE, train_split, validation_split, **kwargs)


def test_a_batch_too_big_for_memory_is_refused_before_training(splits, monkeypatch):
    monkeypatch.setattr(checks, "available_memory", lambda: 10**7)  # pretend 10 MB is free
    per_image = activation_bytes(wide_mlp())
    assert per_image == 4 * (784 + 256 + 10)  # Flatten, Dense, Dense
    # Batches of 3,999 (the whole split) keep 3,999 x 4,200 bytes of activations: 16.8 MB.
    assert len(splits[0]) == 3999
    with pytest.raises(MemoryNeedError, match="^batch_size: training wide_mlp on batches of "
                                              "3,999 images would need 16.8 MB of memory"):
        train(SMALL_RECIPE.replace(batch_size=10**6), *splits, epochs=1, verbose=0)


# --- The ladder ------------------------------------------------------------------------------

@pytest.fixture
def ladder():
    return LadderResult(0.9, {"seed": made([6, 4], [0.85, 0.92]),
                              "fast": made([3, 1, 1], [0.8, 0.9, 0.95], FAST_MLP_RECIPE),
                              "slow": made([1, 1], [0.5, 0.6])},
                        {"seed": 0.91, "fast": 0.94, "slow": 0.59},
                        {"seed": "(baseline)", "fast": "batch_size: 32 → 256", "slow": "x"},
                        {"cpu_model": "test"})


def test_ladder_compares_time_to_validation_target_and_reports_test_once(ladder):
    assert ladder.time_to_target("fast") == 4 and ladder.time_to_target("slow") == math.inf
    assert ladder.speedup("fast") == 2.5 and ladder.speedup("seed", baseline="fast") == 0.4
    assert ladder.speedup("slow") == 0
    frame = ladder.frame().set_index("rung")
    assert frame.loc["fast", "epochs run"] == 3 and frame.loc["fast", "batch"] == 256
    assert frame.loc["fast", "changed from the row above"] == "batch_size: 32 → 256"
    assert frame.loc["fast", "validation accuracy at stop"] == 0.95
    assert frame.loc["fast", "test accuracy (read once)"] == 0.94
    assert math.isnan(frame.loc["slow", "time to target (s)"])
    assert "Time to 90.00% validation accuracy" in ladder._repr_html_()


def test_ladder_plot_and_save(ladder):
    ax = ladder.plot()
    assert [t.get_text() for t in ax.texts] == ["10.0 s", "4.0 s", "not reached"]
    path = ladder.save("ladder_test")
    assert path.parent == config.RESULTS_DIR
    saved = Comparison.load(path)
    assert saved.names() == ["seed", "fast", "slow"] and saved.speedup("fast") == 2.5
    assert saved.row("slow").median_s == math.inf
    settings = saved.settings
    assert settings["target"] == 0.9 and [r["rung"] for r in settings["rows"]] == ["seed", "fast", "slow"]
    assert [r["test accuracy (read once)"] for r in settings["rows"]] == [0.91, 0.94, 0.59]


def test_each_rung_names_exactly_what_changed_from_the_one_before():
    seed = Rung("seed", SEED_RECIPE, {"use_tf_data": False})
    bigger = seed.then("batch 256", batch_size=256)
    piped = bigger.then("tf.data", options={"use_tf_data": True})
    both = piped.then("two", learning_rate=4e-3, jit_compile=True)
    assert bigger.recipe == SEED_RECIPE.replace(batch_size=256) and bigger.options == seed.options
    assert bigger.changes_from(seed) == ["batch_size: 32 → 256"]
    assert piped.changes_from(bigger) == ["use_tf_data: False → True"]
    assert both.changes_from(piped) == ["jit_compile: False → True",
                                        "learning_rate: 0.001 → 0.004"]
    assert Rung("x", SEED_RECIPE).changes_from(seed) == ["use_tf_data: False → default"]
    assert seed.changes_from(seed) == []


@pytest.mark.parametrize("rungs, target, max_epochs, error, message", [
    ([], 0.9, 1, ValueError, "rungs: expected at least one rung"),
    ([Rung("a", SEED_RECIPE)], 1.5, 1, ValueError,
     "target: expected a positive finite number and < 1.0, got 1.5"),
    ([Rung("a", SEED_RECIPE)], "high", 1, TypeError, "target: expected a positive"),
    ([Rung("a", SEED_RECIPE)], 0.9, 0, ValueError, "max_epochs: expected an integer >= 1"),
    ([Rung("a", SEED_RECIPE), Rung("a", FAST_MLP_RECIPE)], 0.9, 1, ValueError,
     "rungs: names must be unique"),
])
def test_run_ladder_rejects_bad_arguments(splits, test_split, rungs, target, max_epochs, error,
                                          message):
    with pytest.raises(error, match=f"^{message}"):
        run_ladder(rungs, *splits, test_split, target=target, max_epochs=max_epochs)


def test_run_ladder_trains_every_rung_with_its_options(splits, test_split):
    train_split, validation_split = splits[0].take(500), splits[1].take(200)
    numpy = Rung("numpy", SMALL_RECIPE, {"use_tf_data": False})
    rungs = [numpy, numpy.then("tf.data", options={"use_tf_data": True,
                                                   "pipeline": {"cache": False}})]
    result = run_ladder(rungs, train_split, validation_split, test_split.take(200), target=0.01,
                        max_epochs=3)
    assert list(result.results) == ["numpy", "tf.data"]
    assert all(len(r.epoch_s) == 1 for r in result.results.values())  # target met at once
    assert result.changes == {"numpy": "(baseline)",
                              "tf.data": "pipeline: default → {'cache': False}; "
                                         "use_tf_data: False → True"}
    assert set(result.frame()["rung"]) == {"numpy", "tf.data"}


def test_the_ladder_never_decides_anything_from_the_test_labels(splits, test_split, monkeypatch):
    """Shuffled (poisoned) test labels change the reported test accuracy and nothing else: every
    stop decision comes from validation, and the test set is read once per rung, at the end.
    Under the old ladder, which stopped on test accuracy, the poisoned run never reached the
    target (about 10% accuracy) and trained every epoch."""
    from course_lib.mnist import ladder as ladder_module

    reads = []
    real_evaluate = ladder_module.evaluate
    monkeypatch.setattr(ladder_module, "evaluate",
                        lambda model, split: reads.append(len(split))
                        or real_evaluate(model, split))
    train_split, validation_split = splits[0].take(2000), splits[1].take(500)
    poisoned = Split(test_split.x, np.random.default_rng(0).permutation(test_split.y))
    assert np.mean(poisoned.y == test_split.y) < 0.2
    seed = Rung("seed", SMALL_RECIPE, {"use_tf_data": False})
    rungs = [seed, seed.then("tf.data", options={"use_tf_data": True})]
    runs = {name: run_ladder(rungs, train_split, validation_split, split, target=0.8,
                             max_epochs=4)
            for name, split in (("clean", test_split), ("poisoned", poisoned))}
    assert reads == [len(test_split)] * 4  # once per rung per ladder, nothing else
    for rung in ("seed", "tf.data"):
        clean, bad = (runs[name].results[rung] for name in ("clean", "poisoned"))
        assert 1 <= len(clean.epoch_s) < 4, "the target should be met by validation, early"
        assert len(clean.epoch_s) == len(bad.epoch_s)
        assert clean.val_accuracy == pytest.approx(bad.val_accuracy, abs=1e-6)
        for a, b in zip(clean.model.get_weights(), bad.model.get_weights()):
            np.testing.assert_allclose(a, b, atol=1e-5)
        assert runs["clean"].test_accuracy[rung] > 0.8 > 0.2 > runs["poisoned"].test_accuracy[rung]


def test_stop_at_accuracy_needs_a_validation_split():
    from course_lib.mnist.splits import load_splits
    from course_lib.mnist.models import FAST_MLP_RECIPE
    from course_lib.mnist.training import train

    train_split, _ = load_splits(train_size=64)
    with pytest.raises(ValueError, match="stop_at_accuracy: needs a validation_split"):
        train(FAST_MLP_RECIPE, train_split, stop_at_accuracy=0.9, verbose=0)
