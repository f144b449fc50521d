"""Magnitude pruning for Keras 3, written out: a sparsity schedule, masks, and fine-tuning.

tensorflow-model-optimization only accepts Keras 2 models, and the idea fits in a page: during
fine-tuning, raise the share of zeroed weights step by step to a target (a polynomial schedule,
steep early when the network can still recover, gentle at the end), each time zeroing the
smallest-magnitude weights of every Conv2D/Dense kernel, and re-apply the masks after *every*
optimizer step, so a pruned weight can never come back. Zeros cost as much as any float in a
dense file: the saving appears only when the file is compressed (gzip) or a runtime skips them.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_lib.checks import check_array, check_fraction, check_int, check_number
from course_lib.compress.keras_models import (check_keras_model, check_split, check_training,
                                             copy_model)
from course_lib.mnist.splits import Split


def polynomial_sparsity(step: int, *, target: float, end_step: int, begin_step: int = 0,
                        initial: float = 0.0, power: float = 3.0) -> float:
    """Sparsity at ``step``: ``initial`` until ``begin_step``, ``target`` from ``end_step`` on.

    ``target + (initial - target) * (1 - progress) ** power``: power 1 is linear, power 3 (the
    usual choice) prunes fast while many small weights remain and slowly near the target.
    """
    target, initial = check_fraction("target", target), check_fraction("initial", initial)
    begin_step = check_int("begin_step", begin_step, minimum=0)
    end_step = check_int("end_step", end_step, minimum=begin_step + 1)
    power = check_number("power", power, positive=True)
    progress = min(max((step - begin_step) / (end_step - begin_step), 0.0), 1.0)
    return target + (initial - target) * (1.0 - progress) ** power


def magnitude_mask(weights: np.ndarray, sparsity: float) -> np.ndarray:
    """Boolean mask keeping all but the ``round(sparsity * size)`` smallest-magnitude weights.

    A stable sort decides ties (the earlier weight goes first), so the count is always exact.
    """
    sparsity = check_fraction("sparsity", sparsity)
    weights = check_array("weights", weights, finite=True)
    drop = round(sparsity * weights.size)
    mask = np.ones(weights.size, dtype=bool)
    mask[np.argsort(np.abs(weights), axis=None, kind="stable")[:drop]] = False
    return mask.reshape(weights.shape)


MIN_WEIGHTS = 2048


def prunable_kernels(model: Any, min_weights: int = MIN_WEIGHTS) -> list[Any]:
    """The kernels pruning acts on: Conv2D and Dense kernels of at least ``min_weights``.

    Small layers are left alone, as are biases and batch-norm parameters: they hold a tiny
    share of the weights, and every one of them matters (pruning 80% of the first convolution's
    288 weights alone costs the course CNN most of its accuracy).
    """
    import keras

    check_keras_model(model)
    check_int("min_weights", min_weights, minimum=1)
    return [layer.kernel for layer in model.layers
            if isinstance(layer, (keras.layers.Conv2D, keras.layers.Dense))
            and np.prod(layer.kernel.shape) >= min_weights]


def sparsity_by_layer(model: Any) -> dict[str, float]:
    """Share of exact zeros in each prunable kernel, by layer path."""
    return {kernel.path.rsplit("/", 1)[0]: float(np.mean(kernel.numpy() == 0))
            for kernel in prunable_kernels(model)}


def overall_sparsity(model: Any) -> float:
    """Share of exact zeros over all prunable kernels together."""
    kernels = [kernel.numpy() for kernel in prunable_kernels(model)]
    return float(sum((k == 0).sum() for k in kernels) / sum(k.size for k in kernels))


def prune_once(model: Any, sparsity: float, min_weights: int = MIN_WEIGHTS) -> Any:
    """A copy of ``model`` with every prunable kernel cut to ``sparsity`` in one go: no
    schedule, no fine-tuning. The baseline that ``prune`` has to beat."""
    sparsity = check_fraction("sparsity", sparsity)
    pruned = copy_model(model)
    for kernel in prunable_kernels(pruned, min_weights):
        kernel.assign(kernel * magnitude_mask(kernel.numpy(), sparsity))
    return pruned


@functools.cache
def _mask_keeper_class() -> type:
    import keras

    class MaskKeeper(keras.callbacks.Callback):
        """Zero the smallest weights on schedule, and re-zero them after every step."""

        def __init__(self, kernels: list, schedule, frequency: int) -> None:
            super().__init__()
            self.kernels, self.schedule, self.frequency = kernels, schedule, frequency
            self.step, self.masks, self.history = 0, [], []

        def on_train_begin(self, logs=None) -> None:
            self._update_masks()

        def on_train_batch_end(self, batch, logs=None) -> None:
            self.step += 1
            if self.step % self.frequency == 0:
                self._update_masks()
            else:
                self._apply()

        def _update_masks(self) -> None:
            sparsity = self.schedule(self.step)
            self.masks = [magnitude_mask(kernel.numpy(), sparsity) for kernel in self.kernels]
            self.history.append((self.step, sparsity))
            self._apply()

        def _apply(self) -> None:
            for kernel, mask in zip(self.kernels, self.masks):
                kernel.assign(kernel * mask)

    return MaskKeeper


@dataclass
class PruneResult:
    """The pruned copy, its masks, and the schedule it followed (step, sparsity)."""

    model: Any
    masks: list[np.ndarray]
    schedule: list[tuple[int, float]] = field(default_factory=list)
    steps: int = 0


def prune(model: Any, train: Split, target_sparsity: float = 0.8, *, epochs: int = 2,
          batch_size: int = 128, learning_rate: float = 5e-4, ramp: float = 0.6,
          frequency: int = 10, power: float = 3.0, seed: int = 0) -> PruneResult:
    """A copy of ``model`` pruned to ``target_sparsity`` while fine-tuning on ``train``.

    Sparsity follows ``polynomial_sparsity`` from 0 to the target over the first ``ramp`` share
    of the steps (masks recomputed every ``frequency`` steps); the remaining steps fine-tune at
    the target, so the surviving weights make up for the pruned ones. Batch norm is frozen
    (inference mode), so its running statistics describe the pruned network that is deployed,
    not the one it started as. The original model is left untouched.
    """
    import keras

    check_keras_model(model)
    target = check_fraction("target_sparsity", target_sparsity)
    check_split("train", train)
    check_training(epochs=epochs, batch_size=batch_size, learning_rate=learning_rate, seed=seed)
    check_number("ramp", ramp, positive=True, maximum=1.0)
    check_int("frequency", frequency, minimum=1)
    keras.utils.set_random_seed(seed)
    pruned = copy_model(model)
    for layer in pruned.layers:  # frozen batch norm: its statistics stay those it is run with
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    pruned.compile(optimizer=keras.optimizers.Adam(learning_rate),
                   loss="sparse_categorical_crossentropy", steps_per_execution=1)
    steps = epochs * math.ceil(len(train) / batch_size)
    end = max(1, round(ramp * steps))
    keeper = _mask_keeper_class()(
        prunable_kernels(pruned), functools.partial(
            polynomial_sparsity, target=target, end_step=end, power=power), frequency)
    pruned.fit(train.x_float, train.y, batch_size=batch_size, epochs=epochs, verbose=0,
               shuffle=True, callbacks=[keeper])
    if keeper.history[-1][1] < target:  # the last update fell before the end of the ramp
        keeper._update_masks()
    return PruneResult(pruned, keeper.masks, keeper.history, keeper.step)
