"""Pruning (masks, schedule, fine-tuning) and distillation, on the small CNN the compress tests
share (compress_models.py)."""

import gzip

import numpy as np
import pytest
from compress_models import small_cnn, splits  # noqa: F401 (fixtures)

from course_lib.compress import distillation, evaluate, keras_models, pruning


# --- pruning ---------------------------------------------------------------------------------

def test_magnitude_mask_drops_exactly_the_smallest():
    weights = np.array([[0.5, -3.0], [0.1, -0.2], [2.0, 0.05]])
    mask = pruning.magnitude_mask(weights, 0.5)
    assert mask.tolist() == [[True, True], [False, False], [True, False]]
    assert pruning.magnitude_mask(weights, 0.0).all()


@pytest.mark.parametrize("sparsity, error", [
    (1.0, ValueError), (-0.1, ValueError), (1.5, ValueError), (float("nan"), ValueError),
    (True, TypeError), ("0.5", TypeError)])
def test_sparsity_outside_zero_to_one_is_refused(sparsity, error, small_cnn, splits):
    with pytest.raises(error, match=r"^sparsity: expected a non-negative finite number .*< 1"):
        pruning.magnitude_mask(np.ones(4), sparsity)
    with pytest.raises(error, match=r"^target_sparsity: expected"):
        pruning.prune(small_cnn, splits[0], sparsity)
    with pytest.raises(error, match=r"^target: expected"):
        pruning.polynomial_sparsity(0, target=sparsity, end_step=10)


@pytest.mark.parametrize("arguments, error, message", [
    ({"ramp": 0.0}, ValueError, "ramp: expected a positive finite number <= 1.0"),
    ({"frequency": 0}, ValueError, "frequency: expected an integer >= 1"),
    ({"epochs": 1.5}, TypeError, "epochs: expected an integer")])
def test_prune_refuses_bad_settings_by_name(small_cnn, splits, arguments, error, message):
    with pytest.raises(error, match=message):
        pruning.prune(small_cnn, splits[0], 0.5, **arguments)


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
    masks, zero = _fit_and_watch(keras_models.copy_model(small_cnn), train, keep_masks=True)
    assert len(zero) == 10 and all(zero)
    assert all(abs((~mask).mean() - 0.5) < 1e-3 for mask in masks)
    # Without re-applying them, the optimizer revives pruned weights at the first step.
    _, revived = _fit_and_watch(keras_models.copy_model(small_cnn), train, keep_masks=False)
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


def test_prune_once_zeroes_the_smallest_weights_of_a_copy(small_cnn):
    pruned = pruning.prune_once(small_cnn, 0.5)
    [before], [after] = pruning.prunable_kernels(small_cnn), pruning.prunable_kernels(pruned)
    mask = pruning.magnitude_mask(before.numpy(), 0.5)
    assert np.array_equal(after.numpy(), np.where(mask, before.numpy(), 0))
    assert pruning.overall_sparsity(small_cnn) < 0.01
    assert np.array_equal(pruned.layers[-1].kernel.numpy(), small_cnn.layers[-1].kernel.numpy())


def test_small_layers_are_not_pruned(small_cnn):
    names = [kernel.path for kernel in pruning.prunable_kernels(small_cnn)]
    hidden = [layer for layer in small_cnn.layers if layer.name.startswith("dense")][0]
    # convs (72, 1152) and the head (320) are small; Keras numbers layer names per process
    # ("dense", "dense_41", ...), so the expected name is read from the model, not typed
    assert names == [hidden.kernel.path] and len(names) == 1
    assert len(pruning.prunable_kernels(small_cnn, min_weights=1)) == 4


# --- distillation ----------------------------------------------------------------------------

def test_student_has_under_a_fifth_of_the_course_cnn_weights():
    from course_lib.mnist.models import cnn

    ratio = (keras_models.count_parameters(distillation.student_cnn())
             / keras_models.count_parameters(cnn()))
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
    assert result.student_parameters == keras_models.count_parameters(result.model)
    with pytest.raises(TypeError, match="teacher: expected a Keras model"):
        distillation.distill("teacher.keras", train)


@pytest.mark.parametrize("arguments, error, message", [
    ({"temperature": 0}, ValueError, "temperature: expected a positive finite number"),
    ({"alpha": 1.5}, ValueError, "alpha: expected a non-negative finite number <= 1.0"),
    ({"alpha": "0.2"}, TypeError, "alpha: expected"),
    ({"student": "student.keras"}, TypeError, "student: expected a Keras model")])
def test_distill_refuses_bad_settings_by_name(small_cnn, splits, arguments, error, message):
    with pytest.raises(error, match=message):
        distillation.distill(small_cnn, splits[0].take(64), **arguments)
