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
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from course_lib.compress.evaluate import check_keras_model, copy_model
from course_lib.mnist.splits import Split, check_batch_size, validate


def check_sparsity(sparsity: Any, argument: str = "sparsity") -> float:
    """The sparsity as a float, or ValueError naming ``argument`` unless it is in [0, 1)."""
    if isinstance(sparsity, bool) or not isinstance(sparsity, numbers.Real) \
            or not 0 <= sparsity < 1:
        raise ValueError(f"{argument}: expected a fraction of weights to zero in [0, 1) "
                         f"(0.8 = 80%), got {sparsity!r}")
    return float(sparsity)


def polynomial_sparsity(step: int, *, target: float, end_step: int, begin_step: int = 0,
                        initial: float = 0.0, power: float = 3.0) -> float:
    """Sparsity at ``step``: ``initial`` until ``begin_step``, ``target`` from ``end_step`` on.

    ``target + (initial - target) * (1 - progress) ** power``: power 1 is linear, power 3 (the
    usual choice) prunes fast while many small weights remain and slowly near the target.
    """
    target, initial = check_sparsity(target, "target"), check_sparsity(initial, "initial")
    if end_step <= begin_step:
        raise ValueError(f"end_step: expected more than begin_step={begin_step}, got {end_step}")
    progress = min(max((step - begin_step) / (end_step - begin_step), 0.0), 1.0)
    return target + (initial - target) * (1.0 - progress) ** power


def magnitude_mask(weights: np.ndarray, sparsity: float) -> np.ndarray:
    """Boolean mask keeping all but the ``round(sparsity * size)`` smallest-magnitude weights."""
    sparsity = check_sparsity(sparsity)
    weights = np.asarray(weights)
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
    target = check_sparsity(target_sparsity, "target_sparsity")
    validate(train.x, train.y, name="train.x")
    check_batch_size(batch_size)
    if not 0 < ramp <= 1:
        raise ValueError(f"ramp: expected a share of the steps in (0, 1], got {ramp!r}")
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
