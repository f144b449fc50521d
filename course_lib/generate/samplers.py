"""The sampler ladder: the same tiny GPT weights, sampled seven ways, each faster than the last.

Every rung is a function ``sample_<id>`` with the same signature, and returns the same tokens
for the same seed:

    tokens = sample_<id>(model, classes, temperature=1.0, top_k=None, seed=0, prompt=None)

    predict        recompute the whole prefix with ``model.predict`` per token
    recompute      recompute the whole prefix by calling the model (no predict overhead)
    recompute_xla  recompute a fixed-size buffer, the whole loop in one XLA function
    cached_eager   KV cache: one token's work per step, but an eager Python loop
    cached_step    KV cache, each step one compiled ``tf.function`` call
    cached_loop    KV cache, the whole loop one ``tf.while_loop`` in one tf.function
    cached_xla     the same loop compiled by XLA (``jit_compile=True``, set explicitly)

The rungs differ in how they run, not in what they compute: the recompute rungs all run
``recompute_step``, the KV-cache rungs all run ``cached_step``; a rung is the loop around it
(Python, Python calling a compiled step, or one ``tf.while_loop``). The randomness is Gumbel
noise drawn up front from the seed (``prepare``), so every rung draws the same tokens. A
compiled rung traces once per batch size and ``top_k`` (``common.TRACES`` counts, to prove it).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf

from course_lib.checks import check_choice, check_int
from course_lib.generate import common
from course_lib.generate.common import Request
from course_lib.generate.tiny_gpt import (Cache, DigitGPT, GPTConfig, check_model,
                                          class_token, flops_per_image)
from course_lib.mnist.data import NUM_CLASSES

State = tuple[tf.Tensor, Cache]  # a KV-cache rung's loop state: (sequence, cache)


def prepare(model: DigitGPT, classes: int | Sequence[int] | np.ndarray, *,
            batch: int | None = None, temperature: float = 1.0, top_k: int | None = None,
            seed: int = 0, prompt: np.ndarray | Sequence[int] | None = None) -> Request:
    """Check every argument and name the wrong one; ``batch`` repeats a single class. The
    Gumbel noise of every step, (length, batch, codes), is drawn here from ``seed``."""
    codes, length = check_model(model, causal=True).spec.codes, model.spec.length
    if top_k is not None:
        top_k = check_int("top_k", top_k, minimum=1, maximum=codes)
    request = common.request(classes, batch=batch, temperature=temperature, seed=seed,
                             noise=lambda n, seed: gumbel_noise((length, n, codes), seed))
    forced = _check_prompt(prompt, request.batch, codes, length)
    padded = np.zeros((request.batch, length), np.int32)
    padded[:, :forced.shape[1]] = forced
    return request._replace(prompt=tf.constant(padded), top_k=top_k,
                            prompt_len=tf.constant(forced.shape[1], tf.int32))


def gumbel_noise(shape: Sequence[int], seed: int) -> tf.Tensor:
    """Standard Gumbel noise ``-log(-log(u))`` from ``seed`` alone: adding it to logits and
    taking the argmax draws a token (``gumbel_top_k``)."""
    return -tf.math.log(-tf.math.log(common.uniform_noise(shape, seed, stream=0)))


def gumbel_top_k(logits: tf.Tensor, noise: tf.Tensor, *, temperature: tf.Tensor | float,
                 top_k: int | None = None) -> tf.Tensor:
    """``argmax(logits / temperature + noise)`` over the ``top_k`` largest logits (all: None).

    With Gumbel ``noise`` this is an exact draw from ``softmax(logits / temperature)`` cut to
    the top k (the Gumbel-max trick); ``top_k=1`` is greedy decoding. logits and noise
    (batch, codes) -> token ids (batch,)."""
    logits = tf.cast(logits, tf.float32) / temperature
    if top_k is not None:
        kth = tf.math.top_k(logits, k=top_k).values[:, -1:]
        logits = tf.where(logits < kth, tf.constant(-np.inf, tf.float32), logits)
    return tf.argmax(logits + noise, axis=-1, output_type=tf.int32)


def choose(logits: tf.Tensor, step: tf.Tensor | int, request: Request) -> tf.Tensor:
    """Image token ``step`` (batch,): the prompt's while it lasts, else a Gumbel-max draw with
    this step's noise."""
    step = tf.cast(step, tf.int32)
    drawn = gumbel_top_k(logits, request.noise[step], temperature=request.temperature,
                         top_k=request.top_k)
    forced = request.prompt[:, tf.minimum(step, tf.shape(request.prompt)[1] - 1)]
    return tf.where(step < request.prompt_len, forced, drawn)


def start(model: DigitGPT, request: Request) -> tf.Tensor:
    """The sequence every rung fills in, (batch, 1 + length): the class token, then zeros."""
    first = class_token(model.spec, request.classes)[:, None]
    return tf.concat([first, tf.zeros([request.batch, model.spec.length], tf.int32)], axis=1)


def write_token(sequence: tf.Tensor, step: tf.Tensor | int, token: tf.Tensor) -> tf.Tensor:
    """``sequence`` with image token ``step`` set to ``token``: an in-place, fixed-shape write."""
    return keras.ops.slice_update(sequence, [0, step + 1], token[:, None])


# --- recompute the whole sequence for every token ----------------------------------------------

def recompute_step(forward: Callable, request: Request, step: tf.Tensor | int,
                   sequence: tf.Tensor, *, prefix: bool) -> tf.Tensor:
    """One step of the recompute rungs: run ``forward`` (the model) over the class token and
    the tokens drawn so far, choose token ``step`` from its logits there, write it down.

    ``prefix=True`` (an eager loop, ``step`` a Python int) feeds only what is drawn, so the
    input grows by a token per step. ``prefix=False`` (a compiled loop) feeds the fixed-size
    buffer, so every step has the same shapes: the zeros not drawn yet sit after ``step``,
    where the causal mask keeps them from the logits at ``step``."""
    seen = sequence[:, :step + 1] if prefix else sequence[:, :-1]
    token = choose(forward(seen)[:, step], step, request)
    return write_token(sequence, step, token)


def recompute_in_python(model: DigitGPT, request: Request, forward: Callable) -> np.ndarray:
    """The eager recompute rungs' loop: one ``recompute_step`` per token, from Python."""
    sequence = start(model, request)
    for step in range(model.spec.length):
        sequence = recompute_step(forward, request, step, sequence, prefix=True)
    return sequence[:, 1:].numpy()


def sample_predict(model: DigitGPT, classes, **options) -> np.ndarray:
    """What popular tutorials do: ``model.predict`` on the growing prefix, once per token."""
    return recompute_in_python(model, prepare(model, classes, **options),
                               lambda seen: model.predict(seen, verbose=0))


def sample_recompute(model: DigitGPT, classes, **options) -> np.ndarray:
    """Call the model directly: no ``predict`` set-up per call, still the whole prefix."""
    return recompute_in_python(model, prepare(model, classes, **options),
                               functools.partial(model, training=False))


def recompute_while_loop(model: DigitGPT, request: Request) -> tf.Tensor:
    """Every recompute step in one ``tf.while_loop`` over a fixed-size buffer: what
    ``sample_recompute_xla`` compiles."""
    step = functools.partial(recompute_step, functools.partial(model, training=False), request,
                             prefix=False)
    return common.while_loop(step, start(model, request), model.spec.length)[:, 1:]


def sample_recompute_xla(model: DigitGPT, classes, **options) -> np.ndarray:
    """The recompute sampler at its best: fixed shapes, one XLA-compiled ``while_loop``."""
    request = prepare(model, classes, **options)
    loop = common.compiled(model, "recompute_xla", recompute_while_loop, jit_compile=True)
    return loop(request).numpy()


# --- the KV cache: each step does one token's work ---------------------------------------------

def cached_step(model: DigitGPT, request: Request, step: tf.Tensor | int, state: State) -> State:
    """One step of the KV-cache rungs: feed token ``step`` of the sequence (the class token at
    step 0) with the cache of all before it, choose the next token, write it down."""
    sequence, cache = state
    logits, cache = model.step(sequence[:, step], step, cache)
    return write_token(sequence, step, choose(logits, step, request)), cache


def sample_cached_eager(model: DigitGPT, classes, **options) -> np.ndarray:
    """KV cache in an eager Python loop: far less arithmetic, but every layer call is eager."""
    request = prepare(model, classes, **options)
    state = start(model, request), model.empty_cache(request.batch)
    for step in range(model.spec.length):
        state = cached_step(model, request, step, state)
    return state[0][:, 1:].numpy()


def sample_cached_step(model: DigitGPT, classes, **options) -> np.ndarray:
    """KV cache; each step is one call of a compiled ``cached_step`` (the same shapes every
    step, so it traces once)."""
    request = prepare(model, classes, **options)
    step_fn = common.compiled(model, "cached_step", cached_step)
    state = start(model, request), model.empty_cache(request.batch)
    for step in range(model.spec.length):
        state = step_fn(request, tf.constant(step), state)
    return state[0][:, 1:].numpy()


def cached_while_loop(model: DigitGPT, request: Request) -> tf.Tensor:
    """Every KV-cache step in one ``tf.while_loop``: what the two loop rungs compile."""
    state = start(model, request), model.empty_cache(request.batch)
    step = functools.partial(cached_step, model, request)
    return common.while_loop(step, state, model.spec.length)[0][:, 1:]


def sample_cached_loop(model: DigitGPT, classes, **options) -> np.ndarray:
    """KV cache with the whole token loop inside one tf.function: one call per image batch."""
    request = prepare(model, classes, **options)
    return common.compiled(model, "cached_loop", cached_while_loop)(request).numpy()


def sample_cached_xla(model: DigitGPT, classes, **options) -> np.ndarray:
    """The same loop compiled by XLA (``jit_compile=True``): the fastest rung on CPU."""
    request = prepare(model, classes, **options)
    loop = common.compiled(model, "cached_xla", cached_while_loop, jit_compile=True)
    return loop(request).numpy()


def _check_prompt(prompt, batch: int, codes: int, length: int) -> np.ndarray:
    if prompt is None:
        return np.zeros((batch, 0), np.int32)
    forced = np.asarray(prompt)
    forced = forced[None] if forced.ndim == 1 else forced
    if forced.ndim != 2 or len(forced) not in (1, batch):
        raise ValueError(f"prompt: expected image tokens of shape (tokens,) or ({batch}, tokens),"
                         f" got {np.asarray(prompt).shape}")
    if forced.shape[1] > length:
        raise ValueError(f"prompt: {forced.shape[1]} tokens is longer than the context "
                         f"({length} image tokens after the class token)")
    if forced.size and not np.issubdtype(forced.dtype, np.integer):
        raise TypeError(f"prompt: expected integer token ids, got dtype {forced.dtype}")
    if forced.size and (forced.min() < 0 or forced.max() >= codes):
        raise ValueError(f"prompt: expected token ids in 0..{codes - 1}, got values from "
                         f"{forced.min()} to {forced.max()}")
    return np.broadcast_to(forced, (batch, forced.shape[1])).astype(np.int32)


# --- the ladder, measured -----------------------------------------------------------------------

@dataclass(frozen=True)
class Rung:
    """One rung of the ladder: ``label`` is what tables print, ``sample`` the sampler, and
    ``flops`` the ``tiny_gpt.flops_per_image`` mode of the arithmetic it does per image."""

    label: str
    sample: Callable[..., np.ndarray]
    flops: str


LADDER: dict[str, Rung] = {
    "predict": Rung("predict() per token", sample_predict, "prefix"),
    "recompute": Rung("recompute, eager", sample_recompute, "prefix"),
    "recompute_xla": Rung("recompute, XLA loop", sample_recompute_xla, "buffer"),
    "cached_eager": Rung("KV cache, eager", sample_cached_eager, "cached"),
    "cached_step": Rung("KV cache, compiled step", sample_cached_step, "cached"),
    "cached_loop": Rung("KV cache, compiled loop", sample_cached_loop, "cached"),
    "cached_xla": Rung("KV cache, XLA loop", sample_cached_xla, "cached"),
}
"""Every rung by its id, slowest first; comparisons name their rows by these ids."""
LABELS = {rung: step.label for rung, step in LADDER.items()}  # for ``compare(labels=...)``

CLAIMS = [  # (faster, slower, batch sizes where the course claims it) checked by notebook 05
    ("recompute", "predict", (1, 64)),
    ("recompute_xla", "recompute", (1, 64)),
    ("cached_eager", "recompute", (64,)),
    ("cached_step", "cached_eager", (1, 64)),
    ("cached_loop", "cached_step", (1, 64)),
    ("cached_xla", "cached_loop", (1, 64)),
    ("cached_xla", "recompute_xla", (1, 64)),
]


def ladder_candidates(model: DigitGPT, batch: int, rungs: Sequence[str] | None = None,
                      seed: int = 0) -> dict[str, Callable[[], np.ndarray]]:
    """Zero-argument callables for ``measure.compare``, by rung id: each draws ``batch`` images
    of mixed classes with the same seed (so all draw the same tokens)."""
    classes = np.arange(check_int("batch", batch, minimum=1)) % NUM_CLASSES
    return {rung: functools.partial(LADDER[check_choice("rungs", rung, LADDER)].sample, model,
                                    classes, seed=seed)
            for rung in (LADDER if rungs is None else rungs)}


def ladder_table(results: dict, spec: GPTConfig, limits):
    """One row per rung and batch size: ms/image, images/s, speedup over that comparison's
    baseline (named in ``baseline``), and share of the machine's peak compute.

    ``results`` maps batch size -> ``measure.Comparison`` of ``ladder_candidates`` (work =
    images per call)."""
    import pandas as pd

    rows = []
    for batch, result in results.items():
        for rung in result.names():
            per_image_s = result.per_item_s(rung)
            flops = flops_per_image(spec, LADDER[rung].flops)
            rows.append({"rung": rung, "sampler": LADDER[rung].label, "batch": batch,
                         "ms/image": result.per_item_ms(rung), "images/s": 1 / per_image_s,
                         "speedup": result.speedup(rung), "baseline": result.baseline,
                         "share of peak compute": limits.share_of_compute(flops / per_image_s)})
    return pd.DataFrame(rows)
