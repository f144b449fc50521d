"""Single training steps and random draws as zero-argument callables, for ``measure.compare``.

A whole epoch is the wrong unit to ask "what does this layer, or this setting, cost per step?":
it mixes in the input pipeline and takes minutes. One compiled step on one fixed batch,
repeated, isolates it in seconds. Notebook 03 uses these for its side measurements (dropout
under XLA, mixed precision on a CPU).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable

from course_lib.checks import check_bool, check_callable, check_choice, check_int, check_seed
from course_lib.mnist.models import RANDOM_GENERATORS
from course_lib.mnist.splits import Split, validate

POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


@contextmanager
def dtype_policy(name: str):
    """Keras's global dtype policy set to ``name`` inside the block, restored after it.

    Layers read the policy when they are built, so a model built inside keeps it."""
    import keras

    check_choice("policy", name, POLICIES)
    before = keras.mixed_precision.global_policy()
    keras.mixed_precision.set_global_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy(before)


def training_step(build: Callable, split: Split, *, batch_size: int = 256,
                  jit_compile: bool = False, policy: str = "float32",
                  seed: int = 0) -> Callable[[], object]:
    """One Adam training step of the model ``build()`` makes, on the first ``batch_size`` images
    of ``split``, as a zero-argument callable (each call updates the weights once).

    The first call traces (and with ``jit_compile``, XLA-compiles) the step: let ``compare``'s
    warm-up absorb it."""
    import keras

    check_callable("build", build, "a function returning a Keras model")
    check_int("batch_size", batch_size, minimum=1, maximum=len(split))
    check_bool("jit_compile", jit_compile)
    check_choice("policy", policy, POLICIES)
    validate(split.x, split.y, name="split.x")
    keras.utils.set_random_seed(check_seed(seed))
    with dtype_policy(policy):
        model = build()
    model.compile(optimizer=keras.optimizers.Adam(1e-3), jit_compile=jit_compile,
                  loss="sparse_categorical_crossentropy")
    images, labels = split.x_float[:batch_size], split.y[:batch_size]
    return lambda: model.train_on_batch(images, labels)


def random_draw(shape: tuple[int, ...] = (256, 256), *, alg: str = "auto_select",
                jit_compile: bool = False) -> Callable[[], object]:
    """A compiled ``tf.random.stateless_uniform`` of ``shape`` with generator ``alg``, as a
    zero-argument callable: the kind of draw a dropout layer makes every training step.
    ``auto_select`` is what ``tf.nn.experimental.stateless_dropout`` (Keras's dropout on
    TensorFlow) uses; it lets TensorFlow pick the generator for the device."""
    import tensorflow as tf

    check_choice("alg", alg, RANDOM_GENERATORS)
    check_bool("jit_compile", jit_compile)
    shape = tuple(check_int(f"shape[{i}]", size, minimum=1) for i, size in enumerate(shape))
    # One fixed seed pair: every call draws the same numbers, as a stateless generator should.
    draw = tf.function(lambda: tf.random.stateless_uniform(shape, seed=[1, 2], alg=alg),
                       jit_compile=jit_compile)
    return lambda: draw().numpy()
