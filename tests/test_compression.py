"""Keras models copied and counted, conversion to LiteRT and the variant evaluator, on a small
CNN trained in seconds. Pruning and distillation: test_compress_training.py; the int8 arithmetic
and the report's verdicts: test_compress_int8.py, test_compress_report.py."""

import gzip

import numpy as np
import pytest
from compress_models import small_cnn, splits, tflite_models  # noqa: F401 (fixtures)

from course_lib.compress import evaluate, int8, keras_models, litert, quantization


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.mean(a.argmax(axis=1) == b.argmax(axis=1)))


# --- conversion and the LiteRT interpreter ---------------------------------------------------

@pytest.mark.parametrize("kind, min_agreement", [("float32", 0.99), ("dynamic", 0.99),
                                                 ("float16", 0.99), ("int8", 0.99)])
def test_interpreter_predictions_match_keras(small_cnn, tflite_models, splits, kind,
                                             min_agreement):
    _, test = splits
    keras_scores = np.asarray(small_cnn(test.x_float, training=False))
    runner = litert.LiteRTModel(tflite_models[kind], num_threads=1)
    litert_scores = evaluate.predict_all(runner, test.x, batch_size=128)  # batches of 2 sizes
    assert litert_scores.shape == keras_scores.shape
    assert agreement(litert_scores, keras_scores) >= min_agreement


def test_quantized_flatbuffers_are_smaller_and_full_integer_takes_int8(tflite_models):
    size = {kind: len(content) for kind, content in tflite_models.items()}
    assert size["dynamic"] < 0.4 * size["float32"] and size["int8"] < 0.4 * size["float32"]
    assert size["float16"] < 0.6 * size["float32"]
    assert litert.LiteRTModel(tflite_models["int8"]).input_dtype() == np.int8
    assert litert.LiteRTModel(tflite_models["float32"]).input_dtype() == np.float32


def test_stored_int8_kernel_is_the_keras_kernel_to_half_a_step(small_cnn, tflite_models):
    stored = litert.largest_int8_tensor(tflite_models["dynamic"])
    kernel = small_cnn.layers[-2].kernel.numpy().T  # LiteRT stores dense kernels (out, in)
    assert stored.values.shape == kernel.shape
    step = stored.scales.reshape(-1, 1) if stored.scales.size > 1 else stored.scales
    assert (np.abs(stored.dequantized() - kernel) <= step / 2 * (1 + 1e-4)).all()


def test_the_converter_stores_exactly_the_per_channel_codes_by_hand(small_cnn, tflite_models):
    stored = litert.largest_int8_tensor(tflite_models["dynamic"])
    q, scales = int8.quantize_per_channel(small_cnn.layers[-2].kernel.numpy())
    assert np.array_equal(stored.values, q.T) and set(stored.zero_points.tolist()) == {0}
    assert np.array_equal(stored.scales, scales.astype(np.float32))


@pytest.mark.parametrize("content", [b"12345678", "model.tflite", None])
def test_litert_refuses_what_is_not_a_flatbuffer(content):
    with pytest.raises(TypeError, match="content: expected the bytes of a .tflite flatbuffer"):
        litert.LiteRTModel(content)
    with pytest.raises(TypeError, match="content: expected the bytes of a .tflite flatbuffer"):
        litert.largest_int8_tensor(content)


def test_litert_checks_its_thread_count_and_float_models_store_no_int8(tflite_models):
    with pytest.raises(ValueError, match="num_threads: expected an integer >= 1, got 0"):
        litert.LiteRTModel(tflite_models["float32"], num_threads=0)
    with pytest.raises(ValueError, match="content: this model stores no int8 tensors"):
        litert.largest_int8_tensor(tflite_models["float32"])


def test_keras_int8_quantizes_dense_layers_of_a_copy(small_cnn, splits):
    _, test = splits
    quantized = quantization.keras_int8(small_cnn)
    dense = [layer.name for layer in small_cnn.layers if type(layer).__name__ == "Dense"]
    assert quantization.quantized_layers(quantized) == dense and len(dense) == 2
    assert quantization.quantized_layers(small_cnn) == []
    scores = np.asarray(quantized(test.x_float)), np.asarray(small_cnn(test.x_float))
    assert agreement(*scores) >= 0.99


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
    drop_pp = (rows[0].accuracy - rows[1].accuracy) * 100
    assert frame["accuracy_drop_pp"].iloc[1] == pytest.approx(drop_pp)


def test_accuracy_is_the_share_of_top_classes_that_are_right(small_cnn, tflite_models, splits):
    _, test = splits
    scores = np.asarray(small_cnn(test.x_float))
    assert evaluate.accuracy(small_cnn, test, batch_size=128) == \
        pytest.approx(np.mean(scores.argmax(1) == test.y))
    share = evaluate.accuracy(tflite_models["float32"], test)
    assert share == pytest.approx(np.mean(scores.argmax(1) == test.y), abs=0.004)


@pytest.mark.parametrize("arguments, error, message", [
    ({"name": 7}, TypeError, "name: expected a string, got int"),
    ({"name": " "}, ValueError, "name: expected a non-empty string"),
    ({"batch_size": 0}, ValueError, "batch_size: expected an integer >= 1"),
    ({"batch_size": 2.5}, TypeError, "batch_size: expected an integer"),
    ({"repeats": 0}, ValueError, "repeats: expected an integer >= 1"),
    ({"test": "test.npz"}, TypeError, "test: expected a Split")])
def test_evaluate_variant_refuses_bad_arguments_before_any_work(small_cnn, splits, arguments,
                                                                 error, message):
    given = {"name": "keras", "model": small_cnn, "test": splits[1], **arguments}
    with pytest.raises(error, match=message):
        evaluate.evaluate_variant(given.pop("name"), given.pop("model"), given.pop("test"),
                                  **given)


# --- what every technique does to a Keras model ----------------------------------------------

def test_keras_size_is_the_deployed_file_without_optimizer_state(small_cnn):
    blob = evaluate.serialized(small_cnn)
    weights = keras_models.count_parameters(small_cnn) * 4
    assert weights < len(blob) < weights + 100_000  # Adam's two moments would triple it


def test_copy_model_is_independent_of_the_original(small_cnn):
    copy = keras_models.copy_model(small_cnn)
    kernel = copy.layers[-1].kernel
    kernel.assign(np.zeros(kernel.shape))
    assert np.abs(small_cnn.layers[-1].kernel.numpy()).sum() > 0
    assert keras_models.count_parameters(copy) == keras_models.count_parameters(small_cnn)


@pytest.mark.parametrize("settings, error, message", [
    ({"epochs": 0}, ValueError, "epochs: expected an integer >= 1"),
    ({"batch_size": "64"}, TypeError, "batch_size: expected an integer"),
    ({"learning_rate": 0.0}, ValueError, "learning_rate: expected a positive"),
    ({"seed": -1}, ValueError, "seed: expected an integer in 0..")])
def test_training_settings_are_checked_by_name(settings, error, message):
    given = {"epochs": 1, "batch_size": 64, "learning_rate": 1e-3, "seed": 0, **settings}
    with pytest.raises(error, match=message):
        keras_models.check_training(**given)


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


def test_traced_predictor_and_compare_latency_agree_with_keras(small_cnn, tflite_models, splits):
    _, test = splits
    images = test.x_float[:8]
    traced = evaluate.traced_predictor(small_cnn)
    assert np.allclose(traced(images), np.asarray(small_cnn(images)), atol=1e-5)
    result = evaluate.compare_latency(
        {"keras": small_cnn, "traced": traced, "litert": tflite_models["float32"]}, images,
        repeats=1)
    assert result.names() == ["keras", "traced", "litert"] and result.work == 8


# --- counted costs: multiply-adds and weight bytes -------------------------------------------

def test_costs_count_the_same_multiply_adds_in_keras_and_in_every_flatbuffer(small_cnn,
                                                                            tflite_models):
    from course_lib.compress import costs

    frame = costs.costs_frame({"keras": small_cnn, **tflite_models}).set_index("name")
    # conv 28x28x8 filters of 3x3x1, conv 14x14x16 of 3x3x8, dense 784x32, dense 32x10
    macs = 28 * 28 * 8 * 9 + 14 * 14 * 16 * 9 * 8 + 784 * 32 + 32 * 10
    assert (frame["macs"] == macs).all()  # quantization keeps every multiply-add
    assert frame.loc["float16", "weight_bytes"] < 0.51 * frame.loc["float32", "weight_bytes"]
    assert frame.loc["float16", "read_bytes"] == frame.loc["float32", "read_bytes"]
    assert frame.loc["float16", "weights_read_as"] == "float32"  # widened by DEQUANTIZE ops
    assert frame.loc["int8", "input_read_as"] == "int8"
    assert frame.loc["dynamic", "input_read_as"] == "float32"
    assert 0.25 < frame.loc["int8", "weight_bytes"] / frame.loc["float32", "weight_bytes"] < 0.27


def test_costs_of_a_pruned_model_keep_the_dense_count_and_show_the_non_zero_one(small_cnn):
    from course_lib.compress import costs, pruning

    pruned = costs.costs_frame({"pruned": pruning.prune_once(small_cnn, 0.8)}).iloc[0]
    whole = costs.costs_frame({"float": small_cnn}).iloc[0]
    assert pruned["macs"] == whole["macs"] and pruned["weight_bytes"] == whole["weight_bytes"]
    # only the dense kernel has 2,048 weights or more: 80% of its 784 x 32 are no longer counted
    assert whole["nonzero_macs"] - pruned["nonzero_macs"] == round(0.8 * 784 * 32)
    layers = costs.layers_frame(costs.variant_costs(small_cnn))
    assert layers["share_of_macs"].sum() == pytest.approx(1.0)
    with pytest.raises(TypeError, match="model: expected a Keras model"):
        costs.variant_costs("model.keras")
