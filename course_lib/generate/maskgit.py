"""MaskGIT-style parallel decoding: a few forward passes per image, many tokens each.

A GPT pays one forward pass per token: 49 sequential passes per digit. MaskGIT (Chang et al.,
2022) trains a *bidirectional* Transformer to fill in masked tokens. To generate, it starts
from an image of mask tokens, predicts every masked token in one pass, keeps the most confident
ones and re-masks the rest, and repeats for ``steps`` passes (4-12 rather than 49). The number
still masked after each pass follows a cosine schedule (``schedule``).

The price: with every position able to see every other, nothing can be cached, so each pass
recomputes all 50 positions. Per image, 8 passes do about 8x the arithmetic of the KV-cached
GPT. MaskGIT beats the GPT *without* a cache at any batch size; against the cached GPT it can
only win where a pass over 50 positions costs little more than a pass over one (spare parallel
hardware at small batches). Notebook 05 and ``benchmarks/speed_quality.py`` measure which way
it goes on the machine at hand.

Randomness is drawn up front from ``seed`` (two uniforms per position and pass: one picks the
token by inverse CDF, one perturbs the confidence), so the eager loop and the XLA-compiled loop
get the same numbers and, as a test proves, return the same tokens.
"""

from __future__ import annotations

import functools
import math
from typing import Callable

import keras
import numpy as np
import tensorflow as tf

from course_lib import config, files
from course_lib.checks import check_int, check_number
from course_lib.generate import common
from course_lib.generate.common import Request
from course_lib.generate.image_tokens import Tokenizer
from course_lib.generate.tiny_gpt import (DigitGPT, GPTConfig, check_model, class_token, load,
                                          optimizer)

MODEL_PATH = config.DATA_DIR / "digit_maskgit.npz"
CARD_PATH = config.DATA_DIR / "digit_maskgit.json"
CHOICE_TEMPERATURE = 4.5  # confidence noise at the first pass, annealed linearly to 0 (the
# MaskGIT paper's value; measured here it keeps agreement and gives more diverse digits than 0-2)


def load_pretrained() -> tuple[DigitGPT, Tokenizer]:
    """The bidirectional model shipped in ``data/`` (``data/digit_maskgit.json`` says how)."""
    return files.load_shipped(load, MODEL_PATH, "scripts/train_digit_maskgit.py")


def schedule(length: int, steps: int) -> list[int]:
    """Tokens still masked after each pass, by MaskGIT's cosine schedule; ends at 0. Few
    tokens are decided early (when little is known), many at the end."""
    check_int("steps", steps, minimum=1, maximum=length)
    left, remaining = length, []
    for step in range(1, steps + 1):
        left = min(left - 1, math.floor(length * math.cos(math.pi / 2 * step / steps)))
        remaining.append(max(left, 0))
    return remaining


def flops_per_pass(spec: GPTConfig) -> int:
    """Matmul FLOPs of one bidirectional pass: every position attends to every position."""
    d, n = spec.width, spec.positions
    return spec.depth * (24 * d * d * n + 4 * n * n * d) + 2 * d * spec.codes * spec.length


# --- training -----------------------------------------------------------------------------------

def mask_at_random(tokens: tf.Tensor, labels: tf.Tensor, spec: GPTConfig
                   ) -> tuple[tf.Tensor, tf.Tensor]:
    """Training pairs: inputs ``[class] + tokens`` with a random share masked, and targets that
    are the true token where masked and -1 elsewhere (only masked tokens are scored).

    The share is cos(pi/2 * u), u uniform: the same cosine the sampler's schedule follows, so
    the model practises every stage of decoding, from all-masked to one token left."""
    tokens = tf.cast(tokens, tf.int32)
    batch, length = tf.shape(tokens)[0], tokens.shape[1]
    share = tf.cos(math.pi / 2 * tf.random.uniform([batch, 1]))
    count = tf.maximum(1, tf.cast(tf.math.ceil(share * length), tf.int32))
    rank = tf.argsort(tf.argsort(tf.random.uniform([batch, length]), axis=1), axis=1)
    masked = rank < count
    inputs = tf.concat([spec.codes + tf.cast(labels, tf.int32)[:, None],
                        tf.where(masked, spec.mask_id, tokens)], axis=1)
    return inputs, tf.where(masked, tokens, -1)


def masked_loss(targets: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """Cross-entropy averaged over each image's masked tokens (targets -1 are not scored)."""
    targets = tf.cast(targets, tf.int32)
    scored = tf.cast(targets >= 0, logits.dtype)
    loss = tf.nn.sparse_softmax_cross_entropy_with_logits(tf.maximum(targets, 0), logits)
    return tf.reduce_sum(loss * scored, -1) / tf.maximum(tf.reduce_sum(scored, -1), 1.0)


def masked_accuracy(targets: tf.Tensor, logits: tf.Tensor) -> tf.Tensor:
    """Share of each image's masked tokens predicted exactly (argmax)."""
    targets = tf.cast(targets, tf.int32)
    scored = tf.cast(targets >= 0, tf.float32)
    hit = tf.cast(tf.argmax(logits, -1, output_type=tf.int32) == targets, tf.float32)
    return tf.reduce_sum(hit * scored, -1) / tf.maximum(tf.reduce_sum(scored, -1), 1.0)


def train_maskgit(model: DigitGPT, tokens: np.ndarray, labels: np.ndarray, *, epochs: int = 10,
                  batch_size: int = 128, learning_rate: float = 2e-3, jit_compile: bool = True,
                  validation: tuple[np.ndarray, np.ndarray] | None = None,
                  verbose: int | str = "auto", callbacks: list | None = None
                  ) -> keras.callbacks.History:
    """Masked-token training: fresh random masks every batch (a tf.data map), the same AdamW
    recipe as the GPT. Validation masks are drawn once, so epochs are compared fairly."""
    spec = check_model(model, causal=False).spec
    data = (tf.data.Dataset.from_tensor_slices((tokens.astype(np.int32), labels.astype(np.int32)))
            .shuffle(len(tokens), seed=0).batch(batch_size)
            .map(lambda t, y: mask_at_random(t, y, spec)).prefetch(tf.data.AUTOTUNE))
    val = None if validation is None else mask_at_random(*validation, spec)
    model.compile(optimizer=optimizer(learning_rate, epochs * math.ceil(len(tokens) / batch_size)),
                  loss=masked_loss, metrics=[masked_accuracy], jit_compile=jit_compile)
    return model.fit(data, epochs=epochs, validation_data=val, verbose=verbose, shuffle=False,
                     callbacks=callbacks)


# --- sampling -----------------------------------------------------------------------------------

def prepare(model: DigitGPT, classes, *, steps: int = 8, batch: int | None = None,
            temperature: float = 1.0, choice_temperature: float = CHOICE_TEMPERATURE,
            seed: int = 0) -> Request:
    """Check every argument and name the wrong one; ``batch`` repeats a single class. Two
    uniforms per pass and position are drawn here from ``seed``: one picks the token, one
    perturbs its confidence."""
    length = check_model(model, causal=False).spec.length
    remaining = schedule(length, steps)
    choice_temperature = check_number("choice_temperature", choice_temperature)
    return common.request(
        classes, batch=batch, temperature=temperature, seed=seed,
        noise=lambda n, seed: common.uniform_noise((steps, n, length, 2), seed, stream=1),
        remaining=tf.constant(remaining, tf.int32),
        choice_temperature=tf.constant(choice_temperature, tf.float32))


def remask(confidence: tf.Tensor, masked: tf.Tensor, remaining: tf.Tensor) -> tf.Tensor:
    """Which tokens to mask again after a pass: in each row, the ``remaining`` least confident
    of the tokens that were masked before it (a token decided earlier stays decided).
    confidence (batch, length) floats, masked (batch, length) bools -> bools."""
    confidence = tf.where(masked, confidence, np.inf)
    rank = tf.argsort(tf.argsort(confidence, axis=1, stable=True), axis=1, stable=True)
    return rank < remaining


def unmask(tokens: tf.Tensor, logits: tf.Tensor, uniforms: tf.Tensor, *, remaining: tf.Tensor,
           noise_scale: tf.Tensor, temperature: tf.Tensor, mask_id: int,
           choose_remasked: Callable = remask) -> tf.Tensor:
    """One pass's decision: sample every masked token, keep all but the ``remaining`` least
    confident (decided tokens never change), re-mask those.

    tokens (batch, length) with ``mask_id`` where undecided; logits (batch, length, codes);
    uniforms (batch, length, 2). Confidence is the log-probability of the sampled token plus
    ``noise_scale`` times Gumbel noise, so early passes do not always pick the same easy spots.
    ``choose_remasked`` is ``remask`` (exercise 4 swaps in the learner's)."""
    log_probs = tf.nn.log_softmax(tf.cast(logits, tf.float32) / temperature)
    below = tf.cumsum(tf.exp(log_probs), axis=-1) < uniforms[..., :1]  # inverse CDF
    sampled = tf.minimum(tf.reduce_sum(tf.cast(below, tf.int32), -1), logits.shape[-1] - 1)
    confidence = (tf.gather(log_probs, sampled, batch_dims=2)
                  - noise_scale * tf.math.log(-tf.math.log(uniforms[..., 1])))
    masked = tokens == mask_id
    again = tf.cast(choose_remasked(confidence, masked, remaining), tf.bool)
    return tf.where(again, mask_id, tf.where(masked, sampled, tokens))


def all_masked(model: DigitGPT, request: Request) -> tf.Tensor:
    """Where decoding starts: every image token the mask id, (batch, length)."""
    return tf.fill([request.batch, model.spec.length], model.spec.mask_id)


def decode_pass(model: DigitGPT, request: Request, step: tf.Tensor | int, tokens: tf.Tensor,
                choose_remasked: Callable = remask) -> tf.Tensor:
    """Pass ``step`` (the eager and the compiled loop both run this): predict every token from
    ``[class] + tokens``, then ``unmask``. The confidence noise is annealed linearly to zero at
    the last pass, as MaskGIT does."""
    first = class_token(model.spec, request.classes)[:, None]
    logits = model(tf.concat([first, tokens], axis=1), training=False)
    passes = tf.cast(tf.shape(request.remaining)[0], tf.float32)
    noise_scale = request.choice_temperature * (1.0 - tf.cast(step + 1, tf.float32) / passes)
    return unmask(tokens, logits, request.noise[step], remaining=request.remaining[step],
                  noise_scale=noise_scale, temperature=request.temperature,
                  mask_id=model.spec.mask_id, choose_remasked=choose_remasked)


def decode_passes(model: DigitGPT, classes, *, choose_remasked: Callable = remask,
                  **options) -> np.ndarray:
    """The readable version: a Python loop, one model call per pass. Returns the tokens after
    every pass, (steps, batch, length), ``mask_id`` where still undecided: watch it decode."""
    request = prepare(model, classes, **options)
    tokens, passes = all_masked(model, request), []
    for step in range(int(request.remaining.shape[0])):
        tokens = decode_pass(model, request, step, tokens, choose_remasked)
        passes.append(tokens.numpy())
    return np.stack(passes)


def sample_maskgit_eager(model: DigitGPT, classes, **options) -> np.ndarray:
    """``decode_passes``' final tokens (batch, length): the reference the compiled loop must
    match."""
    return decode_passes(model, classes, **options)[-1]


def partial_images(tokens: np.ndarray, tokenizer: Tokenizer, mask_id: int,
                   grey: float = 0.35) -> np.ndarray:
    """Images of partly decoded tokens, undecided patches shown flat ``grey``."""
    tokens = np.asarray(tokens)
    masked = tokens == mask_id
    images = tokenizer.decode(np.where(masked, 0, tokens))
    side, patch = int(np.sqrt(tokens.shape[1])), tokenizer.patch
    grid = np.kron(masked.reshape(-1, side, side), np.ones((patch, patch), bool))
    return np.where(grid, grey, images).astype(np.float32)


def maskgit_while_loop(model: DigitGPT, request: Request) -> tf.Tensor:
    """Every pass in one ``tf.while_loop``: what ``sample_maskgit`` compiles."""
    passes = tf.shape(request.remaining)[0]
    return common.while_loop(functools.partial(decode_pass, model, request),
                             all_masked(model, request), passes)


def sample_maskgit(model: DigitGPT, classes, **options) -> np.ndarray:
    """All passes in one XLA-compiled ``while_loop``; traces once per batch size and steps."""
    request = prepare(model, classes, **options)
    loop = common.compiled(model, "maskgit_xla", maskgit_while_loop, jit_compile=True)
    return loop(request).numpy()
