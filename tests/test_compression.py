"""Quantization, pruning, distillation and the variant evaluator, on a small fast model."""

import gzip

import numpy as np
import pytest

from course_lib.compress import distillation, evaluate, pruning, quantization
from course_lib.mnist.splits import load_splits


@pytest.fixture(scope="module")
def splits():
    return load_splits(train_size=3000, test_size=500)


@pytest.fixture(scope="module")
def small_cnn(splits):
    """A small CNN shaped like the course's (conv, batch norm, dense), trained for seconds."""
    import keras
    from keras import layers

    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input(shape=(28, 28)), layers.Reshape((28, 28, 1)),
        layers.Conv2D(8, 3, padding="same", use_bias=False), layers.BatchNormalization(),
        layers.ReLU(), layers.MaxPooling2D(),
        layers.Conv2D(16, 3, padding="same", activation="relu"), layers.MaxPooling2D(),
        layers.Flatten(), layers.Dense(32, activation="relu"),
        layers.Dense(10, activation="softmax")], name="small_cnn")
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy")
    train, _ = splits
    model.fit(train.x_float, train.y, epochs=3, batch_size=64, verbose=0)
    return model


@pytest.fixture(scope="module")
def tflite_models(small_cnn, splits):
    train, _ = splits
    return {kind: quantization.to_tflite(small_cnn, kind, train.x[:100] if kind == "int8" else None)
            for kind in quantization.KINDS}


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a.argmax(axis=1) == b.argmax(axis=1)))


# --- int8 arithmetic -------------------------------------------------------------------------

@pytest.mark.parametrize("x", [
    np.random.default_rng(0).normal(0, 0.05, (128, 64)),
    np.random.default_rng(1).uniform(0, 6, 1000),          # all positive: range widened to 0
    -np.random.default_rng(2).uniform(1, 3, 500),           # all negative
    np.r_[np.random.default_rng(3).normal(0, 1, 999), 40.0],  # one outlier stretches the scale
], ids=["normal", "positive", "negative", "outlier"])
def test_round_trip_error_is_at_most_half_a_step(x):
    back, params = quantization.round_trip(x)
    assert np.abs(back - x).max() <= params.scale / 2 * (1 + 1e-5)
    lo, hi = min(x.min(), 0), max(x.max(), 0)
    assert params.scale == pytest.approx((hi - lo) / 255)   # all 256 levels used, none wasted
    assert quantization.dequantize(quantization.quantize(np.zeros(3), params), params).tolist() \
        == [0, 0, 0]                                         # zero is exact


def test_quantize_saturates_outside_the_range_and_handles_all_zeros():
    params = quantization.int8_params(np.array([-1.0, 1.0]))
    assert quantization.quantize(np.array([-5.0, 5.0]), params).tolist() == [-128, 127]
    back, _ = quantization.round_trip(np.zeros((4, 4)))
    assert not back.any()


@pytest.mark.parametrize("x, message", [(np.array([]), "x: expected a non-empty"),
                                        (np.array([1.0, np.nan]), "x: expected finite")])
def test_int8_params_refuses_empty_and_nan(x, message):
    with pytest.raises(ValueError, match=message):
        quantization.int8_params(x)


# --- conversion and the LiteRT interpreter ---------------------------------------------------

@pytest.mark.parametrize("kind, min_agreement", [("float32", 0.99), ("dynamic", 0.99),
                                                 ("float16", 0.99), ("int8", 0.99)])
def test_interpreter_predictions_match_keras(small_cnn, tflite_models, splits, kind,
                                             min_agreement):
    _, test = splits
    keras_scores = np.asarray(small_cnn(test.x_float, training=False))
    litert = evaluate.LiteRTModel(tflite_models[kind])
    litert_scores = evaluate.predict_all(litert, test.x, batch_size=128)  # batches of 2 sizes
    assert litert_scores.shape == keras_scores.shape
    assert agreement(litert_scores, keras_scores) >= min_agreement


def test_quantized_flatbuffers_are_smaller_and_full_integer_takes_int8(tflite_models):
    size = {kind: len(content) for kind, content in tflite_models.items()}
    assert size["dynamic"] < 0.4 * size["float32"] and size["int8"] < 0.4 * size["float32"]
    assert size["float16"] < 0.6 * size["float32"]
    assert evaluate.LiteRTModel(tflite_models["int8"]).input_dtype() == np.int8
    assert evaluate.LiteRTModel(tflite_models["float32"]).input_dtype() == np.float32


def test_stored_int8_kernel_is_the_keras_kernel_to_half_a_step(small_cnn, tflite_models):
    stored = quantization.largest_int8_tensor(tflite_models["dynamic"])
    kernel = small_cnn.layers[-2].kernel.numpy().T  # LiteRT stores dense kernels (out, in)
    assert stored.values.shape == kernel.shape
    step = stored.scales.reshape(-1, 1) if stored.scales.size > 1 else stored.scales
    assert (np.abs(stored.dequantized() - kernel) <= step / 2 * (1 + 1e-4)).all()


def test_keras_int8_quantizes_dense_layers_of_a_copy(small_cnn, splits):
    _, test = splits
    quantized = quantization.keras_int8(small_cnn)
    dense = [layer.name for layer in small_cnn.layers if type(layer).__name__ == "Dense"]
    assert quantization.quantized_layers(quantized) == dense and len(dense) == 2
    assert quantization.quantized_layers(small_cnn) == []
    assert agreement(np.asarray(quantized(test.x_float)), np.asarray(small_cnn(test.x_float))) >= 0.99


# --- the one evaluator -----------------------------------------------------------------------

def test_evaluate_variant_measures_tflite_and_keras_alike(small_cnn, tflite_models, splits):
    _, test = splits
    rows = [evaluate.evaluate_variant("keras", small_cnn, test, batch_size=64, repeats=2),
            evaluate.evaluate_variant("dynamic", tflite_models["dynamic"], test,
                                         batch_size=64, repeats=2)]
    expected = np.mean(np.asarray(small_cnn.predict(test.x_float, verbose=0)).argmax(1) == test.y)
    assert rows[0].accuracy == pytest.approx(expected)
    assert rows[1].size_bytes == len(tflite_models["dynamic"])
    assert rows[1].gzip_bytes == len(gzip.compress(tflite_models["dynamic"], 9))
    for row in rows:
        assert row.latency_ms > 0 and row.images_per_s > 0 and row.batch_size == 64
    frame = evaluate.results_frame(rows)
    assert frame.loc[0, "size_vs_base"] == 1 and frame.loc[1, "size_vs_base"] < 0.5
    assert frame["accuracy_drop_pp"].iloc[1] == pytest.approx((rows[0].accuracy - rows[1].accuracy) * 100)


def test_keras_size_is_the_deployed_file_without_optimizer_state(small_cnn):
    blob = evaluate.serialized(small_cnn)
    weights = evaluate.count_parameters(small_cnn) * 4
    assert weights < len(blob) < weights + 100_000  # Adam's two moments would triple it


@pytest.mark.parametrize("model", ["model.keras", np.zeros((2, 2)), b"not a flatbuffer at all"],
                         ids=["path", "array", "bytes"])
def test_unsupported_models_are_refused_naming_the_argument(model, splits):
    _, test = splits
    with pytest.raises(TypeError, match="model: expected a Keras model or the bytes of a .tflite"):
        evaluate.evaluate_variant("bad", model, test)
    with pytest.raises(TypeError, match="model: expected a Keras model"):
        quantization.to_tflite(model)


@pytest.mark.parametrize("representative", [None, np.zeros((0, 28, 28), dtype=np.uint8)],
                         ids=["none", "empty"])
def test_full_integer_needs_a_representative_set(small_cnn, representative):
    with pytest.raises(ValueError, match="representative: full-integer quantization needs"):
        quantization.to_tflite(small_cnn, "int8", representative)


def test_conversion_refuses_unknown_kinds(small_cnn):
    with pytest.raises(ValueError, match="kind: expected one of"):
        quantization.to_tflite(small_cnn, "int4")


def test_pareto_front():
    cost, quality = [1, 2, 3, 2, 5], [0.90, 0.95, 0.94, 0.95, 0.99]
    assert evaluate.pareto_front(cost, quality).tolist() == [True, True, False, True, True]


# --- pruning ---------------------------------------------------------------------------------

def test_magnitude_mask_drops_exactly_the_smallest():
    weights = np.array([[0.5, -3.0], [0.1, -0.2], [2.0, 0.05]])
    mask = pruning.magnitude_mask(weights, 0.5)
    assert mask.tolist() == [[True, True], [False, False], [True, False]]
    assert pruning.magnitude_mask(weights, 0.0).all()


@pytest.mark.parametrize("sparsity", [1.0, -0.1, 1.5, True, "0.5", float("nan")])
def test_sparsity_outside_zero_to_one_is_refused(sparsity, small_cnn, splits):
    with pytest.raises(ValueError, match=r"sparsity: expected a fraction .* in \[0, 1\)"):
        pruning.magnitude_mask(np.ones(4), sparsity)
    with pytest.raises(ValueError, match=r"target_sparsity: expected a fraction"):
        pruning.prune(small_cnn, splits[0], sparsity)


def test_polynomial_schedule_ramps_to_the_target():
    values = [pruning.polynomial_sparsity(s, target=0.8, end_step=100) for s in range(0, 121, 10)]
    assert values[0] == 0 and values[10:] == [0.8, 0.8, 0.8]
    assert all(a < b for a, b in zip(values[:10], values[1:11]))
    assert values[5] > 0.4  # cubic: most of the pruning happens early
    assert pruning.polynomial_sparsity(50, target=0.8, end_step=100, power=1) == pytest.approx(0.4)


def _fit_and_watch(model, train, keep_masks: bool) -> tuple[list, list[bool]]:
    """Fit for a few steps with fixed 50% masks; after every step, are masked weights zero?"""
    import keras

    kernels = pruning.prunable_kernels(model)
    keeper = pruning._mask_keeper_class()(kernels, lambda step: 0.5, frequency=10_000)
    zero_after_step = []

    class Watch(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            zero_after_step.append(all(not k.numpy()[~m].any()
                                       for k, m in zip(kernels, keeper.masks)))

    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    keeper.set_model(model)
    keeper.on_train_begin()  # masks computed and applied once, before any step
    callbacks = [keeper, Watch()] if keep_masks else [Watch()]
    model.fit(train.x_float[:640], train.y[:640], batch_size=64, epochs=1, verbose=0,
              callbacks=callbacks)
    return keeper.masks, zero_after_step


def test_masks_stay_zero_after_every_fine_tuning_step(small_cnn, splits):
    train, _ = splits
    masks, zero = _fit_and_watch(evaluate.copy_model(small_cnn), train, keep_masks=True)
    assert len(zero) == 10 and all(zero)
    assert all(abs((~mask).mean() - 0.5) < 1e-3 for mask in masks)
    # Without re-applying them, the optimizer revives pruned weights at the first step.
    _, revived = _fit_and_watch(evaluate.copy_model(small_cnn), train, keep_masks=False)
    assert not any(revived)


def test_prune_reaches_the_target_on_a_copy_and_keeps_accuracy(small_cnn, splits):
    train, test = splits
    result = pruning.prune(small_cnn, train.take(1280), 0.6, epochs=2, batch_size=64,
                           learning_rate=1e-3, frequency=4)
    assert result.steps == 40 and result.schedule[-1][1] == pytest.approx(0.6)
    assert all(abs(s - 0.6) < 1e-3 for s in pruning.sparsity_by_layer(result.model).values())
    for kernel, mask in zip(pruning.prunable_kernels(result.model), result.masks):
        assert not kernel.numpy()[~mask].any()
    assert pruning.overall_sparsity(small_cnn) < 0.01  # the original is untouched
    before = np.mean(np.asarray(small_cnn(test.x_float)).argmax(1) == test.y)
    after = np.mean(np.asarray(result.model(test.x_float)).argmax(1) == test.y)
    assert after > before - 0.05
    pruned_gz = len(gzip.compress(evaluate.serialized(result.model)))
    assert pruned_gz < 0.8 * len(gzip.compress(evaluate.serialized(small_cnn)))


def test_small_layers_are_not_pruned(small_cnn):
    names = [kernel.path for kernel in pruning.prunable_kernels(small_cnn)]
    assert names == ["small_cnn/dense/kernel"]  # convs (72, 1152) and the head (320) are small
    assert len(pruning.prunable_kernels(small_cnn, min_weights=1)) == 4


# --- distillation ----------------------------------------------------------------------------

def test_student_has_under_a_fifth_of_the_course_cnn_weights():
    from course_lib.mnist.models import cnn

    ratio = (evaluate.count_parameters(distillation.student_cnn())
             / evaluate.count_parameters(cnn()))
    assert ratio <= 0.2


def test_distillation_loss_is_zero_when_the_student_copies_the_teacher():
    import keras

    logits = np.log(np.array([[0.7, 0.2, 0.1] + [1e-9] * 7], dtype=np.float32))
    distiller = distillation._distiller_class()(keras.Sequential([keras.Input((3,))]), 4.0, 0.0)
    same = distiller.compute_loss(y=(np.array([0]), logits), y_pred=logits)
    other = distiller.compute_loss(y=(np.array([0]), logits), y_pred=logits[:, ::-1].copy())
    assert float(same) == pytest.approx(0, abs=1e-5) and float(other) > 1


def test_distill_trains_a_student_that_outputs_probabilities(small_cnn, splits):
    train, test = splits
    result = distillation.distill(small_cnn, train.take(1000), epochs=2, batch_size=50)
    scores = np.asarray(result.model(test.x_float[:20]))
    assert np.allclose(scores.sum(axis=1), 1, atol=1e-5)
    assert result.losses[1] < result.losses[0]
    assert result.student_parameters == evaluate.count_parameters(result.model)
    with pytest.raises(TypeError, match="teacher: expected a Keras model"):
        distillation.distill("teacher.keras", train)


# --- the study's verdicts: computed from the numbers, whatever they are ----------------------

def synthetic_table(int8_speed: float, student_accuracy: float = 0.986):
    """A results table with made-up numbers: int8 flatbuffers ``int8_speed`` times as fast."""
    from course_lib.compress import report as study

    def row(name, size, gz, accuracy, latency, rate):
        return evaluate.VariantResult(name, size, gz, accuracy, latency, rate, 256)

    return evaluate.results_frame([
        row(study.FLOAT, 3_600_000, 3_300_000, 0.995, 6.0, 5000),
        row(study.LITERT, 3_590_000, 3_300_000, 0.995, 0.2, 10000),
        row(study.DYNAMIC, 900_000, 850_000, 0.994, 0.2 / int8_speed, 10000 * int8_speed),
        row(study.FLOAT16, 1_800_000, 1_600_000, 0.995, 0.2, 10000),
        row(study.INT8, 910_000, 860_000, 0.995, 0.2 / int8_speed, 10000 * int8_speed),
        row(study.KERAS_INT8, 1_200_000, 1_100_000, 0.995, 8.0, 4000),
        row(study.PRUNED, 3_600_000, 1_000_000, 0.992, 6.0, 5000),
        row(study.STUDENT, 470_000, 400_000, student_accuracy, 5.0, 12000)])


@pytest.mark.parametrize("speed, words, reason", [(2.5, "2.5x faster", "four times"),
                                                  (0.5, "2.0x slower", "eat the savings"),
                                                  (1.05, "about as fast", "eat the savings")])
def test_speed_verdicts_follow_the_measurements(speed, words, reason):
    from course_lib.compress import report as study

    lines = study.speed_verdicts(synthetic_table(speed))
    int8 = [line for line in lines if line.startswith(study.INT8)][0]
    assert f"): {words}" in int8 and reason in int8  # the batch-1 figure follows the claim
    keras_int8 = [line for line in lines if line.startswith(study.KERAS_INT8)][0]
    assert "1.3x slower at batch 1" in keras_int8 and "for storage, not speed" in keras_int8


def test_bars_measure_sizes_and_drops_against_the_right_baseline():
    from course_lib.compress import report as study

    found = {bar.what: bar for bar in study.bars(synthetic_table(2.0), 0.12)}
    assert found["dynamic int8 size / float32 size"].measured == pytest.approx(900_000 / 3_590_000)
    assert found["pruned gzipped / float32 gzipped"].measured == pytest.approx(1 / 3.3)
    assert found["student accuracy drop"].measured == pytest.approx(0.9)
    assert all(bar.met for bar in found.values())
    failing = study.bars(synthetic_table(2.0, student_accuracy=0.98), 0.25)
    assert [bar.what for bar in failing if not bar.met] == [
        "student parameters / teacher's", "student accuracy drop"]
    assert list(study.bars_frame(failing)["met"]).count("NO") == 2


def _comparison(medians_ms: dict):
    from course_lib.measure import Comparison, Row

    base = next(iter(medians_ms.values())) / 1e3
    rows = [Row.from_samples(name, [ms / 1e3] * 3, 1, None, base, 1)
            for name, ms in medians_ms.items()]
    return Comparison("t", "images", 1, next(iter(medians_ms)), rows, {}, "quick", "now")


@pytest.mark.parametrize("keras_ms, graph_ms, lite_ms, expected", [
    (7.0, 1.0, 0.2, "closing 88% of the gap"),
    (7.0, 6.9, 0.2, "does not help here"),
    (0.2, 0.2, 0.21, "buys nothing at batch 1")])
def test_latency_story_reports_the_ratio_whatever_it_is(keras_ms, graph_ms, lite_ms, expected):
    from course_lib.compress import report as study

    story = study.latency_story(_comparison({"K": keras_ms, "G": graph_ms, "L": lite_ms}),
                                "K", "G", "L")
    assert f"Keras time / LiteRT time = {keras_ms / lite_ms:.2f}" in story and expected in story


def test_traced_predictor_and_compare_latency_agree_with_keras(small_cnn, tflite_models, splits):
    _, test = splits
    images = test.x_float[:8]
    traced = evaluate.traced_predictor(small_cnn)
    assert np.allclose(traced(images), np.asarray(small_cnn(images)), atol=1e-5)
    result = evaluate.compare_latency(
        {"keras": small_cnn, "traced": traced, "litert": tflite_models["float32"]}, images,
        repeats=1)
    assert result.names() == ["keras", "traced", "litert"] and result.work == 8
