"""What every generator of notebook 05 shares: one checked request, one loop, one compile cache.

Every generator turns digit classes and a seed into a batch of digits. ``request`` checks those
arguments (``course_lib.checks``: a wrong type raises TypeError, a wrong value ValueError, and
the message names the argument) and returns a ``Request``: the inputs as tensors, with ALL the
randomness drawn up front from the seed by a stateless generator. The eager and the compiled
versions of a sampler therefore see the same random numbers and draw the same digits (XLA
compiles ``tf.random`` ops to a different stream, so drawing inside a compiled loop would not).

``compiled`` keeps one ``tf.function`` per model and sampler, so repeated calls never trace
again (``TRACES`` counts traces, to prove it); ``while_loop`` runs a sampler's step as one
``tf.while_loop``, the whole loop inside the compiled function.
"""

from __future__ import annotations

import collections
import weakref
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np
import tensorflow as tf

from course_lib.checks import check_int, check_number, check_seed
from course_lib.mnist.data import NUM_CLASSES

TRACES: collections.Counter = collections.Counter()  # compiled function's name -> times traced
_COMPILED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # model -> {name: function}


class Request(NamedTuple):
    """Checked sampling inputs as tensors, which a compiled sampler takes without tracing again
    (only ``top_k``, a Python int, is part of the traced graph: a new value traces anew).

    The first three fields are every generator's; each generator fills in its own others. A
    NamedTuple, so ``tf.function`` and ``tf.while_loop`` take it as it is."""

    classes: tf.Tensor                           # (batch,) int32 digit classes
    temperature: tf.Tensor                       # () float32 > 0
    noise: tf.Tensor                             # all the randomness, drawn from the seed
    prompt: tf.Tensor | None = None              # GPT: (batch, length) tokens to force, 0-padded
    prompt_len: tf.Tensor | None = None          # GPT: () how many leading tokens are forced
    top_k: int | None = None                     # GPT: draw among the k likeliest tokens only
    remaining: tf.Tensor | None = None           # MaskGIT: (passes,) tokens masked after each
    choice_temperature: tf.Tensor | None = None  # MaskGIT: () confidence noise at the first pass

    @property
    def batch(self) -> int:
        return int(self.classes.shape[0])


def request(classes: int | Sequence[int] | np.ndarray, *, batch: int | None, temperature: float,
            seed: int, noise: Callable[[int, int], tf.Tensor], **fields: Any) -> Request:
    """A ``Request`` for ``classes`` (or one class repeated ``batch`` times), ``temperature``
    and ``seed``, all checked; ``noise(batch, seed)`` draws the generator's randomness and
    ``fields`` are its own inputs, already checked."""
    labels = check_classes(classes, batch)
    temperature = check_number("temperature", temperature, positive=True)
    seed = check_seed(seed)
    return Request(tf.constant(labels), tf.constant(temperature, tf.float32),
                   noise(len(labels), seed), **fields)


def uniform_noise(shape: Sequence[int], seed: int, stream: int) -> tf.Tensor:
    """Uniform numbers in [1e-7, 1) from ``seed`` alone (stateless Philox): the same numbers
    every run, eager or compiled. ``stream`` keeps two generators' draws apart; 1e-7 keeps
    ``log(u)`` finite. Drawn by one graph function (not XLA, whose Philox is another stream):
    the same numbers as an eager call, without its per-call overhead (about 2.5x slower eager,
    a millisecond or more per image at batch 1 on the course's 2-core CPU)."""
    return _philox_uniform(tf.constant(shape, tf.int32), tf.constant([seed, stream], tf.int64))


@tf.function(reduce_retracing=True)
def _philox_uniform(shape: tf.Tensor, seed: tf.Tensor) -> tf.Tensor:
    return tf.random.stateless_uniform(shape, seed=seed, minval=1e-7, maxval=1.0, alg="philox")


def check_classes(classes: int | Sequence[int] | np.ndarray, batch: int | None) -> np.ndarray:
    """Digit classes as int32 (n,), or one class repeated ``batch`` times. Non-integer classes
    or batch raise a TypeError, a class outside 0..9 or an empty batch a ValueError."""
    labels = np.asarray(classes)
    if batch is not None:
        check_int("batch", batch, minimum=1)
        if labels.ndim != 0:
            raise ValueError(f"batch: only with a single class (repeated batch times), got "
                             f"classes of shape {labels.shape}")
        labels = np.full(batch, labels)
    labels = labels.reshape(-1) if labels.ndim == 0 else labels
    if labels.ndim != 1 or len(labels) < 1:
        raise ValueError(f"classes: expected a digit class or a batch of at least one, got "
                         f"shape {labels.shape}")
    if not np.issubdtype(labels.dtype, np.integer):
        raise TypeError(f"classes: expected integer digit classes, got dtype {labels.dtype}")
    unknown = labels[(labels < 0) | (labels >= NUM_CLASSES)]
    if len(unknown):
        raise ValueError(f"classes: unknown digit class {unknown[0]}; expected "
                         f"0..{NUM_CLASSES - 1}")
    return labels.astype(np.int32)


def while_loop(step: Callable[[tf.Tensor, Any], Any], state: Any, steps: int | tf.Tensor) -> Any:
    """``state = step(i, state)`` for i in 0..steps-1, as ONE ``tf.while_loop``: inside a
    ``tf.function`` the whole loop is part of the graph (XLA compiles it as one loop), so
    Python runs once per batch of images, not once per token. ``state`` keeps its shapes."""
    _, state = tf.while_loop(lambda i, _: i < steps, lambda i, state: (i + 1, step(i, state)),
                             (tf.constant(0), state))
    return state


def compiled(model: Any, name: str, function: Callable, jit_compile: bool = False) -> Callable:
    """``function(model, *args)`` as one ``tf.function`` per (model, name), kept for reuse, so
    repeated calls never trace again; ``TRACES[name]`` counts its traces. It holds a weak
    proxy of the model, so the cache never keeps alive a model the learner dropped."""
    functions = _COMPILED.setdefault(model, {})
    if name not in functions:
        proxy = weakref.proxy(model)

        def traced(*args: Any) -> Any:
            TRACES[name] += 1  # a Python side effect: runs only while tracing
            return function(proxy, *args)

        traced.__name__ = name
        functions[name] = tf.function(traced, jit_compile=jit_compile, reduce_retracing=False)
    return functions[name]
